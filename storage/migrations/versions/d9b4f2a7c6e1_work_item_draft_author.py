"""work_items.draft_by: who saved a task's draft, written with the draft itself

A draft is its author's until the task is submitted (``engine.access.may_read_draft``). The
author was read back from the audit log (the last ``save_draft`` of the task), which takes
the task's whole history and, with two people saving at once, could name the one whose
save did not land last; the column is written in the same statement as the draft.

Revision ID: d9b4f2a7c6e1
Revises: c3e7a1f5b9d2
Create Date: 2026-12-05 18:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "d9b4f2a7c6e1"
down_revision = "c3e7a1f5b9d2"
branch_labels = None
depends_on = None

# Drafts saved before: their author is the last to save one of that task, by the audit log.
_BACKFILL = sa.text(
    """
    UPDATE work_items SET draft_by = (
        SELECT a.actor FROM audit_log a
        WHERE a.task_id = work_items.task_id AND a.action = 'save_draft'
        ORDER BY a.id DESC LIMIT 1
    )
    WHERE draft IS NOT NULL
    """
)


def upgrade() -> None:
    # a plain ADD COLUMN on SQLite too: work_item_groups' trigger names work_items, and SQLite
    # refuses to rename (batch-copy) a table a trigger refers to
    op.add_column("work_items", sa.Column("draft_by", sa.String(64), nullable=True))
    op.execute(_BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE work_items DROP COLUMN draft_by")  # SQLite 3.35+
    else:
        op.drop_column("work_items", "draft_by")
