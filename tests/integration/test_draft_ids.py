"""A draft's number is never given out twice, and a save from a page still open on a draft
that was deployed or discarded is refused, saying who did it and when, instead of writing
over whatever draft holds that number now. External tasks' ids (in the workers' addresses,
their rows deleted as tasks stop waiting) are never given out twice either. On SQLite and,
with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from engine import clock
from engine.usecases import cases, definitions, drafts
from engine.usecases.context import SYSTEM
from engine.usecases.drafts import DraftGone
from storage import migrate
from storage.models import ExternalTask, ProcessDraft
from tests.conftest import fixture_bpmn
from tests.world import act, create_people
from tests.world import deploy as deploy_fixtures

REVIEW = fixture_bpmn("review.bpmn").decode()
RENAMED = REVIEW.replace('name="登记"', 'name="登记分类"')
PETITION = fixture_bpmn("petition_min.bpmn").decode()


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "clerk", "designer", "admin")
    with session_factory.begin() as s:
        definitions.deploy(s, REVIEW, "review.bpmn", SYSTEM)
    return session_factory


def new_draft(world, xml=RENAMED, filename="review.bpmn"):
    return act(world, "designer", drafts.create_draft, xml, filename)


def test_the_number_of_a_discarded_or_deployed_draft_is_never_given_again(world):
    first = new_draft(world)
    discarded = new_draft(world)
    act(world, "designer", drafts.discard_draft, discarded.id)
    after_discard = new_draft(world, PETITION, "petition.bpmn")
    assert after_discard.id == discarded.id + 1
    act(world, "designer", drafts.deploy_draft, after_discard.id, 1)
    after_deploy = new_draft(world)
    assert after_deploy.id == after_discard.id + 1
    assert first.id < discarded.id


def test_a_save_to_a_discarded_draft_names_who_discarded_it_and_changes_no_other_draft(world):
    opened = new_draft(world)  # the admin's tab is open on it
    clock.advance(timedelta(minutes=5))
    act(world, "designer", drafts.discard_draft, opened.id)
    other = new_draft(world, PETITION, "petition.bpmn")
    clock.advance(timedelta(minutes=5))
    with pytest.raises(DraftGone) as refused:
        act(world, "admin", drafts.save_draft, opened.id, REVIEW, 1, None, opened.created_at)
    gone = refused.value
    assert (gone.draft_id, gone.how, gone.by, gone.at, gone.versions) == (
        opened.id,
        "discarded",
        "designer",
        opened.created_at + timedelta(minutes=5),
        (),
    )
    assert "was discarded by designer at" in gone.message
    with world() as s:
        kept = s.get(ProcessDraft, other.id)
        assert (kept.key, kept.revision, kept.updated_by) == ("petition_min", 1, "designer")


def test_a_save_or_deploy_of_a_deployed_draft_names_who_deployed_it_as_which_version(world):
    opened = new_draft(world)
    clock.advance(timedelta(minutes=3))
    act(world, "designer", drafts.deploy_draft, opened.id, 1)
    for attempt in (
        lambda: act(world, "admin", drafts.save_draft, opened.id, RENAMED, 1, None, opened.created_at),
        lambda: act(world, "admin", drafts.deploy_draft, opened.id, 1, "", RENAMED, None, opened.created_at),
        lambda: act(world, "admin", drafts.save_draft, opened.id, RENAMED, 1),  # no stamp: the API's save
    ):
        with pytest.raises(DraftGone) as refused:
            attempt()
        gone = refused.value
        assert (gone.how, gone.by, gone.at, gone.versions) == (
            "deployed",
            "designer",
            opened.created_at + timedelta(minutes=3),
            ("review v2",),
        )


def test_a_draft_of_the_same_number_made_after_the_page_opened_its_own_is_not_saved_over(world):
    """What a database that gave numbers out again left (or any draft not the one opened):
    the page's creation stamp tells them apart."""
    opened = new_draft(world)
    clock.advance(timedelta(minutes=1))
    act(world, "designer", drafts.discard_draft, opened.id)
    clock.advance(timedelta(minutes=1))
    other = new_draft(world, PETITION, "petition.bpmn")
    with world.begin() as s:  # as SQLite without AUTOINCREMENT numbered it
        s.execute(update(ProcessDraft).where(ProcessDraft.id == other.id).values(id=opened.id))
    with pytest.raises(DraftGone) as refused:
        act(world, "admin", drafts.save_draft, opened.id, REVIEW, 1, None, opened.created_at)
    assert (refused.value.how, refused.value.by) == ("discarded", "designer")
    with pytest.raises(DraftGone):
        act(world, "admin", drafts.discard_draft, opened.id, 1, opened.created_at)
    with world() as s:
        kept = s.get(ProcessDraft, opened.id)
        assert (kept.key, kept.filename, kept.updated_by) == ("petition_min", "petition.bpmn", "designer")


def test_a_save_of_a_draft_nobody_says_ended_says_it_no_longer_exists(world):
    with pytest.raises(DraftGone) as refused:
        act(world, "admin", drafts.save_draft, 999, REVIEW, 1)
    assert (refused.value.how, refused.value.by) == (None, None)
    assert refused.value.message.startswith("draft 999 no longer exists")


def test_an_external_tasks_id_is_never_given_again(world):
    deploy_fixtures(world, "external_task.bpmn")
    first = act(world, "clerk", cases.start_instance, "external_task", {"subject": "开会通知"})
    with world() as s:
        gone_id = s.scalars(select(ExternalTask.id).where(ExternalTask.instance_id == first.id)).one()
    act(world, "clerk", cases.cancel_instance, first.id, "发错了")  # its task no longer waits: the row goes
    second = act(world, "clerk", cases.start_instance, "external_task", {"subject": "开会通知"})
    with world() as s:
        assert s.scalar(select(ExternalTask.id).where(ExternalTask.id == gone_id)) is None
        new_id = s.scalars(select(ExternalTask.id).where(ExternalTask.instance_id == second.id)).one()
    assert new_id == gone_id + 1


def _declared_autoincrement(engine_url: str) -> dict[str, bool]:
    from storage.db import make_engine

    engine = make_engine(engine_url)
    with engine.connect() as conn:
        found = {
            name: "AUTOINCREMENT" in sql
            for name, sql in conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE name IN ('process_drafts', 'external_tasks')")
            )
        }
    engine.dispose()
    return found


def test_the_migration_keeps_the_drafts_and_numbers_on_after_the_highest(session_factory, db_url, frozen_clock):
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's sequences never give an id out twice: the migration does nothing there")
    assert _declared_autoincrement(db_url) == {"process_drafts": True, "external_tasks": True}
    create_people(session_factory, "designer")
    migrate.downgrade(db_url, "d94b45b4d6b1")
    assert _declared_autoincrement(db_url) == {"process_drafts": False, "external_tasks": False}
    kept = new_draft(session_factory, PETITION, "petition.bpmn")
    highest = new_draft(session_factory, PETITION, "petition.bpmn")
    migrate.upgrade(db_url)
    assert _declared_autoincrement(db_url) == {"process_drafts": True, "external_tasks": True}
    act(session_factory, "designer", drafts.discard_draft, highest.id)
    assert new_draft(session_factory, PETITION, "petition.bpmn").id == highest.id + 1
    assert act(session_factory, "designer", drafts.get_draft, kept.id).draft.key == "petition_min"
