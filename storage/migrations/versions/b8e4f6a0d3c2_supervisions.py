"""supervisions: 督办 notices, issued by supervisors or raised by deadline timers, tracked
to their outcome

Revision ID: b8e4f6a0d3c2
Revises: a7d3e5b9c2f1
Create Date: 2026-12-03 05:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "b8e4f6a0d3c2"
down_revision = "a7d3e5b9c2f1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=False),
        sa.Column("respond_by", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("responded_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["work_item_id"], ["work_items.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_supervisions_instance_id", "supervisions", ["instance_id"])
    op.create_index("ix_supervisions_work_item_id", "supervisions", ["work_item_id"])
    op.create_index("ix_supervisions_open", "supervisions", ["responded_at", "instance_id"])


def downgrade() -> None:
    op.drop_table("supervisions")
