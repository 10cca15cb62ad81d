"""Index the state of work items and timers only where a query asks for it: the ready items
and the pending timers.

Every query by state reads the ready work items or the pending timers. The full
``(state, …)`` indexes held an entry for every completed item and every timer that
fired or was cancelled, and each completion wrote entries into them that no query read
(a state change is a new row version, which every index of the table takes):

* work_items: ``ix_work_items_state_due`` was already covered by the partial
  ``ix_work_items_ready_due``; ``ix_work_items_state_assignee_due`` becomes the partial
  ``ix_work_items_ready_assignee`` (a holder's claimed items).
* timers: ``ix_timers_state_due`` becomes the partial ``ix_timers_pending_due`` (the
  scheduler's window and sweep), ``ix_timers_definition_state`` the partial
  ``ix_timers_pending_definition`` (a new version's timer start events).

Revision ID: c3e7a1f5b9d2
Revises: e8c4a2f6b1d9
Create Date: 2026-12-04 22:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "c3e7a1f5b9d2"
down_revision = "e8c4a2f6b1d9"
branch_labels = None
depends_on = None

READY = sa.text("state = 'ready'")
PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_state_due")
        batch_op.drop_index("ix_work_items_state_assignee_due")
        batch_op.create_index(
            "ix_work_items_ready_assignee",
            ["assignee", "due_at", "id"],
            unique=False,
            postgresql_include=["instance_id"],
            postgresql_where=READY,
            sqlite_where=READY,
        )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_state_due")
        batch_op.drop_index("ix_timers_definition_state")
        batch_op.create_index(
            "ix_timers_pending_due", ["due_at", "id"], unique=False, postgresql_where=PENDING, sqlite_where=PENDING
        )
        batch_op.create_index(
            "ix_timers_pending_definition",
            ["definition_id"],
            unique=False,
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )


def downgrade() -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_pending_definition")
        batch_op.drop_index("ix_timers_pending_due")
        batch_op.create_index("ix_timers_definition_state", ["definition_id", "state"], unique=False)
        batch_op.create_index("ix_timers_state_due", ["state", "due_at"], unique=False)
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_ready_assignee")
        batch_op.create_index("ix_work_items_state_assignee_due", ["state", "assignee", "due_at"], unique=False)
        batch_op.create_index("ix_work_items_state_due", ["state", "due_at"], unique=False)
