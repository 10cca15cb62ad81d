"""A multi-instance's output collection (``loopDataOutputRef``) and its item
(``outputDataItem``) are read and run (tests/processes/test_output_collection.py); written
wrong, the file is refused at deploy naming the file, the element and what is missing, in
Chinese on the Chinese pages: the two come together, each named, and the rounds come from a
collection or a loopCardinality, not both."""

from __future__ import annotations

import pytest

from engine.bpmn.output_collections import ParallelMultiInstanceWithOutput, SequentialMultiInstanceWithOutput
from engine.bpmn.parsing import parse_bpmn
from tests.unit.test_specs import LINEAR, doc, problems
from web.engine_messages import in_chinese


def loop(inner: str, attributes: str = "") -> str:
    return doc(
        LINEAR.replace(
            '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>',
            '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office">'
            f"<bpmn:multiInstanceLoopCharacteristics {attributes}>{inner}</bpmn:multiInstanceLoopCharacteristics>"
            "</bpmn:userTask>",
        )
    )


def parts(cardinality: str = "", output: str | None = "reports", item: str | None = "name='report'") -> str:
    """A loop's parts, in the order the schema wants them: the rounds over ``units``, each
    round's item in ``unit``."""
    return (
        (f"<bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality>" if cardinality else "")
        + "<bpmn:loopDataInputRef>units</bpmn:loopDataInputRef>"
        + (f"<bpmn:loopDataOutputRef>{output}</bpmn:loopDataOutputRef>" if output is not None else "")
        + "<bpmn:inputDataItem name='unit'/>"
        + (f"<bpmn:outputDataItem {item}/>" if item is not None else "")
    )


@pytest.mark.parametrize(
    ("sequential", "kind"), [("false", ParallelMultiInstanceWithOutput), ("true", SequentialMultiInstanceWithOutput)]
)
def test_an_output_collection_is_read_beside_the_input(sequential, kind):
    [process] = parse_bpmn(loop(parts(), f'isSequential="{sequential}"'), "x.bpmn")
    spec = process.spec.task_specs["t"]
    assert type(spec) is kind
    assert (spec.data_input.bpmn_id, spec.input_item.bpmn_id) == ("units", "unit")
    assert (spec.data_output.bpmn_id, spec.output_item.bpmn_id) == ("reports", "report")


def test_rounds_counted_by_a_loop_cardinality_collect_too():
    inner = (
        "<bpmn:loopCardinality>3</bpmn:loopCardinality>"
        "<bpmn:loopDataOutputRef>reports</bpmn:loopDataOutputRef><bpmn:outputDataItem name='report'/>"
    )
    [process] = parse_bpmn(loop(inner), "x.bpmn")
    spec = process.spec.task_specs["t"]
    assert (spec.cardinality, spec.data_input, spec.data_output.bpmn_id) == ("3", None, "reports")


@pytest.mark.parametrize(
    ("inner", "said"),
    [
        (
            parts(item=None),
            [
                (
                    "bpmn:loopDataOutputRef has no bpmn:outputDataItem (the variable each round's result is in)",
                    "多实例写了 bpmn:loopDataOutputRef，却没有 bpmn:outputDataItem（即每一轮的结果所在的变量）",
                )
            ],
        ),
        (
            parts(output=None),
            [
                (
                    "bpmn:outputDataItem has no bpmn:loopDataOutputRef (the collection the rounds' results go into)",
                    "多实例写了 bpmn:outputDataItem，却没有 bpmn:loopDataOutputRef（即收集各轮结果的集合变量）",
                )
            ],
        ),
        (
            parts(item=""),
            [
                (
                    "bpmn:outputDataItem has no name (the variable each round's result is in)",
                    "多实例的 bpmn:outputDataItem 没有名称（即每一轮的结果所在的变量）",
                ),
            ],
        ),
        (
            parts(cardinality="2"),
            [
                (
                    "a multi-instance with bpmn:loopDataOutputRef takes its rounds from a collection or from a "
                    "loopCardinality, not both",
                    "写了 bpmn:loopDataOutputRef 的多实例，各轮要么来自集合，要么来自循环次数（loopCardinality），"
                    "不能两者都写",
                )
            ],
        ),
    ],
    ids=["no_item", "no_collection", "nameless", "collection_and_cardinality"],
)
def test_an_output_written_wrong_is_refused_naming_the_element(inner, said):
    found = problems(loop(inner), "rounds.bpmn")
    assert [(p.file, p.element_id, p.message) for p in found] == [("rounds.bpmn", "t", english) for english, _ in said]
    assert [in_chinese(p.message) for p in found] == [chinese for _, chinese in said]


def test_a_migration_names_a_collecting_multi_instance_as_the_designer_knows_it():
    from engine.usecases.case_migration_texts import kind_name

    assert kind_name("ParallelMultiInstanceWithOutput") == "并行多实例"
    assert kind_name("SequentialMultiInstanceWithOutput") == "串行多实例"
