"""BPMN's own multi-instance output (``loopDataOutputRef``, ``outputDataItem``;
engine/bpmn/output_collections.py), refused at deploy before as elements the engine could
not run: each round sets the output item, and the activity's output collection holds the
rounds' items in the order of its input, whichever round ends first; the case holds it once
the activity is done. Run again (the case sent back to it), the activity collects that run's
items afresh."""

from __future__ import annotations

from engine.usecases import cases, tasks
from engine.usecases.context import processes
from storage.enums import InstanceStatus
from tests.conftest import FIXTURES
from tests.world import deploy as deploy_files

from .conftest import act, do, items, open_ids, status, variables


def started(people) -> int:
    deploy_files(people, FIXTURES / "output_collection.bpmn")
    return act(people, "clerk", cases.start_instance, "output_collection", {}).id


def opine(people, case_id: int, said: dict[str, str]) -> None:
    """The parallel rounds, each reviewer giving an opinion, in the order of ``said``."""
    rounds = {item.assignee: item for item in items(people, case_id, "opine")}
    for person, opinion in said.items():
        act(people, person, tasks.complete, rounds[person].task_id, {"opinion": opinion})


def sign(people, case_id: int) -> None:
    """The sequential rounds: chair signs, then member."""
    for person in ("chair", "member"):
        [item] = items(people, case_id, "sign")
        assert item.assignee == person
        act(people, person, tasks.complete, item.task_id, {"signature": f"{person} 已阅"})


def test_the_parallel_rounds_items_are_collected_in_the_inputs_order(people):
    """The rounds end in another order than the input's, the server restarting between them
    (the version's spec read afresh from the database)."""
    case_id = started(people)
    assert sorted(item.assignee for item in items(people, case_id, "opine")) == ["fin", "landy", "member"]
    opine(people, case_id, {"member": "同意"})
    processes.clear()  # the server restarted
    opine(people, case_id, {"fin": "经费可行", "landy": "用地可行"})
    assert open_ids(people, case_id) == ["sign"]
    assert variables(people, case_id)["opinions"] == ["经费可行", "用地可行", "同意"]  # fin, landy, member


def test_the_sequential_rounds_items_are_collected_in_turn(people):
    case_id = started(people)
    opine(people, case_id, {"fin": "一", "landy": "二", "member": "三"})
    sign(people, case_id)
    assert open_ids(people, case_id) == ["decide"]
    found = variables(people, case_id)
    assert found["signatures"] == ["chair 已阅", "member 已阅"]
    assert found["opinions"] == ["一", "二", "三"]
    do(people, "clerk", case_id, "decide", {"again": False})
    assert status(people, case_id) == InstanceStatus.COMPLETED


def test_an_activity_run_again_collects_that_runs_items_afresh(people):
    case_id = started(people)
    opine(people, case_id, {"fin": "一", "landy": "二", "member": "三"})
    sign(people, case_id)
    do(people, "clerk", case_id, "decide", {"again": True})
    assert open_ids(people, case_id) == ["opine", "opine", "opine"]
    opine(people, case_id, {"landy": "二改", "fin": "一改", "member": "三改"})
    sign(people, case_id)
    assert variables(people, case_id)["opinions"] == ["一改", "二改", "三改"]
    assert variables(people, case_id)["signatures"] == ["chair 已阅", "member 已阅"]
