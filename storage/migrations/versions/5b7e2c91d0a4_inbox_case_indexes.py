"""Inbox filters by process and by title: a partial index of the running cases (covering
on PostgreSQL), and the ready work items by case.

Revision ID: 5b7e2c91d0a4
Revises: 0e60883a6f33
Create Date: 2026-11-29 06:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5b7e2c91d0a4"
down_revision = "0e60883a6f33"
branch_labels = None
depends_on = None

RUNNING = sa.text("status = 'running'")
READY_ITEM = sa.text("state = 'ready'")


def upgrade() -> None:
    with op.batch_alter_table("process_instances", schema=None) as batch_op:
        batch_op.create_index(
            "ix_process_instances_running",
            ["definition_id", "id"],
            unique=False,
            postgresql_include=["title"],
            postgresql_where=RUNNING,
            sqlite_where=RUNNING,
        )
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_work_items_ready_instance",
            ["instance_id"],
            unique=False,
            postgresql_include=["id", "due_at", "assignee"],
            postgresql_where=READY_ITEM,
            sqlite_where=READY_ITEM,
        )


def downgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_ready_instance", postgresql_where=READY_ITEM, sqlite_where=READY_ITEM)
    with op.batch_alter_table("process_instances", schema=None) as batch_op:
        batch_op.drop_index("ix_process_instances_running", postgresql_where=RUNNING, sqlite_where=RUNNING)
