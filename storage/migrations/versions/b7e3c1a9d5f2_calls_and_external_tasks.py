"""calls and external tasks: a case started by a call activity names its parent case and
waiting task; external service tasks wait in their own table for workers to fetch them

Revision ID: b7e3c1a9d5f2
Revises: d6f1b3a8c5e2
Create Date: 2026-12-13 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "b7e3c1a9d5f2"
down_revision = "d6f1b3a8c5e2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_instances") as batch:
        batch.add_column(sa.Column("parent_instance_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("parent_task_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("parent_bpmn_id", sa.String(length=200), nullable=True))
        batch.create_foreign_key(
            "fk_process_instances_parent", "process_instances", ["parent_instance_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_process_instances_parent_instance_id", ["parent_instance_id"])
    op.create_table(
        "external_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("bpmn_id", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(length=200), nullable=True),
        sa.Column("lock_expires_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retries", sa.Integer(), nullable=True),
        sa.Column("retry_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error_message", sa.String(length=1000), nullable=True),
        sa.Column("error_details", sa.Text(), nullable=True),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_id", "task_id"),
    )
    op.create_index("ix_external_tasks_instance_id", "external_tasks", ["instance_id"])
    op.create_index("ix_external_tasks_topic", "external_tasks", ["topic", "lock_expires_at"])


def downgrade() -> None:
    op.drop_table("external_tasks")
    with op.batch_alter_table("process_instances") as batch:
        batch.drop_index("ix_process_instances_parent_instance_id")
        batch.drop_constraint("fk_process_instances_parent", type_="foreignkey")
        batch.drop_column("parent_bpmn_id")
        batch.drop_column("parent_task_id")
        batch.drop_column("parent_instance_id")
