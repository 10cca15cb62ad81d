"""work_items.due_rule: how a task's due date was counted (the legal-time rules), shown
beside it on the task and case pages

Revision ID: f4a9c2d7b1e8
Revises: e2b8d4f0a6c3
Create Date: 2026-12-03 04:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "f4a9c2d7b1e8"
down_revision = "e2b8d4f0a6c3"
branch_labels = None
depends_on = None


# A plain ADD / DROP COLUMN, not a batch (copy and rename) on SQLite: work_item_groups' trigger
# names work_items, and SQLite refuses to rename a table a trigger refers to.


def upgrade() -> None:
    # items made before keep their stored due dates and have no rule to show (NULL)
    op.add_column("work_items", sa.Column("due_rule", storage.db.JSONText(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE work_items DROP COLUMN due_rule")  # SQLite 3.35+
    else:
        op.drop_column("work_items", "due_rule")
