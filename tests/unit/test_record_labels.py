"""A multi-instance's ``record_labels`` (bpmn/README.md §4.1): read at deploy and kept with the
stored spec; one that does not read, names a field no form has, or labels nothing is refused
naming the element, in the designer's Chinese too."""

from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from engine.bpmn import record_labels
from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.record_labels import RecordLabel
from engine.bpmn.serialization import dump_process, load_process
from engine.errors import InvalidBpmn
from web.engine_messages import in_chinese


def plan(properties: str = "") -> str:
    """The plan's user task: the units, and a kind whose options name a key's values."""
    return (
        '<bpmn:userTask id="Task_Plan" name="制定计划" camunda:candidateGroups="office">'
        f"<bpmn:extensionElements>{properties}<camunda:formData>"
        '<camunda:formField id="units" label="单位" type="string"><camunda:properties>'
        '<camunda:property id="multiple" value="departments"/></camunda:properties></camunda:formField>'
        '<camunda:formField id="kind" label="类别" type="enum"><camunda:value id="road" name="道路"/>'
        "</camunda:formField>"
        "</camunda:formData></bpmn:extensionElements></bpmn:userTask>"
    )


def document(labels: str | None, on: str = "Sub_Rounds") -> str:
    """A plan, then a round per unit that returns a record into ``results``; ``labels`` the
    record_labels of the element ``on`` (the rounds, the plan or the process; None: none)."""
    properties = (
        f'<camunda:properties><camunda:property name="record_labels" value="{labels}"/></camunda:properties>'
        if labels is not None
        else ""
    )

    def extensions(element: str) -> str:
        return f"<bpmn:extensionElements>{properties}</bpmn:extensionElements>" if on == element and properties else ""

    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">\n'
        f'<bpmn:process id="p" isExecutable="true">{extensions("p")}\n'
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="Task_Plan"/>\n'
        + plan(properties if on == "Task_Plan" else "")
        + '<bpmn:sequenceFlow id="f2" sourceRef="Task_Plan" targetRef="Script_Copy"/>\n'
        '<bpmn:scriptTask id="Script_Copy"><bpmn:script>results = list(units)</bpmn:script></bpmn:scriptTask>\n'
        '<bpmn:sequenceFlow id="f3" sourceRef="Script_Copy" targetRef="Sub_Rounds"/>\n'
        f'<bpmn:subProcess id="Sub_Rounds" name="逐单位">{extensions("Sub_Rounds")}'
        '<bpmn:multiInstanceLoopCharacteristics camunda:collection="results" camunda:elementVariable="unit"/>'
        '<bpmn:startEvent id="rs"/><bpmn:sequenceFlow id="rf1" sourceRef="rs" targetRef="Script_Pack"/>'
        "<bpmn:scriptTask id=\"Script_Pack\"><bpmn:script>unit = {'unit': unit, 'kind': 'road'}</bpmn:script>"
        '</bpmn:scriptTask><bpmn:sequenceFlow id="rf2" sourceRef="Script_Pack" targetRef="re"/><bpmn:endEvent id="re"/>'
        "</bpmn:subProcess>\n"
        '<bpmn:sequenceFlow id="f4" sourceRef="Sub_Rounds" targetRef="e"/><bpmn:endEvent id="e"/>\n'
        "</bpmn:process>\n</bpmn:definitions>"
    )


def refusals(source: str) -> list[tuple[str | None, str]]:
    with pytest.raises(InvalidBpmn) as info:
        parse_bpmn(source, "r.bpmn")
    return [(p.element_id, p.message) for p in info.value.problems]


def stored_labels(source: str) -> dict[str, RecordLabel]:
    [process] = parse_bpmn(source, "r.bpmn")
    stored = load_process(dump_process(process))
    [rounds] = [s for s in stored.spec.task_specs.values() if isinstance(s, MultiInstanceTask)]
    return record_labels.of(rounds)


def test_the_labels_are_kept_with_the_stored_spec_a_key_naming_the_field_its_values_come_from() -> None:
    labels = stored_labels(document("unit=被检查单位, category (kind) = 类别，道路等,"))
    assert labels == {"unit": RecordLabel("被检查单位"), "category": RecordLabel("类别，道路等", "kind")}


def test_rounds_without_labels_keep_none() -> None:
    assert stored_labels(document(None)) == {}


@pytest.mark.parametrize(
    "labels, message",
    [
        (
            "unit",
            "record_labels of 'Sub_Rounds': 'unit' is not key=label or key(field)=label (pairs separated by commas)",
        ),
        (
            "unit=单位, =类别",
            "record_labels of 'Sub_Rounds': '=类别' is not key=label or key(field)=label (pairs separated by commas)",
        ),
        (
            "unit=",
            "record_labels of 'Sub_Rounds': 'unit=' is not key=label or key(field)=label (pairs separated by commas)",
        ),
        ("unit=单位, unit=被检查单位", "record_labels of 'Sub_Rounds': 'unit=被检查单位' labels a key labelled before"),
        (
            "kind(category)=类别",
            "record_labels of 'Sub_Rounds': 'kind(category)=类别' names 'category', "
            "which is no form field of this process",
        ),
        (" , ", "record_labels of 'Sub_Rounds': ' , ' is empty: write key=label pairs, separated by commas"),
    ],
)
def test_labels_that_do_not_read_are_refused_naming_the_element(labels: str, message: str) -> None:
    assert refusals(document(labels)) == [("Sub_Rounds", message)]


@pytest.mark.parametrize("element", ["Task_Plan", "p"])
def test_labels_on_what_fills_no_collection_are_refused(element: str) -> None:
    assert refusals(document("unit=单位", on=element)) == [
        (
            element,
            f"record_labels of '{element}': 'unit=单位' labels nothing: only a multi-instance activity that fills a "
            "collection (camunda:collection) writes records",
        )
    ]


def test_the_designer_reads_the_refusal_in_chinese_naming_the_element_by_name() -> None:
    [(_element, message)] = refusals(document("unit"))
    assert in_chinese(message, lambda element_id: {"Sub_Rounds": "逐单位"}.get(element_id, element_id)) == (
        "「逐单位」的记录标签（record_labels）「unit」有误：应写成“键=标签”或“键(表单字段)=标签”，以英文逗号分隔，"
        "每个键只写一次，括号中是本流程的表单字段；只能写在填写集合（camunda:collection）的多实例活动上"
    )
