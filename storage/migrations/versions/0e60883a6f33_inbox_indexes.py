"""Inbox: read only the ready work items.

* work_items: two partial indexes of the ready items (state = 'ready'): in inbox order
  (due_at, id) and by id; on PostgreSQL they carry assignee, due_at and instance_id, so
  that listing and counting an inbox reads them alone.
* work_item_groups.ready: whether the row's work item is ready, kept by triggers on both
  databases (a work item's state changes → its rows follow; a new row takes its item's
  state), and a partial index of the ready rows by (group, is_user, work_item_id): "offered
  to my groups and still open" reads a unit's few ready rows, not its whole history.
  The inbox query checks work_items.state as well: the flag narrows, it never decides.

Revision ID: 0e60883a6f33
Revises: c9da3bcb0e14
Create Date: 2026-11-29 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0e60883a6f33"
down_revision = "c9da3bcb0e14"
branch_labels = None
depends_on = None

READY_ITEM = sa.text("state = 'ready'")
READY_ROW = sa.text("ready")
READY_ROW_SQLITE = sa.text("ready = 1")  # the form SQLAlchemy writes in queries on SQLite

PG_TRIGGERS = (
    """CREATE FUNCTION work_item_groups_follow_state() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           UPDATE work_item_groups SET ready = (NEW.state = 'ready') WHERE work_item_id = NEW.id;
           RETURN NULL;
       END $$""",
    """CREATE TRIGGER trg_work_items_state_to_groups AFTER UPDATE OF state ON work_items
       FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
       EXECUTE FUNCTION work_item_groups_follow_state()""",
    """CREATE FUNCTION work_item_groups_take_state() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           NEW.ready := COALESCE((SELECT state = 'ready' FROM work_items WHERE id = NEW.work_item_id), true);
           RETURN NEW;
       END $$""",
    """CREATE TRIGGER trg_work_item_groups_take_state BEFORE INSERT ON work_item_groups
       FOR EACH ROW EXECUTE FUNCTION work_item_groups_take_state()""",
)
PG_DROP = (
    "DROP TRIGGER IF EXISTS trg_work_item_groups_take_state ON work_item_groups",
    "DROP FUNCTION IF EXISTS work_item_groups_take_state()",
    "DROP TRIGGER IF EXISTS trg_work_items_state_to_groups ON work_items",
    "DROP FUNCTION IF EXISTS work_item_groups_follow_state()",
)
SQLITE_TRIGGERS = (
    """CREATE TRIGGER trg_work_items_state_to_groups AFTER UPDATE OF state ON work_items
       FOR EACH ROW WHEN OLD.state IS NOT NEW.state
       BEGIN
           UPDATE work_item_groups SET ready = (NEW.state = 'ready') WHERE work_item_id = NEW.id;
       END""",
    """CREATE TRIGGER trg_work_item_groups_take_state AFTER INSERT ON work_item_groups
       FOR EACH ROW
       BEGIN
           UPDATE work_item_groups
              SET ready = COALESCE((SELECT state = 'ready' FROM work_items WHERE id = NEW.work_item_id), 1)
            WHERE work_item_id = NEW.work_item_id AND "group" = NEW."group" AND is_user = NEW.is_user;
       END""",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS trg_work_item_groups_take_state",
    "DROP TRIGGER IF EXISTS trg_work_items_state_to_groups",
)


def upgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_work_items_ready_due",
            ["due_at", "id"],
            unique=False,
            postgresql_include=["assignee", "instance_id"],
            postgresql_where=READY_ITEM,
            sqlite_where=READY_ITEM,
        )
        batch_op.create_index(
            "ix_work_items_ready_id",
            ["id"],
            unique=False,
            postgresql_include=["assignee", "due_at", "instance_id"],
            postgresql_where=READY_ITEM,
            sqlite_where=READY_ITEM,
        )
    with op.batch_alter_table("work_item_groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ready", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute(
        "UPDATE work_item_groups SET ready = (SELECT work_items.state = 'ready' FROM work_items "
        "WHERE work_items.id = work_item_groups.work_item_id)"
    )
    with op.batch_alter_table("work_item_groups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_work_item_groups_ready",
            ["group", "is_user", "work_item_id"],
            unique=False,
            postgresql_where=READY_ROW,
            sqlite_where=READY_ROW_SQLITE,
        )
    for statement in PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for statement in PG_DROP if op.get_bind().dialect.name == "postgresql" else SQLITE_DROP:
        op.execute(statement)
    with op.batch_alter_table("work_item_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_work_item_groups_ready", postgresql_where=READY_ROW, sqlite_where=READY_ROW_SQLITE)
        batch_op.drop_column("ready")
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_ready_id", postgresql_where=READY_ITEM, sqlite_where=READY_ITEM)
        batch_op.drop_index("ix_work_items_ready_due", postgresql_where=READY_ITEM, sqlite_where=READY_ITEM)
