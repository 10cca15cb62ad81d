"""indexes for the case list of someone who does not see every case: the cases of the work
items assigned to a person that are no longer ready (the ready ones have their index, which the
inbox keeps to) and of those they completed, and the cases newest first

Revision ID: e4a8c2f6b0d3
Revises: c7e3a9d5f1b8
Create Date: 2026-12-07 15:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "e4a8c2f6b0d3"
down_revision = "c7e3a9d5f1b8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_work_items_assignee_done",
        "work_items",
        ["assignee", "instance_id"],
        unique=False,
        postgresql_where=sa.text("state != 'ready'"),
        sqlite_where=sa.text("state != 'ready'"),
    )
    op.create_index("ix_work_items_completed_by_instance", "work_items", ["completed_by", "instance_id"], unique=False)
    op.create_index("ix_process_instances_started", "process_instances", ["started_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_process_instances_started", table_name="process_instances")
    op.drop_index("ix_work_items_completed_by_instance", table_name="work_items")
    op.drop_index("ix_work_items_assignee_done", table_name="work_items")
