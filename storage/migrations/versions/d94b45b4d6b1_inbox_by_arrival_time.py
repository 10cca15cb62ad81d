"""Inbox by 接收时间: a partial index of the ready work items by (created_at, id).

The inbox's 接收时间 order was the work item's id, which follows the date only while tasks
are made as they arrive: a ledger import makes its back-dated tasks in the file's row order.
The order is now (created_at, id); this index serves it both ways, as ix_work_items_ready_id
served the id (on PostgreSQL it carries assignee, due_at and instance_id, like the others).

Revision ID: d94b45b4d6b1
Revises: d4f8b2e6a0c5
Create Date: 2026-12-12 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "d94b45b4d6b1"
down_revision = "d4f8b2e6a0c5"
branch_labels = None
depends_on = None

READY_ITEM = sa.text("state = 'ready'")


def upgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_work_items_ready_created",
            ["created_at", "id"],
            unique=False,
            postgresql_include=["assignee", "due_at", "instance_id"],
            postgresql_where=READY_ITEM,
            sqlite_where=READY_ITEM,
        )


def downgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_ready_created", postgresql_where=READY_ITEM, sqlite_where=READY_ITEM)
