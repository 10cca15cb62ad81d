"""What a Camunda model runs for its effect besides script tasks (engine/bpmn/actions.py): a
service task's ``camunda:expression`` (with ``camunda:resultVariable`` and
``execution.setVariable``), execution listeners on start and end, task listeners on create and
complete, as expressions or Python scripts; what is not run is refused naming the element."""

from __future__ import annotations

import pytest

from engine.access import OPERATOR
from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidBpmn, ScriptError
from engine.usecases import cases, definitions

from .conftest import act, do, open_ids, variables

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
             xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="t">
  <process id="acts" isExecutable="true">
    <startEvent id="start" />
"""
TAIL = """
  </process>
</definitions>"""

SERVICE = (
    HEAD
    + """
    <sequenceFlow id="f1" sourceRef="start" targetRef="double" />
    <serviceTask id="double" camunda:expression="${amount * 2}" camunda:resultVariable="doubled" />
    <sequenceFlow id="f2" sourceRef="double" targetRef="mark" />
    <serviceTask id="mark" camunda:expression="${execution.setVariable('checked', amount &gt; 10)}" />
    <sequenceFlow id="f3" sourceRef="mark" targetRef="noop" />
    <serviceTask id="noop" camunda:expression="${true}" />
    <sequenceFlow id="f4" sourceRef="noop" targetRef="review" />
    <userTask id="review" camunda:candidateGroups="office">
      <extensionElements>
        <camunda:formData><camunda:formField id="verdict" label="意见" type="string" /></camunda:formData>
        <camunda:executionListener event="start" expression="${execution.setVariable('opened', 'yes')}" />
        <camunda:taskListener event="complete">
          <camunda:script scriptFormat="python">closed_with = verdict + '!'</camunda:script>
        </camunda:taskListener>
        <camunda:executionListener event="end" expression="${execution.setVariable('after', closed_with)}" />
      </extensionElements>
    </userTask>
    <sequenceFlow id="f5" sourceRef="review" targetRef="end" />
    <endEvent id="end">
      <extensionElements>
        <camunda:executionListener event="start" expression="${execution.setVariable('ending', doubled + 1)}" />
      </extensionElements>
    </endEvent>"""
    + TAIL
)


def test_service_expressions_and_listeners_run_in_order(people):
    with people.begin() as s:
        definitions.deploy(s, SERVICE.encode(), "acts.bpmn", OPERATOR)
    case_id = act(people, "clerk", cases.start_instance, "acts", {"amount": 7}, validate=False).id
    assert open_ids(people, case_id) == ["review"]
    got = variables(people, case_id)
    assert (got["doubled"], got["checked"], got["opened"]) == (14, False, "yes")
    assert "closed_with" not in got
    do(people, "clerk", case_id, "review", {"verdict": "同意"})
    got = variables(people, case_id)
    # the task listener on complete ran before the end listener, which read what it set
    assert (got["closed_with"], got["after"], got["ending"]) == ("同意!", "同意!", 15)


def test_a_stored_version_parsed_again_runs_the_same():
    """What the runtime reads was written by the normalising step, which runs on every parse."""
    [first] = parse_bpmn(SERVICE, "acts.bpmn")
    [again] = parse_bpmn(SERVICE, "acts.bpmn", check=False)
    for parsed in (first, again):
        assert parsed.spec.task_specs["double"].script == "doubled = amount * 2"
        assert [a.code for a in parsed.spec.task_specs["review"].pre_assign] == ["opened = 'yes'"]


@pytest.mark.parametrize(
    ("replace", "by", "element", "message"),
    [
        (
            'camunda:expression="${true}"',
            'camunda:expression="${bean.call()}"',
            "noop",
            "camunda:expression '${bean.call()}': not in the supported JUEL subset: method call call()",
        ),
        (
            'camunda:expression="${true}"',
            'camunda:expression="${execution.setVariable(\'x\', 1)}" camunda:resultVariable="r"',
            "noop",
            "execution.setVariable() has no value to keep in a result variable",
        ),
        (
            '<camunda:taskListener event="complete">',
            '<camunda:taskListener event="assignment">',
            "review",
            "camunda:taskListener: event 'assignment' is not run (only create and complete)",
        ),
        (
            'scriptFormat="python">closed_with',
            'scriptFormat="groovy">closed_with',
            "review",
            "camunda:taskListener: scriptFormat 'groovy' is not run by this engine: scripts are Python",
        ),
        (
            '<sequenceFlow id="f5" sourceRef="review" targetRef="end" />',
            '<sequenceFlow id="f5" sourceRef="review" targetRef="end"><extensionElements>'
            '<camunda:executionListener event="take" expression="${true}" /></extensionElements></sequenceFlow>',
            "f5",
            "camunda:executionListener: a listener on a sequenceFlow is not run; put it on a task or an event",
        ),
        (
            '<camunda:executionListener event="end" expression',
            '<camunda:executionListener event="end" class="org.example.Listener" /><camunda:executionListener '
            'event="end" expression',
            "review",
            "camunda:executionListener (execution listeners): a listener naming a Java class or delegate "
            "expression is not run",
        ),
    ],
)
def test_what_is_not_run_is_refused_naming_the_element(replace, by, element, message):
    source = SERVICE.replace(replace, by)
    assert source != SERVICE
    with pytest.raises(InvalidBpmn) as refused:
        parse_bpmn(source, "acts.bpmn")
    assert any(p.element_id == element and message in p.message for p in refused.value.problems), [
        str(p) for p in refused.value.problems
    ]


def test_a_failing_service_expression_stops_the_case_with_the_error(people):
    """``${total}`` when the case has no ``total``: the run-time error of any script."""
    source = SERVICE.replace("${amount * 2}", "${total * 2}")
    with people.begin() as s:
        definitions.deploy(s, source.encode(), "acts.bpmn", OPERATOR)
    with pytest.raises(ScriptError) as failed:
        act(people, "clerk", cases.start_instance, "acts", {"amount": 7}, validate=False)
    assert "double" in str(failed.value) and "NameError: name 'total' is not defined" in str(failed.value)


def test_text_with_expressions_in_it_is_written_with_their_values(people):
    """JUEL's composite expressions: a service task's text result and an input parameter."""
    source = SERVICE.replace(
        'camunda:expression="${true}"',
        'camunda:expression="第${amount}号-${missing}" camunda:resultVariable="label"',
    ).replace(
        '<sequenceFlow id="f1" sourceRef="start" targetRef="double" />',
        '<sequenceFlow id="f1" sourceRef="start" targetRef="double" />'
        '<scriptTask id="copy"><extensionElements><camunda:inputOutput>'
        '<camunda:inputParameter name="greeting">你好 ${name}！</camunda:inputParameter>'
        '<camunda:outputParameter name="said">${greeting}</camunda:outputParameter>'
        "</camunda:inputOutput></extensionElements><script>pass</script></scriptTask>",
    )
    source = source.replace('sourceRef="start" targetRef="double"', 'sourceRef="start" targetRef="copy"').replace(
        "<scriptTask", '<sequenceFlow id="f0" sourceRef="copy" targetRef="double" /><scriptTask'
    )
    with people.begin() as s:
        definitions.deploy(s, source.encode(), "acts.bpmn", OPERATOR)
    case_id = act(
        people, "clerk", cases.start_instance, "acts", {"amount": 7, "missing": None, "name": "张三"}, validate=False
    ).id
    got = variables(people, case_id)
    assert (got["label"], got["said"]) == ("第7号-", "你好 张三！")
