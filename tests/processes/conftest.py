"""Scenario helpers: the real process library deployed through the use cases, in the style of
tests/integration/test_usecases.py (``act``, from tests/world.py, opens the transaction, the use
case does the rest)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from engine import clock
from engine.usecases import cases, tasks, timers, workflow_cache
from storage.enums import InstanceStatus, WorkItemState
from storage.models import CaseDeputy, CaseFacts, CaseItemFacts, ProcessInstance, Subscription, WorkItem
from tests.world import act, create_people
from tests.world import deploy as deploy_files

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
# the township of the process tests, rows of tests.world.ROSTER
PEOPLE = ("clerk", "chair", "member", "fin", "landy", "civ", "xinfang", "wang", "li", "boss")


def deploy(factory, *names: str) -> None:
    """Deploy processes of the library (``bpmn/``) by key."""
    deploy_files(factory, *(LIBRARY / f"{name}.bpmn" for name in names))


def bpmn_process(key: str, body: str, declarations: str = "") -> str:
    """A BPMN document of one executable process ``key`` (the Camunda namespace declared),
    ``declarations`` (messages, signals) before it."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"\n'
        f'    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{key}" targetNamespace="t">\n'
        f'{declarations}\n  <bpmn:process id="{key}" isExecutable="true">{body}  </bpmn:process>\n'
        "</bpmn:definitions>"
    )


def items(factory, instance_id, bpmn_id=None, state=WorkItemState.READY) -> list[WorkItem]:
    """Work items of a case (by default the open ones), oldest first."""
    with factory() as s:
        query = select(WorkItem).where(WorkItem.instance_id == instance_id)
        if state is not None:
            query = query.where(WorkItem.state == state)
        if bpmn_id is not None:
            query = query.where(WorkItem.bpmn_id == bpmn_id)
        return list(s.scalars(query.order_by(WorkItem.id)))


def all_cases(factory) -> list[int]:
    """Every case's id, oldest first (timer starts make cases nobody started by hand)."""
    with factory() as s:
        return list(s.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)))


def one(factory, instance_id, bpmn_id) -> WorkItem:
    [item] = items(factory, instance_id, bpmn_id)
    return item


def open_ids(factory, instance_id) -> list[str]:
    return sorted(i.bpmn_id for i in items(factory, instance_id))


def who(item: WorkItem) -> tuple[tuple[str, ...], str | None]:
    return tuple(item.candidate_groups or ()), item.assignee


def do(factory, username, instance_id, bpmn_id, data):
    """Complete the one open ``bpmn_id`` task of the case as ``username``."""
    return act(factory, username, tasks.complete, one(factory, instance_id, bpmn_id).task_id, data)


def variables(factory, instance_id) -> dict:
    return act(factory, "clerk", cases.instance_detail, instance_id).variables


def detail(factory, instance_id):
    return act(factory, "clerk", cases.instance_detail, instance_id)


def subscriptions(factory, case_id=None) -> list[tuple[int, str, str, str]]:
    with factory() as s:
        query = select(Subscription).order_by(Subscription.id)
        if case_id is not None:
            query = query.where(Subscription.instance_id == case_id)
        return [(r.instance_id, r.bpmn_id, r.kind.value, r.name) for r in s.scalars(query)]


def status(factory, case_id) -> InstanceStatus:
    with factory() as s:
        return s.get(ProcessInstance, case_id).status


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def advance_and_fire(factory, delta: timedelta) -> int:
    clock.advance(delta)
    return timers.fire_due(factory)


@pytest.fixture
def people(session_factory, frozen_clock):
    """The township: the office, the presidium and its chair, units, a deputy."""
    create_people(session_factory, *PEOPLE)
    return session_factory


def facts_rows(factory, case_id) -> list[tuple]:
    """Everything the statistics read of a case: its facts, item facts and deputies rows."""
    with factory() as session:
        return [
            tuple(getattr(row, c.key) for c in table.__table__.columns if c.key not in ("id", "instance_id"))
            for table in (CaseFacts, CaseItemFacts, CaseDeputy)
            for row in session.scalars(
                select(table).where(table.instance_id == case_id).order_by(*table.__table__.primary_key.columns)
            )
        ]


@contextmanager
def side_by_side(factory, kept: int, written: int) -> Iterator[tuple[Callable, dict[int, int]]]:
    """Two cases taken through the same steps (``both(step)`` runs ``step(case_id)`` on each):
    ``kept`` served by the workflow cache, which lets a save skip facts rows it would write
    unchanged (engine/usecases/case_facts.py), ``written`` restored from JSON at every step,
    which writes them all. After each step their facts rows must be the same; the second
    value counts, by case, the statements that wrote facts rows."""
    engine = factory.kw["bind"]
    statements = {kept: 0, written: 0}
    moving = [kept]

    def count(_conn, _cursor, statement, *_args):
        statements[moving[0]] += statement.startswith(("INSERT", "DELETE", "UPDATE")) and any(
            table in statement for table in ("case_facts", "case_item_facts", "case_deputies")
        )

    def both(step: Callable[[int], object]) -> None:
        for case_id in (kept, written):
            if case_id == written:
                with factory() as session:
                    workflow_cache.cache.take(workflow_cache.key_of(session, case_id))
            moving[0] = case_id
            step(case_id)
        assert facts_rows(factory, kept) == facts_rows(factory, written)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield both, statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
