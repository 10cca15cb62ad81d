"""work_items: the steps a ledger import completed are completed, not withdrawn

Importing a ledger replays each row's steps; each step's work item was marked completed and
then, as the case was saved, closed again as cancelled (the save read another copy of the
open items, where it was still open), keeping who completed it and when. A work item
closed any other way is never given a ``completed_by``: those that have one were completed.

Revision ID: e3b8d1f6a4c9
Revises: d9b4f2a7c6e1
Create Date: 2026-12-05 21:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "e3b8d1f6a4c9"
down_revision = "d9b4f2a7c6e1"
branch_labels = None
depends_on = None

_COMPLETED = sa.text("UPDATE work_items SET state = 'completed' WHERE state = 'cancelled' AND completed_by IS NOT NULL")


def upgrade() -> None:
    op.execute(_COMPLETED)


def downgrade() -> None:
    pass  # the wrong state is not worth restoring
