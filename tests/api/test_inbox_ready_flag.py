"""work_item_groups.ready follows its work item's state (database triggers), so the inbox
reads a unit's ready rows only; the migration fills it for rows that exist already."""

from sqlalchemy import select, text

from storage import migrate
from storage.models import WorkItem, WorkItemGroup


def _flags(world):
    with world.factory() as s:
        rows = s.execute(
            select(WorkItem.bpmn_id, WorkItem.state, WorkItemGroup.group, WorkItemGroup.ready)
            .join(WorkItemGroup, WorkItemGroup.work_item_id == WorkItem.id)
            .order_by(WorkItem.id, WorkItemGroup.group)
        ).all()
    return [(bpmn_id, state.value, group, bool(ready)) for bpmn_id, state, group, ready in rows]


def test_flag_follows_claim_complete_and_cancel(world):
    case = world.to_unit("finance")
    assert _flags(world) == [("register", "completed", "office", False), ("reply", "ready", "finance", True)]
    assert world.as_("fin").post(f"/tasks/{case['reply']}/claim").status_code == 200
    assert _flags(world)[1] == ("reply", "ready", "finance", True)
    assert world.as_("clerk").post(f"/instances/{case['case']}/cancel", json={"reason": "重复登记"}).status_code == 204
    assert _flags(world)[1] == ("reply", "cancelled", "finance", False)
    # the inbox agrees with the states
    assert world.as_("fin").get("/tasks").get_json()["total"] == 0
    assert world.as_("supervisor").get("/tasks?scope=all&unit=finance").get_json()["total"] == 0


def test_migration_fills_the_flag_for_existing_rows(world, db_url):
    world.to_unit("finance")
    migrate.downgrade(db_url, "c9da3bcb0e14")
    try:
        with world.factory.begin() as s:
            columns = s.execute(text("SELECT * FROM work_item_groups")).keys()
            assert "ready" not in columns
    finally:
        migrate.upgrade(db_url)
    assert _flags(world) == [("register", "completed", "office", False), ("reply", "ready", "finance", True)]
    assert world.as_("fin").get("/tasks").get_json()["total"] == 1
