"""users.language (the language a person reads the product and their notification e-mails in;
NULL: Chinese) and users.email_notices (whether their notifications are e-mailed; true for
everyone already there, as before)

Revision ID: c7e3a9d5f1b8
Revises: b2d6f0a4c8e3
Create Date: 2026-12-08 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "c7e3a9d5f1b8"
down_revision = "b2d6f0a4c8e3"
branch_labels = None
depends_on = None


# Never copy the table on SQLite (recreate='never': plain ALTER TABLE ADD / DROP COLUMN): a copy
# drops ``users``, and with foreign keys on that deletes every user's roles and API tokens (ON
# DELETE CASCADE). Hence the literal '1' for true, which both databases read as true: an SQL
# expression as the default would make Alembic copy the table.
def upgrade() -> None:
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("email_notices", sa.Boolean(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("email_notices")
        batch_op.drop_column("language")
