"""Camunda's input/output mappings (engine/bpmn/io_mappings.py): an input parameter is the
activity's own variable (text, expression, list, map) and what it hid comes back after it;
an output parameter puts a value computed from the activity's variables on the case; what
cannot be run is refused at deploy naming the element."""

from __future__ import annotations

import pytest

from engine.access import OPERATOR
from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidBpmn
from engine.usecases import cases, definitions
from engine.usecases.context import processes

from .conftest import act, do, open_ids, variables

DOC = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
             xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="t">
  <process id="io" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="compute" />
    <scriptTask id="compute">
      <extensionElements>
        <camunda:inputOutput>
          <camunda:inputParameter name="rate">${{base * 2}}</camunda:inputParameter>
          <camunda:inputParameter name="label">第一季度</camunda:inputParameter>
          <camunda:inputParameter name="units">
            <camunda:list><camunda:value>finance</camunda:value><camunda:value>${{extra}}</camunda:value></camunda:list>
          </camunda:inputParameter>
          <camunda:inputParameter name="limits">
            <camunda:map>
              <camunda:entry key="low">1</camunda:entry><camunda:entry key="high">${{base}}</camunda:entry>
            </camunda:map>
          </camunda:inputParameter>
          <camunda:outputParameter name="total">${{subtotal + rate}}</camunda:outputParameter>
          <camunda:outputParameter name="summary">${{label}}</camunda:outputParameter>
          <camunda:outputParameter name="seen">${{units}}</camunda:outputParameter>
          <camunda:outputParameter name="bounds">${{limits}}</camunda:outputParameter>
        </camunda:inputOutput>
      </extensionElements>
      <script>subtotal = rate * 10</script>
    </scriptTask>
    <sequenceFlow id="f2" sourceRef="compute" targetRef="check" />
    <userTask id="check" camunda:candidateGroups="office" />
    <sequenceFlow id="f3" sourceRef="check" targetRef="end" />
    <endEvent id="end" />
  </process>
</definitions>"""


def test_inputs_are_the_activitys_own_and_outputs_reach_the_case(people):
    with people.begin() as s:
        definitions.deploy(s, DOC.format().encode(), "io.bpmn", OPERATOR)
    case_id = act(
        people, "clerk", cases.start_instance, "io", {"base": 3, "extra": "land", "rate": 0.5}, validate=False
    ).id
    assert open_ids(people, case_id) == ["check"]
    got = variables(people, case_id)
    assert (got["total"], got["summary"]) == (66, "第一季度")  # subtotal 6 * 10 = 60, plus the input rate 6
    assert (got["seen"], got["bounds"]) == (["finance", "land"], {"low": "1", "high": 3})
    assert got["rate"] == 0.5  # the case's rate, hidden during the activity, is back
    assert "label" not in got and "units" not in got and "limits" not in got
    do(people, "clerk", case_id, "check", {})


def test_a_script_parameter_is_refused_naming_the_element() -> None:
    source = DOC.format().replace(
        '<camunda:inputParameter name="label">第一季度</camunda:inputParameter>',
        '<camunda:inputParameter name="label">'
        '<camunda:script scriptFormat="groovy">1</camunda:script></camunda:inputParameter>',
    )
    with pytest.raises(InvalidBpmn) as refused:
        parse_bpmn(source, "io.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "compute"
    assert (
        "camunda:inputOutput: a camunda:script value (only text, ${…}, camunda:list and camunda:map)" in problem.message
    )


def test_the_mappings_run_after_a_restart(people):
    """The version's spec read afresh from the database (the process cache emptied) between
    the task becoming ready and its completion: its output parameter still runs."""
    source = DOC.format().replace(
        '<userTask id="check" camunda:candidateGroups="office" />',
        '<userTask id="check" camunda:candidateGroups="office"><extensionElements><camunda:inputOutput>'
        '<camunda:outputParameter name="checked">${total + 1}</camunda:outputParameter>'
        "</camunda:inputOutput></extensionElements></userTask>",
    )
    with people.begin() as s:
        definitions.deploy(s, source.encode(), "io.bpmn", OPERATOR)
    case_id = act(people, "clerk", cases.start_instance, "io", {"base": 3, "extra": "land"}, validate=False).id
    processes.clear()  # the server restarted
    do(people, "clerk", case_id, "check", {})
    assert variables(people, case_id)["checked"] == 67
