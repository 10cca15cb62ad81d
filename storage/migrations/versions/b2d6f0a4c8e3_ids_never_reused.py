"""Ids never given out twice: process_drafts and external_tasks AUTOINCREMENT on SQLite.

Both tables' ids are in addresses (the modeler's /designer/drafts/<id> and each save of it; a
worker's /api/v1/external-tasks/<id>/...) and their rows are deleted (a draft deployed or
discarded; a task no longer waiting). Without AUTOINCREMENT SQLite gives the highest deleted id
to the next row, so a page or a worker still holding the old id acted on a different row.
On SQLite the tables are copied into ones declared AUTOINCREMENT (their rows and ids kept;
sqlite_sequence then starts after the highest). PostgreSQL's sequences never give an id out
twice: nothing to do there.

Revision ID: b2d6f0a4c8e3
Revises: d94b45b4d6b1
Create Date: 2026-12-06 23:40:00.000000
"""

from alembic import op

revision = "b2d6f0a4c8e3"
down_revision = "d94b45b4d6b1"
branch_labels = None
depends_on = None

TABLES = ("process_drafts", "external_tasks")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, schema=None, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
