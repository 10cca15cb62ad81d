"""process_drafts (a designer's unfinished processes, with a revision for concurrent saves),
process_offerings (a process stopped for new cases) and process_definition_notes (a deploy's
note, and which version a rollback deployed again)

Revision ID: f8b2d4c6a1e3
Revises: a3c5e7f9b1d2
Create Date: 2026-12-11 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "f8b2d4c6a1e3"
down_revision = "a3c5e7f9b1d2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("bpmn_xml", sa.Text(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_drafts")),
    )
    with op.batch_alter_table("process_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_process_drafts_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_process_drafts_owner"), ["owner"], unique=False)
    op.create_table(
        "process_offerings",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("offered", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_process_offerings")),
    )
    op.create_table(
        "process_definition_notes",
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("rolled_back_from", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["process_definitions.id"],
            name=op.f("fk_process_definition_notes_definition_id_process_definitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("definition_id", name=op.f("pk_process_definition_notes")),
    )


def downgrade() -> None:
    op.drop_table("process_definition_notes")
    op.drop_table("process_offerings")
    with op.batch_alter_table("process_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_drafts_owner"))
        batch_op.drop_index(batch_op.f("ix_process_drafts_key"))
    op.drop_table("process_drafts")
