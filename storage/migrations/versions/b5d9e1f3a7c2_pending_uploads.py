"""pending_uploads: an import's file between its preview and its confirmation, kept in the
database (it waited in the instance folder of the machine that answered the preview, so that a
confirmation reaching another machine always found it gone)

Revision ID: b5d9e1f3a7c2
Revises: f2c6a8e4b0d7
Create Date: 2026-12-08 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "b5d9e1f3a7c2"
down_revision = "f2c6a8e4b0d7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_uploads",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_pending_uploads")),
    )


def downgrade() -> None:
    op.drop_table("pending_uploads")
