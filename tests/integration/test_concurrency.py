"""Two people act on the same task at the same moment: exactly one wins, the other is
told why, and nothing is half-written. Real threads, real database connections."""

import threading

import pytest
from sqlalchemy import func, select

from engine.errors import Conflict
from engine.usecases import cases, definitions, tasks
from engine.usecases.context import SYSTEM, actor_for
from storage.enums import WorkItemState
from storage.models import AuditEntry, ProcessInstance, WorkItem
from tests.conftest import fixture_bpmn
from tests.world import create_people

ROUNDS = 5


@pytest.fixture
def office(session_factory):
    create_people(session_factory, "a", "b")
    with session_factory.begin() as s:
        definitions.deploy(s, fixture_bpmn("review.bpmn"), "review.bpmn", SYSTEM)
    return session_factory


def race(factory, task_id, users):
    """Run ``complete`` for each user in its own thread, released at the same instant."""
    barrier = threading.Barrier(len(users))
    outcomes: dict[str, object] = {}

    def attempt(username):
        barrier.wait()
        try:
            with factory.begin() as s:
                tasks.complete(s, actor_for(s, username), task_id, {"lead_unit": f"unit_of_{username}"})
            outcomes[username] = "ok"
        except Exception as exc:  # the test inspects what each thread got
            outcomes[username] = exc

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_same_task_completed_at_once_exactly_one_wins(office):
    for round_no in range(ROUNDS):
        with office.begin() as s:
            case = cases.start_instance(s, actor_for(s, "a"), "review", {"subject": f"案 {round_no}"})
        task_id = case.open_tasks[0].task_id
        outcomes = race(office, task_id, ["a", "b"])
        winners = [u for u, o in outcomes.items() if o == "ok"]
        losers = [o for o in outcomes.values() if o != "ok"]
        assert len(winners) == 1, outcomes
        [loser] = losers
        assert isinstance(loser, Conflict), repr(loser)
        assert f"completed by {winners[0]}" in loser.message or "reload" in loser.message
        with office() as s:
            completes = s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.task_id == task_id, AuditEntry.action == "complete")
            )
            assert completes == 1
            item = s.scalars(select(WorkItem).where(WorkItem.task_id == task_id)).one()
            assert item.state == WorkItemState.COMPLETED and item.completed_by == winners[0]
            replies = s.scalars(
                select(WorkItem).where(WorkItem.instance_id == case.id, WorkItem.bpmn_id == "reply")
            ).all()
            assert [r.groups[0].group for r in replies] == [f"unit_of_{winners[0]}"]
            assert s.get(ProcessInstance, case.id).revision == case.revision + 1


def test_different_cases_do_not_conflict(office):
    ids = []
    for n in range(2):
        with office.begin() as s:
            ids.append(cases.start_instance(s, actor_for(s, "a"), "review", {"subject": f"{n}"}).open_tasks[0].task_id)
    barrier = threading.Barrier(2)
    errors = []

    def complete(task_id, username):
        barrier.wait()
        try:
            with office.begin() as s:
                tasks.complete(s, actor_for(s, username), task_id, {"lead_unit": "finance"})
        except Exception as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=complete, args=(ids[0], "a")),
        threading.Thread(target=complete, args=(ids[1], "b")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
