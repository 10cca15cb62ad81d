"""comments.confidential and attachments.confidential (a petition's notes name the
petitioner), process_instances.starter_unit (the unit a case was started from: its office
may cancel it)

Revision ID: e2b8d4f0a6c3
Revises: d1a7c3e9f5b2
Create Date: 2026-12-02 18:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "e2b8d4f0a6c3"
down_revision = "d1a7c3e9f5b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("comments", "attachments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("confidential", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("process_instances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("starter_unit", sa.String(length=64), nullable=True))
    # cases started before: the unit their starter belongs to now is the best record there is
    op.execute(
        "UPDATE process_instances SET starter_unit = (SELECT d.code FROM users u JOIN departments d "
        "ON d.id = u.department_id WHERE u.username = process_instances.started_by)"
    )


def downgrade() -> None:
    with op.batch_alter_table("process_instances", schema=None) as batch_op:
        batch_op.drop_column("starter_unit")
    for table in ("attachments", "comments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("confidential")
