"""The in-process cache of hot workflows (engine/usecases/workflow_cache.py) against a real
database: what it hands out is what restoring the row gives (every hit is checked against a
restore, tests/workflow_views.py), a completion from it ends as one from JSON, a failed or
rolled-back use case leaves nothing in it, and a revision written by another process, or a
row that says something else under the same revision, is never acted on: two OS processes,
each with its own cache, take turns on one case."""

from __future__ import annotations

import gc
import json
import select as io_select
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import select, update

from engine.bpmn.runtime import Runtime
from engine.errors import ScriptError
from engine.usecases import cases, persist, tasks, workflow_cache
from engine.usecases.context import actor_for
from engine.usecases.workflow_cache import WorkflowCache, cache, key_of
from storage.enums import WorkItemState
from storage.models import AuditEntry, ProcessInstance, Timer, WorkItem
from tests.conftest import REPO_ROOT
from tests.workflow_views import audited_cache
from tests.world import REVIEW_SUBJECT, act, create_people, deploy, start_review

PEOPLE = ("clerk", "fin", "chair")
REGISTER = {"lead_unit": "finance"}
REPLY = {"reply_class": "B", "pages": 3}
AGAIN = {"accepted": False}
ACCEPT = {"accepted": True}


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    workflow_cache.configure(workflow_cache.DEFAULT_SIZE)
    yield
    cache.clear()
    workflow_cache.configure(workflow_cache.DEFAULT_SIZE)


@pytest.fixture
def world(session_factory):
    """review.bpmn deployed; the clerk registers, finance replies, the chair checks."""
    deploy(session_factory, "review.bpmn")
    create_people(session_factory, *PEOPLE)
    return session_factory


def open_item(factory, case_id: int) -> WorkItem:
    with factory() as s:
        return s.scalars(
            select(WorkItem).where(WorkItem.instance_id == case_id, WorkItem.state == WorkItemState.READY)
        ).one()


HOLDER = {"register": "clerk", "reply": "fin", "check": "chair"}


def complete_next(factory, case_id: int, data: dict[str, Any]) -> str:
    item = open_item(factory, case_id)
    act(factory, HOLDER[item.bpmn_id], tasks.complete, item.task_id, data)
    return item.bpmn_id


def forget(factory, case_id: int) -> None:
    """Drop what the cache keeps of the case: its next use case restores from JSON."""
    with factory() as s:
        cache.take(key_of(s, case_id))


def case_state(factory, case_id: int) -> dict[str, Any]:
    """All a case's rows say, without ids and task ids (two cases compared)."""
    detail = act(factory, "chair", cases.instance_detail, case_id)
    with factory() as s:
        items = s.scalars(select(WorkItem).where(WorkItem.instance_id == case_id).order_by(WorkItem.id)).all()
        timers = s.scalars(select(Timer).where(Timer.instance_id == case_id).order_by(Timer.id)).all()
        audit = s.scalars(select(AuditEntry).where(AuditEntry.instance_id == case_id).order_by(AuditEntry.id)).all()
        return {
            "status": detail.status,
            "variables": detail.variables,
            "items": [(w.bpmn_id, w.state, w.due_at, sorted(w.candidate_groups), w.assignee) for w in items],
            "timers": [(t.kind, t.bpmn_id, t.due_at, t.state) for t in timers],
            "history": [(a.action, a.bpmn_id, a.data) for a in audit if a.action != "start"],
        }


def test_a_completion_from_the_cache_ends_as_one_from_json(world, frozen_clock):
    kept, restored = start_review(world, "clerk").id, start_review(world, "clerk").id
    before = asdict(cache.counts)
    with audited_cache() as checked:
        for data in (REGISTER, REPLY, AGAIN, REPLY, ACCEPT):
            complete_next(world, kept, data)
            forget(world, restored)
            complete_next(world, restored, data)
    assert len(checked) == 5  # every completion of the first case was served by the cache
    assert cache.counts.hits - before["hits"] == 5 and cache.counts.misses - before["misses"] == 5
    assert case_state(world, kept) == case_state(world, restored)
    state = case_state(world, kept)
    assert state["status"] == "completed"
    assert {k: state["variables"][k] for k in ("lead_unit", "reply_class", "pages", "accepted", "rounds")} == {
        "lead_unit": "finance",
        "reply_class": "B",
        "pages": 3,
        "accepted": True,
        "rounds": 2,
    }
    assert [(action, bpmn_id) for action, bpmn_id, _ in state["history"]] == [
        ("complete", "register"),
        ("complete", "reply"),
        ("complete", "check"),
        ("complete", "reply"),
        ("complete", "check"),
    ]


def test_a_failure_after_the_save_leaves_nothing_in_the_cache(world, frozen_clock, monkeypatch):
    case_id = start_review(world, "clerk").id
    complete_next(world, case_id, REGISTER)  # the case is kept
    with world() as s:
        key = key_of(s, case_id)
    assert key in cache

    def failing(*args: Any) -> None:
        raise RuntimeError("the case's facts could not be written")

    monkeypatch.setattr(persist.case_facts, "write", failing)  # after the save wrote the workflow
    with pytest.raises(RuntimeError):
        complete_next(world, case_id, REPLY)
    assert key not in cache  # taken, moved, written, rolled back: not put back
    monkeypatch.undo()
    misses = cache.counts.misses
    assert complete_next(world, case_id, REPLY) == "reply"  # the same task again, from JSON
    assert cache.counts.misses == misses + 1
    assert open_item(world, case_id).bpmn_id == "check"
    assert case_state(world, case_id)["variables"]["reply_class"] == "B"


def test_a_workflow_moved_then_failing_is_never_put_back(world, frozen_clock, monkeypatch):
    case_id = start_review(world, "clerk").id
    complete_next(world, case_id, REGISTER)
    moved = []
    original = Runtime.complete

    def complete_then_fail(self: Runtime, workflow: Any, task_id: str, data: dict[str, Any]) -> Any:
        original(self, workflow, task_id, data)  # the workflow has moved on
        moved.append(workflow)
        raise ScriptError("reply: a script failed after the move")

    monkeypatch.setattr(Runtime, "complete", complete_then_fail)
    with pytest.raises(ScriptError):
        complete_next(world, case_id, REPLY)
    monkeypatch.undo()
    with world() as s:
        assert key_of(s, case_id) not in cache
    with audited_cache() as checked:
        assert complete_next(world, case_id, REPLY) == "reply"  # from JSON: the reply is still open
        assert complete_next(world, case_id, AGAIN) == "check"  # from the cache again
    assert len(checked) == 1 and moved[0] is not None
    assert open_item(world, case_id).bpmn_id == "reply"
    assert case_state(world, case_id)["variables"]["rounds"] == 2


def test_only_what_the_outermost_transaction_commits_is_kept(world, frozen_clock):
    case_id = start_review(world, "clerk").id
    item = open_item(world, case_id)
    with world() as s:
        key = key_of(s, case_id)
    cache.take(key)
    with world.begin() as s:  # a savepoint rolled back, the transaction committed
        savepoint = s.begin_nested()
        tasks.complete(s, actor_for(s, "clerk"), item.task_id, REGISTER)
        savepoint.rollback()
    assert key not in cache and open_item(world, case_id).bpmn_id == "register"
    with pytest.raises(RuntimeError), world.begin() as s:  # a savepoint released, the transaction rolled back
        with s.begin_nested():
            tasks.complete(s, actor_for(s, "clerk"), item.task_id, REGISTER)
        assert key not in cache  # released is not committed
        raise RuntimeError("rolled back")
    assert key not in cache and open_item(world, case_id).bpmn_id == "register"
    with world() as s:  # a session closed without committing
        tasks.complete(s, actor_for(s, "clerk"), item.task_id, REGISTER)
    assert key not in cache and open_item(world, case_id).bpmn_id == "register"
    with world.begin() as s, s.begin_nested():
        tasks.complete(s, actor_for(s, "clerk"), item.task_id, REGISTER)
    assert key in cache  # committed
    with audited_cache() as checked:
        complete_next(world, case_id, REPLY)
    assert len(checked) == 1


def test_a_revision_written_by_another_cache_is_never_used(world, frozen_clock, monkeypatch):
    """Two servers in one test process: each with a cache of its own (swapped in turn)."""
    case_id = start_review(world, "clerk").id
    first, second = WorkflowCache(), WorkflowCache()

    def on(server: WorkflowCache, data: dict[str, Any]) -> str:
        monkeypatch.setattr(workflow_cache, "cache", server)
        with audited_cache():
            return complete_next(world, case_id, data)

    assert on(first, REGISTER) == "register"  # first: nothing kept yet
    assert on(first, REPLY) == "reply"  # first: its own revision
    assert on(second, AGAIN) == "check"  # second: nothing kept
    assert on(first, REPLY) == "reply"  # first keeps the revision before second's: not used
    assert on(second, ACCEPT) == "check"  # second keeps the one before first's: not used
    assert (first.counts.misses, first.counts.hits, first.counts.stale) == (1, 1, 1)
    assert (second.counts.misses, second.counts.hits, second.counts.stale) == (1, 0, 1)
    state = case_state(world, case_id)
    assert state["status"] == "completed" and state["variables"]["rounds"] == 2
    assert [b for _, b, _ in state["history"]] == ["register", "reply", "check", "reply", "check"]


def test_a_row_saying_something_else_under_the_same_revision_is_restored(world, frozen_clock):
    """A database emptied or restored under the same URL can show a kept revision number
    with other content: the text is compared too."""
    case_id = start_review(world, "clerk").id
    complete_next(world, case_id, REGISTER)
    with world.begin() as s:
        text = s.get(ProcessInstance, case_id).workflow_json
        other = text.replace(REVIEW_SUBJECT, "另一个库里的同号案件")
        assert other != text
        s.execute(update(ProcessInstance).where(ProcessInstance.id == case_id).values(workflow_json=other))
    stale = cache.counts.stale
    complete_next(world, case_id, REPLY)
    assert cache.counts.stale == stale + 1
    assert case_state(world, case_id)["variables"]["subject"] == "另一个库里的同号案件"


def test_with_the_cache_off_cases_move_from_json(world, frozen_clock):
    workflow_cache.configure(0)
    case_id = start_review(world, "clerk").id
    for data in (REGISTER, REPLY, ACCEPT):
        complete_next(world, case_id, data)
    assert len(cache) == 0 and cache.counts.hits == 0 and cache.counts.kept == 0
    assert case_state(world, case_id)["status"] == "completed"


def test_the_size_comes_from_the_configuration(make_app, db_url):
    make_app(db_url, WORKFLOW_CACHE_SIZE=3)
    assert cache.size == 3
    make_app(db_url, WORKFLOW_CACHE_SIZE=0)
    assert cache.size == 0
    with pytest.raises(ValueError, match="CONGRESSFLOW_WORKFLOW_CACHE_SIZE"):
        make_app(db_url, WORKFLOW_CACHE_SIZE=-1)
    with pytest.raises(ValueError, match="CONGRESSFLOW_WORKFLOW_CACHE_SIZE"):
        make_app(db_url, WORKFLOW_CACHE_SIZE="many")


def test_an_app_makes_its_process_collect_cycles_less_often(make_app, db_url, monkeypatch):
    # the cycle collector walks every cached workflow's objects: less often in a server
    monkeypatch.setattr(gc, "get_threshold", lambda: (700, 10, 10))  # Python's defaults
    set_to: list[tuple[int, ...]] = []
    monkeypatch.setattr(gc, "set_threshold", lambda *values: set_to.append(values))
    make_app(db_url)
    assert set_to == [(20_000, 20, 20)]


def test_the_least_recently_kept_goes_first_and_a_later_revision_stays():
    small = WorkflowCache(size=2)
    entry = {n: _entry(revision=n) for n in (1, 2, 3)}
    small.put(("db", 1), entry[1])
    small.put(("db", 2), entry[1])
    small.put(("db", 3), entry[1])
    assert ("db", 1) not in small and len(small) == 2
    small.put(("db", 3), entry[3])
    small.put(("db", 3), entry[2])  # an older revision's commit finishing last
    assert small.take(("db", 3)) is entry[3]
    assert small.take(("db", 3)) is None  # taken: the taker's alone
    small.resize(0)
    small.put(("db", 4), entry[1])
    assert len(small) == 0


def _entry(revision: int) -> Any:
    return workflow_cache._Entry(revision, "", None, None, None)  # type: ignore[arg-type]


# -- two OS processes ------------------------------------------------------------------------
class Worker:
    """A process of its own with its own cache (tests/integration/workflow_cache_worker.py)."""

    def __init__(self, database_url: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.workflow_cache_worker", database_url],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def complete(self, task_id: str, user: str, data: dict[str, Any]) -> dict[str, int]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"complete": task_id, "user": user, "data": data}) + "\n")
        self.process.stdin.flush()
        ready, _, _ = io_select.select([self.process.stdout], [], [], 60)
        assert ready, "the worker did not answer within a minute"
        answer = json.loads(self.process.stdout.readline())
        assert answer["ok"], answer.get("error")
        return answer["counts"]  # type: ignore[no-any-return]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            assert self.process.wait(timeout=30) == 0
        finally:
            if self.process.poll() is None:
                self.process.kill()


def test_two_processes_taking_turns_never_act_on_a_stale_workflow(world, db_url):
    case_id = start_review(world, "clerk").id
    first, second = Worker(db_url), Worker(db_url)
    try:

        def on(worker: Worker, data: dict[str, Any]) -> dict[str, int]:
            item = open_item(world, case_id)
            return worker.complete(item.task_id, HOLDER[item.bpmn_id], data)

        on(first, REGISTER)  # first: nothing kept
        assert on(first, REPLY) == {"hits": 1, "misses": 1, "stale": 0, "kept": 2}
        assert on(second, AGAIN) == {"hits": 0, "misses": 1, "stale": 0, "kept": 1}
        # each now keeps a revision the other has written over
        assert on(first, {"reply_class": "A", "pages": 5}) == {"hits": 1, "misses": 1, "stale": 1, "kept": 3}
        assert on(second, ACCEPT) == {"hits": 0, "misses": 1, "stale": 1, "kept": 2}
    finally:
        first.close()
        second.close()
    state = case_state(world, case_id)
    assert state["status"] == "completed"
    assert {k: state["variables"][k] for k in ("lead_unit", "reply_class", "pages", "accepted", "rounds")} == {
        "lead_unit": "finance",
        "reply_class": "A",
        "pages": 5,
        "accepted": True,
        "rounds": 2,
    }
    assert [(action, bpmn_id, data) for action, bpmn_id, data in state["history"]] == [
        ("complete", "register", {"lead_unit": "finance"}),
        ("complete", "reply", {"reply_class": "B", "pages": 3}),
        ("complete", "check", {"accepted": False}),
        ("complete", "reply", {"reply_class": "A", "pages": 5}),
        ("complete", "check", {"accepted": True}),
    ]
    with world() as s:
        assert s.get(ProcessInstance, case_id).revision == 6  # inserted as started (1), five saves
