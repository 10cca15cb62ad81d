"""A ledger imported again, a deputy's name two deputies share, and what the audit log says of
a ledger's import: when it happened (not the ledger's dates), and the import as a whole."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select, update

from engine import clock
from engine.usecases import ledger
from storage.models import AuditEntry, User
from tests.integration.test_ledger import DONE, LATE, PROPOSAL_HEADERS, workbook, world  # noqa: F401 (fixture)
from tests.world import act

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # the frozen clock: 2026-12-07 09:00 Beijing


def named(world, **names: str) -> None:  # noqa: F811 (world: the fixture)
    with world.begin() as s:
        for username, name in names.items():
            s.execute(update(User).where(User.username == username).values(display_name=name))


def test_the_audit_log_dates_a_ledgers_import_when_it_happened_with_one_entry_for_the_whole(world):  # noqa: F811
    assert clock.now() == NOW
    done = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, DONE, LATE))
    ids = sorted(o.instance_id for o in done.outcomes)
    with world() as s:
        entries = s.execute(
            select(AuditEntry.action, AuditEntry.at, AuditEntry.instance_id, AuditEntry.data).where(
                AuditEntry.action.in_(["import", "import_ledger"])
            )
        ).all()
        started = s.scalars(select(AuditEntry.at).where(AuditEntry.action == "start").order_by(AuditEntry.at)).all()
    per_case = sorted((e.instance_id, e.at, e.data["row"]) for e in entries if e.action == "import")
    assert per_case == [(ids[0], NOW, 3), (ids[1], NOW, 4)]
    [whole] = [(e.at, e.instance_id, e.data) for e in entries if e.action == "import_ledger"]
    assert whole == (
        NOW,
        None,
        {
            "file": "台账.xlsx",
            "ledger": "proposals",
            "created": 2,
            "closed": 1,
            "unchanged": 0,
        },  # LATE awaits its evaluation
    )
    # the steps themselves stay dated as the ledger says
    assert [at.date().isoformat() for at in started] == ["2026-03-02", "2026-05-06"]

    # the same ledger again changes nothing, and logs nothing
    again = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, DONE, LATE))
    assert again.unchanged == 2
    with world() as s:
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "import_ledger").offset(1)) is None


def test_two_deputies_of_one_name_are_offered_apart_and_read_back_either_way(world):  # noqa: F811
    named(world, wang="周军", li="周军")
    template = load_workbook(io.BytesIO(act(world, "admin", ledger.template, "proposals")))
    offered = [c.value for c in template["选项"]["D"][1:] if c.value]
    assert "周军（li）" in offered and "周军（wang）" in offered and "周军" not in offered

    rows = [
        {**DONE, "提出代表": "周军（wang）"},  # the template's value
        {**LATE, "提出代表": "li"},  # the user name
        {**LATE, "编号": "2026-建-003", "提出代表": "周军 (li)"},  # typed by hand, half-width
    ]
    plan = act(world, "admin", ledger.plan, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, *rows))
    assert plan.problems == []

    bare = act(
        world, "admin", ledger.plan, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, {**DONE, "提出代表": "周军"})
    )
    [(column, error)] = [(p.column, p.error) for p in bare.problems]
    assert (column, error.code, error.params) == (
        "提出代表",
        "shared_name",
        {"value": "周军", "choices": "周军（li）、周军（wang）"},
    )


def test_a_row_whose_number_a_case_has_is_left_as_it_is_before_its_cells_are_read(world):  # noqa: F811
    named(world, wang="周军")
    act(
        world, "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, {**DONE, "提出代表": "周军"})
    )
    named(world, li="周军")  # a second deputy of that name since: the bare name no longer tells which
    again = act(
        world, "admin", ledger.plan, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, {**DONE, "提出代表": "周军"})
    )
    assert again.problems == [] and again.unchanged == 1


def test_a_row_already_here_whose_cells_differ_says_which_and_changes_nothing(world):  # noqa: F811
    act(world, "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, DONE, LATE))
    edited = {**DONE, "标题": "关于修缮东村村道的建议", "答复日期": "2026/5/21"}
    # the same case written otherwise (a unit by its code, a date as 2026年5月6日): no difference
    same = {**LATE, "主办单位": "land", "提出代表": "li"}
    plan = act(world, "admin", ledger.plan, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, edited, same))
    assert [(o.row, o.existing, o.title, o.differs) for o in plan.outcomes] == [
        (3, True, "关于修缮村道的建议", ("标题", "答复日期")),
        (4, True, "关于增设路灯的建议", ()),
    ]
    # an exported ledger imported back differs in nothing
    from engine.usecases import ledger_export

    exported = act(world, "admin", ledger_export.export, "proposals").content
    plan = act(world, "admin", ledger.plan, "proposals", "台账_导出.xlsx", exported)
    assert [(o.existing, o.differs) for o in plan.outcomes] == [(True, ()), (True, ())]
