"""A form field without a ``type`` is refused at deploy, naming the element and the field, as
Camunda 7 refuses it ("form field must have a 'type' attribute": FormServiceTest.
testDeployTaskFormWithoutFieldTypes, whose file ../shared/bpmn-corpus holds); it was read as
text, silently, a number or a date field taking any text."""

from pathlib import Path

import pytest

from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidBpmn
from tests.unit.test_specs import LINEAR, doc

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "bpmn-corpus"
UNTYPED = CORPUS / (
    "camunda-engine-tests/org/camunda/bpm/engine/test/api/form/FormServiceTest.testDeployTaskFormWithoutFieldTypes.bpmn20.xml"
)


def refused(source: str, file: str = "x.bpmn") -> list[tuple[str | None, str]]:
    with pytest.raises(InvalidBpmn) as info:
        parse_bpmn(source, file)
    return [(p.element_id, p.message) for p in info.value.problems]


def form(fields: str) -> str:
    return f"<bpmn:extensionElements><camunda:formData>{fields}</camunda:formData></bpmn:extensionElements>"


@pytest.mark.parametrize("declared", ["", ' type=""', ' type="  "'])
def test_a_user_task_field_without_a_type_is_refused(declared):
    fields = f'<camunda:formField id="months" label="月数"{declared}/><camunda:formField id="note" type="string"/>'
    body = LINEAR.replace(
        '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>',
        f'<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office">{form(fields)}</bpmn:userTask>',
    )
    assert refused(doc(body)) == [
        ("t", "form field 'months' has no type (give one of string, long, boolean, date, enum)")
    ]


def test_a_start_form_field_without_a_type_is_refused():
    body = LINEAR.replace(
        '<bpmn:startEvent id="s"/>',
        '<bpmn:startEvent id="s">' + form('<camunda:formField id="title"/>') + "</bpmn:startEvent>",
    )
    assert refused(doc(body)) == [
        ("s", "form field 'title' has no type (give one of string, long, boolean, date, enum)")
    ]


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/bpmn-corpus is not beside the repo")
def test_camundas_own_file_without_field_types_is_refused_as_camunda_refuses_it():
    found = refused(UNTYPED.read_text(encoding="utf-8"), UNTYPED.name)
    untyped = [(element, message) for element, message in found if "has no type" in message]
    assert [(element, message.split(" has")[0]) for element, message in untyped] == [
        ("usertask", "form field 'stringField'"),
        ("usertask", "form field 'longField'"),
        ("usertask", "form field 'customField'"),
    ]
