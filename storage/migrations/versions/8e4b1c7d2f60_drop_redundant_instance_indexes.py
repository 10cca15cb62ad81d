"""Drop work_items.instance_id and timers.instance_id indexes: each is the first column of
the table's unique constraint, whose index serves the same lookups; the extra index only
cost a page write on every task completion.

Revision ID: 8e4b1c7d2f60
Revises: 3f6d2a9b8c41
Create Date: 2026-11-29 11:45:00.000000
"""

from alembic import op

revision = "8e4b1c7d2f60"
down_revision = "3f6d2a9b8c41"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_work_items_instance_id", table_name="work_items")
    op.drop_index("ix_timers_instance_id", table_name="timers")


def downgrade() -> None:
    op.create_index("ix_timers_instance_id", "timers", ["instance_id"], unique=False)
    op.create_index("ix_work_items_instance_id", "work_items", ["instance_id"], unique=False)
