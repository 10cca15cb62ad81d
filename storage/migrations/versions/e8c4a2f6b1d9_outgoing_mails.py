"""outgoing mails: the mail processes' mail tasks send (camunda:type="mail"), queued with the
case and sent from the outbox

Revision ID: e8c4a2f6b1d9
Revises: b7e3c1a9d5f2
Create Date: 2026-12-03 14:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "e8c4a2f6b1d9"
down_revision = "b7e3c1a9d5f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outgoing_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("bpmn_id", sa.String(length=200), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column("to_addresses", storage.db.JSONText(), nullable=False),
        sa.Column("cc_addresses", storage.db.JSONText(), nullable=False),
        sa.Column("bcc_addresses", storage.db.JSONText(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("charset", sa.String(length=40), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_outgoing_mails_instance_id_process_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mails")),
    )
    with op.batch_alter_table("outgoing_mails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outgoing_mails_instance_id"), ["instance_id"], unique=False)
        batch_op.create_index("ix_outgoing_mails_outbox", ["sent_at", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("outgoing_mails")
