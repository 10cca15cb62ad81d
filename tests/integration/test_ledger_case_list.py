"""The case list says which cases were started from this year's ledger (台账), as their history's
start entry does (marked recorded from the row), for a whole page at once: the same statements
for a page of one case as for a page of many, never one more per row. A case started here is
not, whatever its title holds; nor is one whose start bears no mark (imported before it was kept)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from engine.usecases import ledger
from engine.usecases.case_list import CaseFilter, list_cases
from engine.usecases.context import actor_for
from storage.models import AuditEntry
from tests.integration.test_ledger import DONE, LATE, OPEN, PROPOSAL_HEADERS, workbook
from tests.world import act, create_people, deploy, start_review, statements_sent

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.fixture
def world(session_factory, frozen_clock):  # 2026-12-07 (Mon) 09:00 Beijing
    create_people(session_factory, "admin", "clerk", "fin", "landy", "wang", "li")
    deploy(session_factory, LIBRARY / "proposal.bpmn", "review.bpmn")
    return session_factory


def test_each_page_says_which_cases_the_ledger_started_in_the_same_statements(world):
    outcomes = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, DONE, LATE, OPEN))
    imported = [o.instance_id for o in outcomes.outcomes]
    # the mark's key in its start's data, as a value: no mark
    here = start_review(world, "clerk", "关于_ledger字样的意见").id

    def page(limit: int) -> tuple[list[tuple[int, str, bool]], int]:
        with world() as s:
            actor = actor_for(s, "admin")
            with statements_sent(s.get_bind()) as sent:
                rows, _total = list_cases(s, actor, CaseFilter(limit=limit))
        return [(r.id, r.started_by, r.started_from_ledger) for r in rows], len(sent)

    whole, statements = page(25)
    assert sorted(whole) == sorted([(here, "clerk", False), *((i, "admin", True) for i in imported)])
    first, statements_of_one = page(1)
    assert first == [(here, "clerk", False)]  # the newest
    assert statements == statements_of_one


def test_a_case_whose_start_bears_no_mark_stays_as_it_was(world):
    """Imported before the mark was written: its start is the administrator's, as its history says."""
    [outcome] = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, OPEN)).outcomes
    with world.begin() as s:
        start = s.scalars(
            select(AuditEntry).where(AuditEntry.instance_id == outcome.instance_id, AuditEntry.action == "start")
        ).one()
        unmarked = {k: v for k, v in (start.data or {}).items() if k != "_ledger"}
        s.execute(update(AuditEntry).where(AuditEntry.id == start.id).values(data=unmarked))
    [row], _total = act(world, "admin", list_cases, CaseFilter())
    assert (row.id, row.started_by, row.started_from_ledger) == (outcome.instance_id, "admin", False)
