"""case_item_facts: a row of its own for each 代表述职 and 单位定期报送 round (data only)

Until now these rounds had item rows only (each deputy, each unit report), written once the
office had chosen the deputies or the units: a round not that far had no row, so the trend
(启动事项) counted it in no month and, cancelled then, 已撤销 never counted it. Their cases
lose their ``case_facts`` row here, so that ``congressflow db upgrade`` / ``init`` write it
again with the round's row right after the upgrade (``case_facts.backfill``: reading a case
needs the engine, which a migration must not import), as c7e1a9d4b2f6 did for every item row.

Revision ID: f2c6a8e4b0d7
Revises: a4d8e2c6f1b3
Create Date: 2026-12-07 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "f2c6a8e4b0d7"
down_revision = "a4d8e2c6f1b3"
branch_labels = None
depends_on = None

REFILLED = ("deputy_report", "unit_report")
ROUND_KINDS = ("deputy_report_round", "unit_report_round")


def upgrade() -> None:
    facts = sa.table("case_facts", sa.column("process_key", sa.String))
    op.execute(facts.delete().where(facts.c.process_key.in_(REFILLED)))


def downgrade() -> None:
    # the rows the code of the revision before never wrote
    items = sa.table("case_item_facts", sa.column("kind", sa.String))
    op.execute(items.delete().where(items.c.kind.in_(ROUND_KINDS)))
