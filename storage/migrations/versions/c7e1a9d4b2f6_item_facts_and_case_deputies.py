"""case_item_facts and case_deputies: the facts of each part of a case the statistics count
one by one (an inspected unit, a reporting deputy, a unit report due, an issue, a round), and
the deputies of a proposal, its co-signers included (我的建议)

Both are written when a case is saved. The cases of the processes they concern lose their
``case_facts`` row here, so that ``congressflow db upgrade`` / ``init`` write it again with
the new rows right after the upgrade (``case_facts.backfill``: reading a case needs the
engine, which a migration must not import).

Revision ID: c7e1a9d4b2f6
Revises: b8e4f6a0d3c2
Create Date: 2026-12-04 03:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "c7e1a9d4b2f6"
down_revision = "b8e4f6a0d3c2"
branch_labels = None
depends_on = None

REFILLED = ("proposal", "inspection", "voter_reception", "deputy_report", "department_evaluation", "unit_report")


def upgrade() -> None:
    op.create_table(
        "case_item_facts",
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("received_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("item", sa.String(length=64), nullable=True),
        sa.Column("unit", sa.String(length=64), nullable=True),
        sa.Column("started_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_at", storage.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("problems_found", sa.Boolean(), nullable=True),
        sa.Column("rounds", sa.Integer(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("result", sa.String(length=40), nullable=True),
        sa.Column("voters", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("instance_id", "kind", "position"),
    )
    op.create_index("ix_case_item_facts_process_received", "case_item_facts", ["process_key", "received_at"])
    op.create_table(
        "case_deputies",
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("deputy", sa.String(length=64), nullable=False),
        sa.Column("cosigner", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("instance_id", "deputy"),
    )
    op.create_index("ix_case_deputies_deputy", "case_deputies", ["deputy"])
    facts = sa.table("case_facts", sa.column("process_key", sa.String))
    op.execute(facts.delete().where(facts.c.process_key.in_(REFILLED)))


def downgrade() -> None:
    op.drop_table("case_deputies")
    op.drop_table("case_item_facts")
