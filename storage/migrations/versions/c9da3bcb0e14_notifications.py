"""notifications: reminders, overdue and 督办 messages, with an e-mail outbox

Revision ID: c9da3bcb0e14
Revises: de09bb85423c
Create Date: 2026-11-29 04:59:32.323592
"""

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "c9da3bcb0e14"
down_revision = "de09bb85423c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("via_group", sa.String(length=200), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("reminder", "overdue", "supervision", name="notificationkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.Column("timer_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_to", sa.String(length=255), nullable=True),
        sa.Column("emailed_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("email_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_notifications_instance_id_process_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["timer_id"], ["timers.id"], name=op.f("fk_notifications_timer_id_timers"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["work_item_id"],
            ["work_items.id"],
            name=op.f("fk_notifications_work_item_id_work_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_instance_id"), ["instance_id"], unique=False)
        batch_op.create_index("ix_notifications_outbox", ["emailed_at", "email_to"], unique=False)
        batch_op.create_index("ix_notifications_username_read", ["username", "read_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_username_read")
        batch_op.drop_index("ix_notifications_outbox")
        batch_op.drop_index(batch_op.f("ix_notifications_instance_id"))

    op.drop_table("notifications")
