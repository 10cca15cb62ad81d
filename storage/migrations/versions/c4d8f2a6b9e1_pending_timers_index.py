"""timers: a partial index of each case's pending timers, which saving a case reads (SQLite
otherwise reads them through ix_timers_state_due: every pending timer of every case)

Revision ID: c4d8f2a6b9e1
Revises: b3c9e5a1d7f2
Create Date: 2026-11-29 12:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "c4d8f2a6b9e1"
down_revision = "b3c9e5a1d7f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_timers_pending_instance",
        "timers",
        ["instance_id"],
        unique=False,
        postgresql_where=sa.text("state = 'pending'"),
        sqlite_where=sa.text("state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_timers_pending_instance", table_name="timers")
