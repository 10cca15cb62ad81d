"""The prebuilt writes (storage.writes): what they write, the revision check, and that the
objects a session holds say what the database says afterwards (SQLite and PostgreSQL)."""
from sqlalchemy import select

from engine.usecases import tasks
from engine.usecases.context import actor_for
from storage import repositories as repo
from storage import writes
from storage.enums import WorkItemState
from storage.models import ProcessInstance, WorkItem, WorkItemGroup
from tests.integration.test_usecases import open_task, start, world  # noqa: F401  (fixture)


def test_update_case_writes_only_over_the_revision_it_read(world):
    case_id = start(world).id
    with world() as reader:
        stale = reader.get(ProcessInstance, case_id)
        reader.expunge(stale)
    read_revision = stale.revision
    with world.begin() as s:
        case = s.get(ProcessInstance, case_id)
        assert writes.update_case(s, case, workflow_json=case.workflow_json, serializer_version="x",
                                  updated_at=case.updated_at, status=case.status, ended_at=None)
        assert case.revision == read_revision + 1
        assert not s.dirty  # told, not pending: nothing left for a flush
    with world.begin() as s:
        s.add(stale)  # still says read_revision: someone wrote the case meanwhile
        assert not writes.update_case(s, stale, workflow_json="{}", serializer_version="lost",
                                      updated_at=stale.updated_at, status=stale.status, ended_at=None)
        assert stale.revision == read_revision  # not told anything
    with world() as s:
        row = s.get(ProcessInstance, case_id)
        assert (row.revision, row.serializer_version) == (read_revision + 1, "x")
        assert row.workflow_json != "{}"


def test_a_completion_leaves_the_session_true_to_the_database(world):
    case_id = start(world).id
    register = open_task(world, case_id, "register")
    with world.begin() as s:
        opened = tasks.complete(s, actor_for(s, "clerk"), register.task_id, {"lead_unit": "finance"})
        item = s.scalars(select(WorkItem).where(WorkItem.task_id == register.task_id)).one()
        assert (item.state, item.completed_by) == (WorkItemState.COMPLETED, "clerk")
        # the new item is found in the same transaction, the completed one is not ready
        assert [w.task_id for w in repo.ready_work_items(s, case_id)] == [t.task_id for t in opened]
        revision_in_session = s.get(ProcessInstance, case_id).revision
        assert not s.dirty and not s.new
    with world() as s:
        assert s.get(ProcessInstance, case_id).revision == revision_in_session
        groups = s.scalars(select(WorkItemGroup).where(WorkItemGroup.work_item_id == item.id)).all()
        assert all(not g.ready for g in groups)  # the trigger followed the Core UPDATE too
        [new] = repo.ready_work_items(s, case_id)
        assert new.candidate_groups == ["finance"]
        assert new.task_id == opened[0].task_id and new.id > 0
