"""users.session_version (a signed-in session holds the version it began with; bumping it
ends every session of the account) and users.must_change_password

Revision ID: d1a7c3e9f5b2
Revises: c4d8f2a6b9e1
Create Date: 2026-12-02 18:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "d1a7c3e9f5b2"
down_revision = "c4d8f2a6b9e1"
branch_labels = None
depends_on = None


# Never copy the table on SQLite (recreate='never': plain ALTER TABLE ADD / DROP COLUMN,
# SQLite >= 3.35): a copy drops ``users``, and with foreign keys on that deletes every
# user's roles and API tokens (ON DELETE CASCADE). Hence also the literal '0' for false:
# an SQL expression as the default would make Alembic copy the table.
def upgrade() -> None:
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("session_version")
