"""Diagrams written as Camunda Modeler writes them (tests/fixtures/camunda_style_*.bpmn) deploy
and run through the real use cases: JUEL gateway conditions, a JUEL ``camunda:collection`` and
``loopCardinality``, an unquoted ISO duration, ``potentialOwner``, ``activiti:`` candidates and
a sequence flow without an id."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.usecases import cases, definitions, tasks
from engine.usecases.context import SYSTEM, processes
from tests.world import FIXTURES

from .conftest import act, advance_and_fire, detail, do, items, open_ids, who


def deploy_fixture(factory, name: str) -> list[definitions.Deployed]:
    path = FIXTURES / f"{name}.bpmn"
    with factory.begin() as s:
        return definitions.deploy(s, path.read_bytes(), path.name, SYSTEM)


@pytest.fixture
def gateway(people):
    deploy_fixture(people, "camunda_style_gateway")
    return people


def start(factory, **data) -> int:
    return act(factory, "clerk", cases.start_instance, "camunda_style_gateway", data).id


def test_juel_condition_sends_a_large_approved_claim_to_the_chair_then_waits_five_minutes(gateway, frozen_clock):
    case_id = start(gateway, subject="差旅费", amount=1500)
    [review] = items(gateway, case_id, "review")
    assert who(review) == (("office",), None)  # potentialOwner group(office)
    do(gateway, "clerk", case_id, "review", {"decision": "approve"})
    [chair] = items(gateway, case_id, "chair_approval")
    assert who(chair) == (("chair",), None)  # activiti:candidateGroups
    do(gateway, "chair", case_id, "chair_approval", {})
    assert detail(gateway, case_id).status == "running"  # PT5M, unquoted: a literal duration
    assert advance_and_fire(gateway, timedelta(minutes=4)) == 0
    assert advance_and_fire(gateway, timedelta(minutes=2)) == 1
    assert detail(gateway, case_id).status == "completed"


def test_juel_condition_files_a_small_approved_claim_by_the_default_flow(gateway, frozen_clock):
    case_id = start(gateway, amount=800)
    do(gateway, "clerk", case_id, "review", {"decision": "approve"})
    case = detail(gateway, case_id)
    assert (case.status, open_ids(gateway, case_id)) == ("completed", [])
    assert items(gateway, case_id, "chair_approval", state=None) == []


def test_juel_eq_condition_ends_a_rejected_claim(gateway, frozen_clock):
    case_id = start(gateway, amount=5000)
    do(gateway, "clerk", case_id, "review", {"decision": "reject"})
    assert detail(gateway, case_id).status == "completed"
    assert items(gateway, case_id, "chair_approval", state=None) == []


def test_juel_collection_gives_one_round_per_unit_and_juel_cardinality_counts_the_checks(people, frozen_clock):
    [deployed] = deploy_fixture(people, "camunda_style_collection")
    assert deployed.warnings == (
        "camunda_style_collection.bpmn:26 [Flow_check_to_done]: sequence flow from 'check' to 'done' has no id: "
        "given the id 'Flow_check_to_done'",
    )
    case_id = act(people, "clerk", cases.start_instance, "camunda_style_collection", {}).id
    rounds = items(people, case_id, "report")
    assert sorted(who(r) for r in rounds) == [(("finance",), None), (("land",), None)]
    do_round = {("finance",): "fin", ("land",): "landy"}
    for r in rounds:
        act(people, do_round[tuple(r.candidate_groups)], tasks.complete, r.task_id, {})
    for _ in range(2):  # ${reviews} = 2 sequential checks
        [check] = items(people, case_id, "check")
        assert who(check) == (("office",), None)
        do(people, "clerk", case_id, "check", {})
    assert detail(people, case_id).status == "completed"


def test_a_restart_between_rounds_keeps_each_rounds_result_in_its_place(people, frozen_clock):
    """The version's spec read afresh from the database (a restart: the process cache is
    empty) while a case is between the rounds of a Camunda multi-instance: the collection
    keeps its two units, each round's value in its own place (not appended after them)."""
    deploy_fixture(people, "camunda_style_collection")
    case_id = act(people, "clerk", cases.start_instance, "camunda_style_collection", {}).id
    finance, land = sorted(items(people, case_id, "report"), key=lambda r: r.candidate_groups)
    act(people, "fin", tasks.complete, finance.task_id, {})
    processes.clear()  # the server restarted
    act(people, "landy", tasks.complete, land.task_id, {})
    assert detail(people, case_id).variables["units"] == ["finance", "land"]
    assert open_ids(people, case_id) == ["check"]
