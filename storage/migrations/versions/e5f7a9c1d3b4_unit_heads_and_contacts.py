"""departments.head / contact (the unit's head and contact officer, by user name) and
users.phone / district (a deputy's electoral district, 选区): what the roster import fills

Revision ID: e5f7a9c1d3b4
Revises: c7e1a9d4b2f6
Create Date: 2026-12-05 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "e5f7a9c1d3b4"
down_revision = "c7e1a9d4b2f6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("contact", sa.String(length=64), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("district", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("district")
        batch_op.drop_column("phone")
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_column("contact")
        batch_op.drop_column("head")
