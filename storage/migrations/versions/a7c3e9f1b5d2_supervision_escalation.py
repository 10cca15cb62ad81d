"""supervisions.escalation: what issuing a 督办 found of whom to tell besides the holders (why
no head was told, how many of the unit heard instead or as holders), kept to be answered on
every read and not only by the answer to issuing it

Revision ID: a7c3e9f1b5d2
Revises: e3b8d1f6a4c9
Create Date: 2026-12-06 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "a7c3e9f1b5d2"
down_revision = "e3b8d1f6a4c9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the 督办 issued before stay NULL: what issuing them found is not known
    op.add_column("supervisions", sa.Column("escalation", storage.db.JSONText(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE supervisions DROP COLUMN escalation")  # SQLite 3.35+, as f4a9c2d7b1e8
    else:
        op.drop_column("supervisions", "escalation")
