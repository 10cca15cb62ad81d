"""Cases saved before ``case_facts`` existed get their row from ``case_facts.backfill``, which
``congressflow db upgrade`` runs after upgrading the schema; a case that has its row is left alone."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from engine.usecases import case_facts
from storage import migrate
from storage.models import CaseFacts
from tests.world import create_people, deploy, start_review


def two_cases_without_facts(session_factory) -> list[int]:
    """Two running review cases whose ``case_facts`` rows were deleted, as before the table existed."""
    deploy(session_factory, "review.bpmn")
    create_people(session_factory, "clerk")
    ids = [start_review(session_factory, "clerk").id, start_review(session_factory, "clerk", "第二件").id]
    with session_factory.begin() as session:
        assert session.scalar(select(func.count()).select_from(CaseFacts)) == 2  # written as they were saved
        session.execute(delete(CaseFacts))
    return ids


def test_backfill_writes_the_facts_of_the_cases_without_any(session_factory, frozen_clock):
    ids = two_cases_without_facts(session_factory)
    with session_factory.begin() as session:
        assert case_facts.backfill(session) == 2
    with session_factory() as session:
        rows = session.scalars(select(CaseFacts).order_by(CaseFacts.instance_id)).all()
        assert [(r.instance_id, r.process_key, r.status) for r in rows] == [(i, "review", "running") for i in ids]
        assert all(r.started_at is not None for r in rows)
    with session_factory.begin() as session:
        assert case_facts.backfill(session) == 0  # nothing left to fill


def test_db_upgrade_backfills_and_says_so(session_factory, db_url, make_app, frozen_clock):
    ids = two_cases_without_facts(session_factory)
    runner = make_app(db_url).test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "case facts written for 2 earlier cases" in result.output
    assert f"is already at {migrate.head_revision()} (head): nothing to migrate" in result.output
    with session_factory() as session:
        assert sorted(session.scalars(select(CaseFacts.instance_id))) == sorted(ids)
    again = runner.invoke(args=["db", "upgrade"], catch_exceptions=False)
    assert again.exit_code == 0 and "case facts written" not in again.output
