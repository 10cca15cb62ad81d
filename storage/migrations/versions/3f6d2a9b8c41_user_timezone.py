"""users.timezone: the zone each person reads dates in (NULL: the default, Asia/Shanghai)

Revision ID: 3f6d2a9b8c41
Revises: 7ac2abdc3a18
Create Date: 2026-11-29 08:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "3f6d2a9b8c41"
down_revision = "7ac2abdc3a18"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("timezone")
