"""case_facts: the facts of each case that the statistics count, written when the case is
saved (existing cases are filled by ``congressflow migrate`` / ``init`` right after the
upgrade: reading them needs the engine, which a migration must not import)

Revision ID: a7d3e5b9c2f1
Revises: f4a9c2d7b1e8
Create Date: 2026-12-03 04:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "a7d3e5b9c2f1"
down_revision = "f4a9c2d7b1e8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_facts",
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unit", sa.String(length=64), nullable=True),
        sa.Column("deputy", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("assigned_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("replied_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("replied_on_time", sa.Boolean(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("accepted_on_time", sa.Boolean(), nullable=True),
        sa.Column("extended", sa.Boolean(), nullable=True),
        sa.Column("rehandled", sa.Boolean(), nullable=True),
        sa.Column("reply_class", sa.String(length=4), nullable=True),
        sa.Column("first_evaluation", sa.String(length=20), nullable=True),
        sa.Column("final_evaluation", sa.String(length=20), nullable=True),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.Column("review_requested", sa.Boolean(), nullable=True),
        sa.Column("review_result", sa.String(length=40), nullable=True),
        sa.Column("rereview_requested", sa.Boolean(), nullable=True),
        sa.Column("rereview_result", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("instance_id"),
    )
    op.create_index("ix_case_facts_process_received", "case_facts", ["process_key", "received_at"])
    op.create_index("ix_case_facts_process_unit", "case_facts", ["process_key", "unit"])
    op.create_index("ix_case_facts_deputy", "case_facts", ["deputy"])


def downgrade() -> None:
    op.drop_table("case_facts")
