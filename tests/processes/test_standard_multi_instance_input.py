"""BPMN's own multi-instance input (``loopDataInputRef``, ``inputDataItem``), read as Camunda 7
reads it (engine/bpmn/multi_instance.py): the collection and each round's element variable, as
``camunda:collection`` / ``camunda:elementVariable`` say them. Camunda's own test file
(MultiInstanceTest.testParallelUserTasksBasedOnCollection, ../shared/bpmn-corpus, read by its
path and never modified) deploys and runs as Camunda runs it: one task per item of the list,
assigned to the item; 3 of 5 done (>= 0.6) ends the activity and the case."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.access import OPERATOR
from engine.errors import InvalidBpmn
from engine.usecases import cases, definitions, tasks
from storage.enums import InstanceStatus, WorkItemState
from tests.world import deploy as deploy_files
from web.engine_messages import in_chinese

from .conftest import act, bpmn_process, items, open_ids, status, variables

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "bpmn-corpus"
ON_COLLECTION = (
    CORPUS
    / "camunda-engine-tests/org/camunda/bpm/engine/test/bpmn/multiinstance"
    / "MultiInstanceTest.testParallelUserTasksBasedOnCollection.bpmn20.xml"
)
ASSIGNEES = ["clerk", "chair", "member", "fin", "landy"]


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/bpmn-corpus is not beside the repo")
def test_camundas_collection_test_runs_one_task_per_item_assigned_to_it(people):
    deploy_files(people, ON_COLLECTION)
    case_id = act(
        people,
        "clerk",
        cases.start_instance,
        "miParallelUserTasksBasedOnCollection",
        {"assigneeList": ASSIGNEES},
        validate=False,
    ).id
    assert open_ids(people, case_id) == ["miTasks"] * 5
    rounds = items(people, case_id, "miTasks")
    assert sorted(r.assignee for r in rounds) == sorted(ASSIGNEES)
    for person in ("chair", "fin"):
        [mine] = [r for r in rounds if r.assignee == person]
        act(people, person, tasks.complete, mine.task_id, {})
        assert status(people, case_id) == InstanceStatus.RUNNING
    [landy] = [r for r in rounds if r.assignee == "landy"]
    act(people, "landy", tasks.complete, landy.task_id, {})  # 3 of 5: the completion condition holds
    assert status(people, case_id) == InstanceStatus.COMPLETED
    assert sorted(r.assignee for r in items(people, case_id, "miTasks", state=WorkItemState.CANCELLED)) == [
        "clerk",
        "member",
    ]
    assert variables(people, case_id)["assigneeList"] == ASSIGNEES


def loop(characteristics: str, key: str = "rounds") -> str:
    return bpmn_process(
        key,
        f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" name="审议" camunda:assignee="${{reviewer}}">
      <bpmn:multiInstanceLoopCharacteristics isSequential="true" {characteristics}
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />
    <bpmn:endEvent id="end" />""",
    )


def test_a_sequential_loop_hands_each_item_in_turn(people):
    xml = loop(
        """>
        <bpmn:loopDataInputRef>reviewers</bpmn:loopDataInputRef>
        <bpmn:inputDataItem name="reviewer" />
      </bpmn:multiInstanceLoopCharacteristics>"""
    )
    with people.begin() as s:
        definitions.deploy(s, xml.encode(), "rounds.bpmn", OPERATOR)
    case_id = act(people, "clerk", cases.start_instance, "rounds", {"reviewers": ["fin", "landy"]}, validate=False).id
    for person in ("fin", "landy"):
        [item] = items(people, case_id, "review")
        assert item.assignee == person
        act(people, person, tasks.complete, item.task_id, {})
    assert status(people, case_id) == InstanceStatus.COMPLETED


def test_both_ways_naming_different_collections_is_refused(people):
    xml = loop(
        """camunda:collection="others" camunda:elementVariable="reviewer">
        <bpmn:loopDataInputRef>reviewers</bpmn:loopDataInputRef>
        <bpmn:inputDataItem />
      </bpmn:multiInstanceLoopCharacteristics>"""
    )
    with pytest.raises(InvalidBpmn) as refused, people.begin() as s:
        definitions.deploy(s, xml.encode(), "rounds.bpmn", OPERATOR)
    messages = sorted((p.element_id, p.message) for p in refused.value.problems)
    assert messages == [
        ("review", "bpmn:inputDataItem has no name (the variable each round's item goes into)"),
        ("review", "bpmn:loopDataInputRef says 'reviewers', camunda:collection 'others': keep one of them"),
    ]
    assert [in_chinese(message) for _id, message in messages] == [
        "多实例的 bpmn:inputDataItem 没有名称（即每一轮的元素放入的变量）",
        "bpmn:loopDataInputRef 写的是「reviewers」，camunda:collection 写的是「others」：两者只保留一个",
    ]
