"""What the deploy checks say, as the designer reads them: ids and names no longer than the
database keeps them (engine.bpmn.stored_lengths, held to storage/models.py here), a name's
invisible character quoted as its escape, every message in Chinese (a form field without a
type, a condition's syntax error however it is quoted, a Camunda feature by its Chinese name),
a Camunda feature both checkers find one row, and a form kept outside the process a warning."""

from __future__ import annotations

import re

import pytest

from engine.bpmn import stored_lengths
from engine.bpmn.parsing import parse_bpmn
from engine.usecases.design_checks import element_names
from storage.models import ProcessDefinition, Subscription, WorkItem, WorkItemGroup
from tests.unit.test_modeler_messages import engine_side_of_same
from tests.unit.test_specs import LINEAR, doc, problems
from web.engine_messages import in_chinese


def chinese(message: str) -> str | None:
    """The Chinese the one table gives ``message`` (as the modeler and the server's pages read
    it), or None when no entry knows it."""
    said = in_chinese(message)
    return None if said == message else said


def test_the_limits_are_the_columns():
    assert stored_lengths.ID_LENGTH == ProcessDefinition.__table__.c.key.type.length == 200
    assert WorkItem.__table__.c.bpmn_id.type.length == Subscription.__table__.c.bpmn_id.type.length == 200
    assert stored_lengths.NAME_LENGTH == ProcessDefinition.__table__.c.name.type.length == 500
    assert WorkItem.__table__.c.name.type.length == stored_lengths.NAME_LENGTH
    assert stored_lengths.LANE_LENGTH == WorkItem.__table__.c.lane.type.length == 200
    assert stored_lengths.HOLDER_LENGTH == WorkItemGroup.__table__.c.group.type.length == 200
    assert stored_lengths.ASSIGNEE_LENGTH == WorkItem.__table__.c.assignee.type.length == 64
    assert stored_lengths.WAITED_NAME_LENGTH == Subscription.__table__.c.name.type.length == 200


def test_a_process_name_and_a_task_name_longer_than_stored_are_refused_at_their_elements():
    source = doc(LINEAR.replace('name="办理"', f'name="{"办" * 3000}"')).replace(
        'id="p"', f'id="p" name="{"流" * 501}"'
    )
    found = problems(source)
    assert [(p.element_id, p.message) for p in found] == [
        ("p", f"the name {'流' * 40 + '…'!r} is 501 characters long: at most 500 are stored"),
        ("t", f"the name {'办' * 40 + '…'!r} is 3000 characters long: at most 500 are stored"),
    ]
    assert chinese(found[1].message) == f"名称「{'办' * 40}…」长 3000 个字符：最多只能保存 500 个"
    # at the limit, taken
    [process] = parse_bpmn(doc(LINEAR.replace('name="办理"', f'name="{"办" * 500}"')), "x.bpmn")
    assert process.tasks["t"].name == "办" * 500


def test_an_id_a_lane_a_message_and_a_holder_longer_than_stored_are_refused():
    long_id = "T" + "x" * 200
    body = (
        LINEAR.replace('id="t"', f'id="{long_id}"')
        .replace('targetRef="t"', f'targetRef="{long_id}"')
        .replace('sourceRef="t"', f'sourceRef="{long_id}"')
        .replace('camunda:candidateGroups="office"', f'camunda:candidateGroups="office, {"g" * 201}"')
    )
    source = doc(body).replace("<bpmn:process", f'<bpmn:message id="m" name="{"m" * 201}"/>\n<bpmn:process', 1)
    said = {p.message.split(" '")[0] + f" {p.element_id[:8]}" for p in problems(source)}
    assert said == {"the id Txxxxxxx", "the candidate group Txxxxxxx", "the name of the message m"}


def test_a_name_holding_a_direction_character_is_quoted_with_it_escaped():
    [problem] = problems(doc(LINEAR.replace('name="办理"', 'name="办理\u202e检查"')))
    assert "\u202e" not in problem.message
    assert problem.message.endswith("delete it from '办理\\u202e检查'")
    assert chinese(problem.message).startswith("「t」的名称「办理\\u202e检查」含有看不见的文字方向控制符")


def test_the_designer_names_such_an_element_with_the_character_escaped():
    source = doc(LINEAR.replace('name="办理"', 'name="办理\u202e检查"'))
    assert element_names(source, "x.bpmn")["t"] == "办理\\u202e检查"


@pytest.mark.parametrize(
    "body, english",
    [
        (
            LINEAR.replace(
                'camunda:candidateGroups="office"/>',
                'camunda:candidateGroups="office"><bpmn:extensionElements><camunda:formData>'
                '<camunda:formField id="note2" label="备注"/></camunda:formData></bpmn:extensionElements>'
                "</bpmn:userTask>",
            ),
            "has no type",
        ),
        (
            LINEAR.replace(
                '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>',
                '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"><bpmn:conditionExpression>'
                "x == 'a' and (y</bpmn:conditionExpression></bpmn:sequenceFlow>",
            ),
            "SyntaxError",
        ),
        (LINEAR.replace('name="办理"', 'name="办理" camunda:class="org.example.Approve"'), "Java"),
        (LINEAR.replace('name="办理"', 'name="办理" camunda:delegateExpression="${approver}"'), "delegate"),
    ],
)
def test_each_is_said_in_chinese_without_english_words(body, english):
    [problem] = problems(doc(body))
    said = chinese(problem.message)
    assert said is not None and english in problem.message
    assert not re.search(r"\b(?:has no type|SyntaxError|Java classes|delegate expressions|never closed)\b", said)


def test_a_java_class_is_one_row_with_the_modelers_finding():
    [problem] = problems(doc(LINEAR.replace('name="办理"', 'name="办理" camunda:class="org.example.Approve"')))
    assert engine_side_of_same(problem.message)
    assert chinese(problem.message) == "本引擎不运行 camunda:class（Java 类）：请改用 Python 脚本任务"


def test_a_form_kept_outside_the_process_is_a_warning_at_its_element():
    source = doc(
        LINEAR.replace(
            '<bpmn:startEvent id="s"/>', '<bpmn:startEvent id="s" camunda:formKey="embedded:app:start.html"/>'
        )
    )
    [process] = parse_bpmn(source, "x.bpmn")
    [warning] = process.warnings
    assert (warning.element_id, warning.line) == ("s", 4)
    assert warning.message == (
        "camunda:formKey 'embedded:app:start.html': its form is not shown (a form kept outside the process): "
        "give the start event camunda:formData fields"
    )
    assert chinese(warning.message).startswith("camunda:formKey「embedded:app:start.html」指向流程之外的表单")


def test_a_form_key_beside_form_fields_is_no_warning_the_fields_are_shown():
    fields = (
        '<bpmn:extensionElements><camunda:formData><camunda:formField id="note" label="备注" type="string"/>'
        "</camunda:formData></bpmn:extensionElements>"
    )
    source = doc(
        LINEAR.replace(
            '<bpmn:startEvent id="s"/>', f'<bpmn:startEvent id="s" camunda:formKey="start">{fields}</bpmn:startEvent>'
        )
    )
    [process] = parse_bpmn(source, "x.bpmn")
    assert process.warnings == ()


def test_a_tasks_form_kept_outside_is_one_row_with_bpmnlints_no_form_fields():
    """bpmnlint's user-task-form rule finds the same task without formData fields: one row, the
    engine's words (which name the formKey); a start event's has no such rule beside it."""
    source = doc(LINEAR.replace('name="办理"', 'name="办理" camunda:formKey="embedded:app:task.html"'))
    [process] = parse_bpmn(source, "x.bpmn")
    [warning] = [w for w in process.warnings if "formKey" in w.message]
    assert engine_side_of_same(warning.message)
    start = doc(LINEAR.replace('<bpmn:startEvent id="s"/>', '<bpmn:startEvent id="s" camunda:formKey="start.html"/>'))
    [on_start] = parse_bpmn(start, "x.bpmn")[0].warnings
    assert not engine_side_of_same(on_start.message)
