"""A ledger's row is known by its 编号, which two of the process's own cases may share: a 编号
is free again once its case ended, and a later case may take it. The row is then the running
case, the one the 编号 stands for now, even one entered back-dated (as a ledger's import enters
its cases); of ended ones alone, the newest. The same case whichever database keeps them."""

from __future__ import annotations

from datetime import datetime, timedelta

from engine import clock
from engine.deadlines.calendar import LOCAL_TZ
from engine.usecases import cases, ledger
from tests.integration.test_ledger import PETITION, PETITION_HEADERS, workbook, world  # noqa: F401 (fixture)
from tests.world import act

KEY = PETITION["编号"]  # 2026-信-009
START = {"received_on": "2026-10-08", "channel": "visit", "petition_subject": "低保资格", "disposition": "register"}


def petition_by_hand(factory) -> int:
    """A case of the petition process the office started with the row's 编号."""
    return act(factory, "admin", cases.start_instance, "petition", START, business_key=KEY, validate=False).id


def found_by_the_row(factory) -> list[tuple[bool, int | None]]:
    plan = act(factory, "admin", ledger.plan, "petitions", "台账.xlsx", workbook(PETITION_HEADERS, PETITION))
    assert plan.problems == []
    return [(o.existing, o.instance_id) for o in plan.outcomes]


def test_the_row_is_the_running_case_not_the_ended_one_before_it(world):  # noqa: F811 (world: the fixture)
    ended = petition_by_hand(world)
    act(world, "admin", cases.cancel_instance, ended, "登记有误")
    # the case that took the 编号 again, entered as of a day before the ended one's
    with clock.as_of(datetime(2026, 10, 8, 9, 0, tzinfo=LOCAL_TZ)):
        running = petition_by_hand(world)
    assert act(world, "admin", cases.instance_detail, running).status == "running"
    assert found_by_the_row(world) == [(True, running)]


def test_of_ended_cases_alone_the_row_is_the_newest(world):  # noqa: F811
    first = petition_by_hand(world)
    act(world, "admin", cases.cancel_instance, first, "登记有误")
    clock.advance(timedelta(days=1))
    newest = petition_by_hand(world)
    act(world, "admin", cases.cancel_instance, newest, "重复登记")
    assert found_by_the_row(world) == [(True, newest)]
