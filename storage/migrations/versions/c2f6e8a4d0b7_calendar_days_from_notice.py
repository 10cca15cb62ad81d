"""calendar_days.from_notice: entered with the State Council's notice for its year

Only entering a year's whole notice (the 工作日历 page, ``calendar enter``) makes the year
published; a day set on its own (``calendar set``) no longer does. The entries of the years
whose notice was entered before (an audit entry ``calendar_year_set`` says so) are marked;
the other entries are days set on their own.

Revision ID: c2f6e8a4d0b7
Revises: b5d9e1f3a7c2
Create Date: 2026-12-06 20:00:00.000000
"""

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "c2f6e8a4d0b7"
down_revision = "b5d9e1f3a7c2"
branch_labels = None
depends_on = None

_NOTICES = sa.text("SELECT data FROM audit_log WHERE action = 'calendar_year_set'")
_MARK_YEAR = sa.text("UPDATE calendar_days SET from_notice = :yes WHERE day >= :first AND day <= :last").bindparams(
    sa.bindparam("yes", type_=sa.Boolean()),
    sa.bindparam("first", type_=sa.Date()),
    sa.bindparam("last", type_=sa.Date()),
)


def _notice_years(bind: sa.engine.Connection) -> set[int]:
    years = set()
    for (data,) in bind.execute(_NOTICES):
        try:
            years.add(int(json.loads(data)["year"]))
        except (TypeError, ValueError, KeyError):  # an entry written by hand: not a notice
            continue
    return years


def upgrade() -> None:
    with op.batch_alter_table("calendar_days", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_notice", sa.Boolean(), server_default=sa.false(), nullable=False))
    bind = op.get_bind()
    for year in sorted(_notice_years(bind)):
        bind.execute(_MARK_YEAR, {"yes": True, "first": date(year, 1, 1), "last": date(year, 12, 31)})


def downgrade() -> None:
    with op.batch_alter_table("calendar_days", schema=None) as batch_op:
        batch_op.drop_column("from_notice")
