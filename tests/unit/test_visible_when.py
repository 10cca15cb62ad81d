"""Forms that follow the choice: a field with ``visible_when`` is shown, checked and required
only while another field has one of the named values; a value submitted for a hidden field is
ignored (not stored); deploy refuses rules that cannot work."""

import pytest

from engine.bpmn.forms import FormField, FormSpec, Option
from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.visibility import visibility_problems
from engine.errors import InvalidBpmn, InvalidData

REQUIRED = {"required": ""}
ACTION = FormField(
    "handling_action",
    "办理操作",
    "enum",
    constraints=REQUIRED,
    options=(Option("reply", "答复"), Option("extend", "延期")),
)
REPLY = FormSpec(
    (
        ACTION,
        FormField("reply_text", "答复内容", "string", REQUIRED, properties={"visible_when": "handling_action=reply"}),
        FormField(
            "months",
            "申请延期（月）",
            "long",
            constraints={"required": "", "min": "1", "max": "6"},
            properties={"visible_when": "handling_action=extend"},
        ),
        FormField("reason", "延期理由", "string", properties={"visible_when": "months!="}),
        FormField("urgent", "加急", "boolean"),
        FormField("urgent_note", "加急说明", "string", REQUIRED, properties={"visible_when": "urgent=true"}),
    )
)


def test_the_chosen_branch_is_required_and_the_other_ignored():
    clean = REPLY.validate({"handling_action": "reply", "reply_text": "已修复", "months": "99", "reason": "x"})
    # months is hidden: its wrong value is not checked and not stored; reason hangs off months
    assert clean == {"handling_action": "reply", "reply_text": "已修复"}


def test_a_required_when_field_missing_is_a_field_error():
    with pytest.raises(InvalidData) as caught:
        REPLY.validate({"handling_action": "extend", "reply_text": "ignored"})
    assert set(caught.value.codes) == {"months"}
    assert caught.value.codes["months"].code == "required"


def test_a_shown_field_is_checked_as_usual():
    with pytest.raises(InvalidData) as caught:
        REPLY.validate({"handling_action": "extend", "months": "7"})
    assert caught.value.codes["months"].code == "max"
    clean = REPLY.validate({"handling_action": "extend", "months": "2", "reason": "汛期"})
    assert clean == {"handling_action": "extend", "months": 2, "reason": "汛期"}


def test_nothing_chosen_shows_no_dependent_field():
    with pytest.raises(InvalidData) as caught:
        REPLY.validate({})
    assert set(caught.value.codes) == {"handling_action"}


def test_boolean_controller_and_negation():
    assert REPLY.shown({"urgent": True}) >= {"urgent_note"}
    assert "urgent_note" not in REPLY.shown({"urgent": "false"})
    with pytest.raises(InvalidData) as caught:
        REPLY.validate({"handling_action": "reply", "reply_text": "好", "urgent": "true"})
    assert set(caught.value.codes) == {"urgent_note"}
    # reason is shown while months is shown and not empty
    assert "reason" in REPLY.shown({"handling_action": "extend", "months": "2"})
    assert "reason" not in REPLY.shown({"handling_action": "extend", "months": ""})
    assert "reason" not in REPLY.shown({"handling_action": "reply", "months": "2"})


def test_one_of_several_values():
    form = FormSpec(
        (ACTION, FormField("note", "说明", "string", properties={"visible_when": "handling_action=reply,extend"}))
    )
    assert "note" in form.shown({"handling_action": "extend"})
    assert "note" in form.shown({"handling_action": "reply"})
    assert "note" not in form.shown({})


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("handling_action", "is not 'field=value'"),
        ("nobody=reply", "names 'nobody', which is not another field of this form"),
        ("note=x", "names 'note', which is not another field"),  # itself
        ("handling_action=answer", "value(s) 'answer' that 'handling_action' cannot take (its values: extend, reply)"),
        ("fixed=1", "'fixed', a readonly field"),
    ],
)
def test_deploy_refuses_rules_that_cannot_work(rule, expected):
    fields = (
        ACTION,
        FormField("fixed", "固定", "string", constraints={"readonly": ""}),
        FormField("note", "说明", "string", properties={"visible_when": rule}),
    )
    problems = visibility_problems(fields)
    assert len(problems) == 1
    assert "'note'" in problems[0] and expected in problems[0]


def test_deploy_refuses_a_circle_once():
    fields = (
        FormField("a", "甲", "string", properties={"visible_when": "b=1"}),
        FormField("b", "乙", "string", properties={"visible_when": "a=1"}),
    )
    circle = "form fields a → b → a: their visible_when rules hide each other in a circle"
    assert visibility_problems(fields) == [circle]
    assert FormSpec(fields).shown({"a": "1", "b": "1"}) == frozenset()


def test_a_bpmn_file_with_a_wrong_rule_is_refused_naming_element_and_field():
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="p" name="P" isExecutable="true">
    <bpmn:startEvent id="Start_1"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_Decide" name="决定" camunda:candidateGroups="office">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="decision" label="决定" type="enum">
          <camunda:value id="yes" name="是"/>
        </camunda:formField>
        <camunda:formField id="why" label="理由" type="string">
          <camunda:properties><camunda:property id="visible_when" value="decision=no"/></camunda:properties>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End_1"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="Start_1" targetRef="Task_Decide"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Task_Decide" targetRef="End_1"/>
  </bpmn:process>
</bpmn:definitions>"""
    with pytest.raises(InvalidBpmn) as caught:
        parse_bpmn(xml, "decide.bpmn")
    [problem] = caught.value.problems
    assert problem.file == "decide.bpmn" and problem.element_id == "Task_Decide"
    assert "'why'" in problem.message and "'no'" in problem.message


def test_the_congress_processes_declare_their_choices():
    """The reply task of a proposal shows the reply, the extension or the return fields, never
    two of them (its read-only facts whatever is chosen)."""
    with open("bpmn/proposal.bpmn", "rb") as source:
        [process] = [p for p in parse_bpmn(source.read(), "proposal.bpmn") if p.key == "proposal"]
    form = process.tasks["Task_Reply"].form
    facts = {"cohandling_due", "extension_months_left"}
    assert form.shown({"handling_action": "reply"}) == {
        "handling_action",
        "reply_class",
        "reply_text",
        "reply_signer",
        *facts,
    }
    assert form.shown({"handling_action": "extend"}) == {
        "handling_action",
        "extension_months",
        "extension_reason",
        *facts,
    }
    assert form.shown({"handling_action": "return"}) == {"handling_action", "return_reason", *facts}
