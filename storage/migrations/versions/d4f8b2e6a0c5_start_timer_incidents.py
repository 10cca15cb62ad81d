"""incidents of a process version: a timer start event that could not start a case

A timer start event whose firing fails (the script after it raises, its process cannot be
started) has no case to show the failure on: the incident names the process version it
fired for (``definition_id``) and no case. The existing rows, all of a case, stay as they
are. One open row per version, kind and element (a partial unique index); a row names a
case or a version (a check).

Revision ID: d4f8b2e6a0c5
Revises: c2f6e8a4d0b7
Create Date: 2026-12-11 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "d4f8b2e6a0c5"
down_revision = "c2f6e8a4d0b7"
branch_labels = None
depends_on = None

OPEN_OF_A_VERSION = sa.text("resolved_at IS NULL AND instance_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("definition_id", sa.Integer(), nullable=True))
        batch_op.alter_column("instance_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            "fk_incidents_definition_id_process_definitions",
            "process_definitions",
            ["definition_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            op.f("ck_incidents_owner"), "instance_id IS NOT NULL OR definition_id IS NOT NULL"
        )
        batch_op.create_index(
            "ux_incidents_open_definition",
            ["definition_id", "kind", "bpmn_id"],
            unique=True,
            postgresql_where=OPEN_OF_A_VERSION,
            sqlite_where=OPEN_OF_A_VERSION,
        )


def downgrade() -> None:
    # a version's incidents have no case to stay with: they go
    op.execute(sa.text("DELETE FROM incidents WHERE instance_id IS NULL"))
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ux_incidents_open_definition")
        batch_op.drop_constraint(op.f("ck_incidents_owner"), type_="check")
        batch_op.drop_constraint("fk_incidents_definition_id_process_definitions", type_="foreignkey")
        batch_op.drop_column("definition_id")
        batch_op.alter_column("instance_id", existing_type=sa.Integer(), nullable=False)
