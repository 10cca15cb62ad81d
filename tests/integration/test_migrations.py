"""The Alembic migrations and the models agree: autogenerate finds no difference."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from engine.usecases import tasks
from storage import migrate
from storage.db import make_engine
from storage.enums import WorkItemState
from storage.models import Base, WorkItem
from tests.world import act, create_people, deploy, start_review


def test_migrations_match_the_models(db_url):
    engine = make_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; run storage.migrate.revision(): {diff}"


def test_every_table_is_created(db_url):
    engine = make_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables


def test_a_draft_saved_before_its_author_was_kept_is_given_to_whoever_saved_it_last(session_factory, db_url):
    """Upgrading to the draft's author column (d9b4f2a7c6e1) names, for each draft saved
    before it, the last person to save one of that task, by the audit log."""
    create_people(session_factory, "office1", "office2")
    deploy(session_factory, "review.bpmn")
    case = start_review(session_factory, "office1")
    act(session_factory, "office1", tasks.save_draft, case.task_id, {"lead_unit": "finance"})
    act(session_factory, "office2", tasks.save_draft, case.task_id, {"lead_unit": "land"})
    other = start_review(session_factory, "office1", "另一件")  # no draft: no author
    migrate.downgrade(db_url, "c3e7a1f5b9d2")
    migrate.upgrade(db_url)
    with session_factory() as session:
        authors = dict(session.execute(select(WorkItem.task_id, WorkItem.draft_by)).all())
    assert authors == {case.task_id: "office2", other.task_id: None}


def test_steps_a_ledger_import_closed_as_withdrawn_are_completed_again(session_factory, db_url):
    """Upgrading past e3b8d1f6a4c9: a work item closed as cancelled that names who completed
    it (what a ledger import left) is completed; one withdrawn (nobody completed it) stays."""
    create_people(session_factory, "office1")
    deploy(session_factory, "review.bpmn")
    imported = start_review(session_factory, "office1")
    act(session_factory, "office1", tasks.complete, imported.task_id, {"lead_unit": "finance"})
    withdrawn = start_review(session_factory, "office1", "另一件")
    migrate.downgrade(db_url, "d9b4f2a7c6e1")
    with session_factory.begin() as session:  # as the import left them
        for task_id, by in ((imported.task_id, "office1"), (withdrawn.task_id, None)):
            item = session.scalars(select(WorkItem).where(WorkItem.task_id == task_id)).one()
            item.state, item.completed_by = WorkItemState.CANCELLED, by
    migrate.upgrade(db_url)
    with session_factory() as session:
        states = dict(session.execute(select(WorkItem.task_id, WorkItem.state)).all())
    assert states[imported.task_id] == WorkItemState.COMPLETED
    assert states[withdrawn.task_id] == WorkItemState.CANCELLED
