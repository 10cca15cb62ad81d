"""incidents: a case's failures at run time that no person was waiting for (a failing timer,
a case found stuck), until a retry gets past them

Revision ID: a3c5e7f9b1d2
Revises: e5f7a9c1d3b4
Create Date: 2026-12-10 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "a3c5e7f9b1d2"
down_revision = "e5f7a9c1d3b4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("bpmn_id", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("timer", "stuck", name="incidentkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("resolved_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incidents_instance_id", "incidents", ["instance_id"])
    op.create_index("ix_incidents_open", "incidents", ["resolved_at", "instance_id"])


def downgrade() -> None:
    op.drop_table("incidents")
