"""subscriptions: the messages and signals each running case waits for (by name), so that
delivering one finds its cases by an indexed query

Revision ID: d6f1b3a8c5e2
Revises: f8b2d4c6a1e3
Create Date: 2026-12-12 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "d6f1b3a8c5e2"
down_revision = "f8b2d4c6a1e3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("bpmn_id", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("message", "signal", name="subscriptionkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_subscriptions_instance_id", "subscriptions", ["instance_id"])
    op.create_index("ix_subscriptions_kind_name", "subscriptions", ["kind", "name"])


def downgrade() -> None:
    op.drop_table("subscriptions")
