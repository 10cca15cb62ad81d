"""api_tokens.expires_at: a token may expire (NULL: never, as every token made before)

Revision ID: a4d8e2c6f1b3
Revises: a7c3e9f1b5d2
Create Date: 2026-12-07 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.db

revision = "a4d8e2c6f1b3"
down_revision = "a7c3e9f1b5d2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", storage.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
