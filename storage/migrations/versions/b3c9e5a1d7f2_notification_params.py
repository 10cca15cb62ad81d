"""notifications.params: what a notification's text is made of, so that a page can write it
in its reader's language and time zone (subject and message stay as e-mailed)

Revision ID: b3c9e5a1d7f2
Revises: 8e4b1c7d2f60
Create Date: 2026-11-29 12:25:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "b3c9e5a1d7f2"
down_revision = "8e4b1c7d2f60"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("params")
