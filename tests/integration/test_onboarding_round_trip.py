"""Day one end to end, on hand-made files of known content (issue 18): 20 units (an .xlsx with a
merged title cell above the header), a roster of 40 deputies and 25 unit officers (a GB18030 .csv,
as Excel on Chinese Windows writes it), the units again with their heads and contacts (UTF-8 with
a BOM), and this year's ledger of 30 proposals (.xlsx, merged title) and 15 petitions (GB18030
.csv) with a known mix: finished, replied late, waiting at each step, several units. Checked: the
people made (roles, units, the forced password change), the cases (status, where they wait), the
statistics they feed (every figure worked out by hand below), that importing every file again
changes nothing, that a file with errors is refused by row and column with nothing written, and
the export round trip (export, edit one cell, import: exactly that change)."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from engine.usecases import ledger, onboarding
from engine.usecases.statistics import Period, statistics
from storage.models import AuditEntry, Department, Notification, ProcessInstance, User
from tests.world import act, create_people, deploy, xlsx_file

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
YEAR = Period(date(2026, 1, 1), date(2026, 12, 7))  # the clock: 2026-12-07 (Mon) 09:00 Beijing

# -- the files ------------------------------------------------------------------------------------
UNITS = [  # code, name
    ("water", "水利站"), ("agri", "农技站"), ("forestry", "林业站"), ("culture", "文化站"),
    ("transport", "交通管理站"), ("police", "派出所"), ("justice", "司法所"), ("market", "市场监管所"),
    ("tax", "税务分局"), ("power", "供电所"), ("post", "邮政所"), ("env", "环保站"),
    ("veterans", "退役军人服务站"), ("labor", "劳动保障所"), ("planning", "规划建设办"), ("safety", "安监站"),
    ("economy", "经济发展办"), ("vet", "兽医站"), ("library", "图书馆"), ("clinic", "社区卫生服务站"),
]  # fmt: skip
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许"
GIVEN = ("建国", "秀英")


def deputies() -> list[list[str]]:
    """dep01..dep40: no unit, 选区 1..8, a mobile each, an e-mail for every fifth; dep01 also chairs."""
    rows = []
    for n in range(1, 41):
        name = SURNAMES[(n - 1) % 20] + GIVEN[(n - 1) // 20]
        roles, unit = ("人大代表、主席/副主席", "presidium") if n == 1 else ("人大代表", "")
        email = f"dep{n:02}@example.cn" if n % 5 == 0 else ""
        rows.append([f"dep{n:02}", name, unit, f"第{(n - 1) % 8 + 1}选区", roles, f"139{n:08}", email])
    return rows


def officers() -> list[list[str]]:
    """off01..off20: the head of each unit (landline); lx01..lx05: the first five units' contacts."""
    rows = [
        [f"off{n:02}", f"{name}负责人", code, "", "办理人员", f"0571-8765{n:04}", ""]
        for n, (code, name) in enumerate(UNITS, start=1)
    ]
    rows += [
        [f"lx{n:02}", f"{name}联络员", code, "", "办理人员、督查" if n == 1 else "办理人员", "", f"lx{n:02}@example.cn"]
        for n, (code, name) in enumerate(UNITS[:5], start=1)
    ]
    return rows


PEOPLE_HEADERS = ["用户名", "姓名", "单位代码", "选区", "角色", "电话", "邮箱"]


def xlsx(title: str, headers: list[str], rows: list[list[str]]) -> bytes:
    """As offices keep them: a title merged across the columns above the header."""
    return xlsx_file(("Sheet", [[title], headers, *rows], [f"A1:{get_column_letter(len(headers))}1"]))


def csv(headers: list[str], rows: list[list[str]], encoding: str) -> bytes:
    lines = [",".join(headers), *(",".join(row) for row in rows)]
    return "\r\n".join(lines).encode(encoding) + b"\r\n"


UNITS_FILE = xlsx("乡镇承办单位一览表", ["代码", "名称", "负责人", "联络员"], [[c, n, "", ""] for c, n in UNITS])
PEOPLE_FILE = csv(PEOPLE_HEADERS, deputies() + officers(), "gb18030")
HEADS_FILE = csv(
    ["代码", "名称", "负责人", "联络员"],
    [[c, n, f"off{i:02}", f"lx{i:02}" if i <= 5 else ""] for i, (c, n) in enumerate(UNITS, start=1)],
    "utf-8-sig",
)

# The proposals: 编号, deputy, 提出时间, 登记, 交办, 类别, 主办, 协办, 答复, 答复类别, 评价日期, 评价.
# The reply is due three months after the assignment (24:00 of that day, or of the next working day).
PROPOSAL_HEADERS = ["编号", "标题", "内容", "提出代表", "提出时间", "登记日期", "交办日期", "类别", "主办单位",
                    "协办单位", "答复日期", "答复类别", "答复内容", "评价日期", "评价"]  # fmt: skip
PROPOSALS = [
    # 8 finished: class A, C or D, replied in time, evaluated 满意 / 基本满意 → closed
    "J01 dep01 大会期间 03-02 03-09 城乡建设 water agri 05-06 A 05-11 满意",
    "J02 dep02 大会期间 03-02 03-09 农业农村 agri - 05-07 A 05-12 满意",
    "J03 dep03 大会期间 03-02 03-10 教育 culture water、forestry 05-20 A 05-25 满意",
    "J04 dep04 闭会期间 04-01 04-03 城乡建设 transport - 06-01 A 06-03 满意",
    "J05 dep05 闭会期间 04-13 04-15 经济发展 water - 06-10 A 06-12 基本满意",
    "J06 dep06 闭会期间 05-06 05-08 其他 forestry - 07-01 C 07-03 基本满意",
    "J07 dep07 闭会期间 05-11 05-12 民政社保 agri - 07-06 C 07-08 基本满意",
    "J08 dep08 闭会期间 06-01 06-02 社会治安 transport - 07-20 D 07-22 满意",
    # 4 class B, evaluated 满意 → waiting at the follow-up (跟踪办理) until reported solved
    "J09 dep09 大会期间 03-02 03-09 城乡建设 water - 05-08 B 05-13 满意",
    "J10 dep10 大会期间 03-02 03-09 医疗卫生 culture - 05-15 B 05-19 满意",
    "J11 dep11 闭会期间 06-15 06-16 教育 forestry - 08-03 B 08-05 满意",
    "J12 dep12 闭会期间 07-01 07-02 农业农村 agri - 08-20 B 08-24 满意",
    # 1 class A evaluated 不满意 → waiting at the re-handling
    "J13 dep13 闭会期间 07-06 07-07 城乡建设 transport - 08-31 A 09-02 不满意",
    # 3 replied late (their last days 06-09, 06-09, 07-03), class C, evaluated 基本满意 → closed
    "J14 dep14 大会期间 03-02 03-09 城乡建设 water - 07-15 C 07-17 基本满意",
    "J15 dep15 大会期间 03-02 03-09 经济发展 agri - 08-03 C 08-05 基本满意",
    "J16 dep16 闭会期间 04-01 04-03 其他 culture - 09-01 C 09-03 基本满意",
    # 2 replied late (last days 07-03, and 08-01 a Saturday: 08-03), class A, not evaluated → waiting at the evaluation
    "J17 dep17 闭会期间 04-01 04-03 教育 forestry - 10-12 A - -",
    "J18 dep18 闭会期间 04-29 05-01 医疗卫生 transport - 11-02 A - -",
    # 3 replied in time, class A, not evaluated → waiting at the evaluation
    "J19 dep19 闭会期间 09-01 09-02 城乡建设 water - 11-16 A - -",
    "J20 dep20 闭会期间 09-14 09-15 农业农村 agri - 11-30 A - -",
    "J21 dep21 闭会期间 10-08 10-09 教育 culture - 12-03 A - -",
    # 4 assigned, not replied, due after today → waiting at the reply, not late
    "J22 dep22 闭会期间 10-12 10-13 城乡建设 forestry - - - - -",
    "J23 dep23 闭会期间 10-19 10-20 民政社保 water - - - - -",
    "J24 dep24 闭会期间 11-02 11-03 教育 agri - - - - -",
    "J25 dep25 闭会期间 11-16 11-17 其他 transport - - - - -",
    # 2 assigned in June, not replied, last days 09-01 / 09-08 passed → waiting at the reply, late
    "J26 dep26 闭会期间 05-29 06-01 城乡建设 water - - - - -",
    "J27 dep27 闭会期间 06-05 06-08 经济发展 culture - - - - -",
    # 3 registered, not yet assigned → waiting at the office's classification
    "J28 dep28 闭会期间 11-30 - - - - - - - -",
    "J29 dep29 闭会期间 12-01 - - - - - - - -",
    "J30 dep30 闭会期间 12-04 - - - - - - - -",
]  # fmt: skip


def cells(line: str) -> list[str]:
    """A row of the tables above: "-" an empty cell, MM-DD a date of 2026."""
    return ["" if v == "-" else f"2026-{v}" if re.fullmatch(r"\d\d-\d\d", v) else v for v in line.split()]


def proposal_rows() -> list[list[str]]:
    rows = []
    for line in PROPOSALS:
        key, deputy, during, registered, assigned, category, lead, co, replied, klass, evaluated, verdict = cells(line)
        text = f"{key}号建议的答复" if replied else ""
        title, content = f"关于{key}号事项的建议", f"{key}号建议的内容"
        rows.append([f"2026-建-{key}", title, content, deputy, during, registered, assigned, category, lead, co,
                     replied, klass, text, evaluated, verdict])  # fmt: skip
    return rows


PROPOSALS_FILE = xlsx("2026年代表建议办理台账", PROPOSAL_HEADERS, proposal_rows())

# The petitions: 编号, 来源, 收到, 受理, 承办单位, 交办, 答复. Accepting is due 15 days after receipt,
# replying 60 days after acceptance (24:00, moved to the next working day).
PETITION_HEADERS = ["编号", "事由", "来源", "信访人姓名", "联系电话", "信访内容", "收到日期", "受理日期", "承办单位",
                    "交办日期", "答复日期", "答复内容"]  # fmt: skip
PETITIONS = [
    # 6 accepted and replied in time → waiting at 登记复查请求 (the petitioner may still ask)
    "X01 来信 03-02 03-05 police 03-06 03-30",
    "X02 来信 04-01 04-03 justice 04-07 05-06",
    "X03 来访 05-11 05-12 market 05-13 06-10",
    "X04 来访 06-01 06-05 police 06-08 07-01",
    "X05 来访 07-06 07-08 justice 07-09 08-10",
    "X06 意见箱 08-03 08-04 market 08-05 09-01",
    # 2 accepted late (due 03-17 and 04-16), replied in time
    "X07 来信 03-02 03-25 police 03-26 04-20",
    "X08 意见箱 04-01 04-24 justice 04-27 05-20",
    # 2 replied late (due 05-31, a Sunday: 06-01; and 06-29)
    "X09 来访 03-30 04-01 market 04-02 07-15",
    "X10 来信 04-27 04-30 police 05-06 08-03",
    # 2 received, waiting at the acceptance (due 12-16, 12-18: not late)
    "X11 来访 12-01 - - - -",
    "X12 来信 12-03 - - - -",
    # 1 accepted, waiting to be assigned
    "X13 来访 11-16 11-20 - - -",
    # 2 assigned, waiting at the reply: due 2027-01-01 (not late) and in October (passed: late)
    "X14 意见箱 10-26 11-02 justice 11-03 -",
    "X15 来访 07-27 08-03 market 08-04 -",
]  # fmt: skip


def petition_rows() -> list[list[str]]:
    rows = []
    for line in PETITIONS:
        key, channel, received, accepted, unit, assigned, replied = cells(line)
        rows.append([f"2026-信-{key}", f"{key}号事由", channel, f"{key}号信访人", "13800001234", f"{key}号信访内容",
                     received, accepted, unit, assigned, replied, f"{key}号答复" if replied else ""])  # fmt: skip
    return rows


PETITIONS_FILE = csv(PETITION_HEADERS, petition_rows(), "gb18030")

FILES = [  # in the order of the administrator's first day
    (onboarding.apply, "units", "单位一览表.xlsx", UNITS_FILE),
    (onboarding.apply, "people", "代表名册.csv", PEOPLE_FILE),
    (onboarding.apply, "units", "单位负责人.csv", HEADS_FILE),
    (ledger.apply, "proposals", "代表建议台账.xlsx", PROPOSALS_FILE),
    (ledger.apply, "petitions", "信访台账.csv", PETITIONS_FILE),
]


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "admin", "boss")
    deploy(session_factory, LIBRARY / "proposal.bpmn", LIBRARY / "petition.bpmn")
    return session_factory


def counts(world) -> dict[str, int]:
    with world() as s:
        return {
            "users": s.scalar(select(func.count()).select_from(User)),
            "units": s.scalar(select(func.count()).select_from(Department)),
            "cases": s.scalar(select(func.count()).select_from(ProcessInstance)),
            "audit": s.scalar(select(func.count()).select_from(AuditEntry)),
            "notifications": s.scalar(select(func.count()).select_from(Notification)),
        }


def import_all(world) -> dict[str, object]:
    return {name: act(world, "admin", use_case, kind, name, content) for use_case, kind, name, content in FILES}


def test_a_real_first_day_round_trip(world):
    before = counts(world)
    done = import_all(world)

    # -- the people and the units ---------------------------------------------------------------
    people = done["代表名册.csv"]
    assert (people.plan.rows, people.plan.created, people.plan.problems) == (65, 65, [])
    assert len(people.passwords) == 65
    assert done["单位一览表.xlsx"].plan.created == 20 and done["单位负责人.csv"].plan.updated == 20
    with world() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        roster = {
            name: (sorted(u.roles), u.department.code if u.department else None, u.district, u.phone, u.email)
            for name, u in users.items()
            if name not in ("admin", "boss")
        }
        forced = {name for name, u in users.items() if u.must_change_password}
        heads = {d.code: (d.name, d.head, d.contact) for d in s.scalars(select(Department))}
    assert roster["dep01"] == (["chair", "deputy"], "presidium", "第1选区", "13900000001", None)
    assert roster["dep10"] == (["deputy"], None, "第2选区", "13900000010", "dep10@example.cn")
    assert roster["dep40"] == (["deputy"], None, "第8选区", "13900000040", "dep40@example.cn")
    assert roster["off07"] == (["officer"], "justice", None, "0571-87650007", None)
    assert roster["lx01"] == (["officer", "supervisor"], "water", None, None, "lx01@example.cn")
    assert sum(r[0] == ["deputy"] for r in roster.values()) == 39
    assert sum("officer" in r[0] for r in roster.values()) == 25
    assert users["dep21"].display_name == "赵秀英"  # GB18030 read as such
    assert forced == set(roster)  # every new person changes the initial password first; admin, boss not
    assert heads["water"] == ("水利站", "off01", "lx01")
    assert heads["clinic"] == ("社区卫生服务站", "off20", None)
    assert heads["finance"] == ("财政所", None, None)  # the units not in the files: as they were

    # -- the cases: where each waits ------------------------------------------------------------
    proposals = {o.title[2:5]: (o.closed, o.waiting_at) for o in done["代表建议台账.xlsx"].outcomes}
    closed = {k for k, (c, _w) in proposals.items() if c}
    waiting = {k: w for k, (c, w) in proposals.items() if not c}
    # the 11 closed by their rows, and J17 and J18, whose evaluations lapsed before the import (below)
    assert closed == {"J01", "J02", "J03", "J04", "J05", "J06", "J07", "J08", "J14", "J15", "J16", "J17", "J18"}
    assert {k for k, w in waiting.items() if w == ["跟踪办理并报告进展"]} == {"J09", "J10", "J11", "J12"}
    assert waiting["J13"] == ["重新办理并答复"]
    assert {k for k, w in waiting.items() if w == ["评价办理结果（回执）"]} == {"J19", "J20", "J21"}
    assert {k for k, w in waiting.items() if w == ["办理并书面答复"]} == {"J22", "J23", "J24", "J25", "J26", "J27"}
    assert {k for k, w in waiting.items() if w == ["整理分类并交办"]} == {"J28", "J29", "J30"}
    assert len(proposals) == 30

    petitions = {o.title[:3]: (o.closed, o.waiting_at) for o in done["信访台账.csv"].outcomes}
    # X01-X10 waited at 登记复查请求, whose 30 days ended before the import: closed then
    assert {k for k, (c, _w) in petitions.items() if c} == {f"X{n:02}" for n in range(1, 11)}
    where = {k: w[0] if len(w) == 1 else w for k, (c, w) in petitions.items() if not c}
    assert where == {
        "X11": "审查是否受理并告知信访人",
        "X12": "审查是否受理并告知信访人",
        "X13": "交办承办单位",
        "X14": "办理并书面答复信访人",
        "X15": "办理并书面答复信访人",
    }
    with world() as s:
        statuses = dict(s.execute(select(ProcessInstance.status, func.count()).group_by(ProcessInstance.status)).all())
    # besides the 11 closed by their rows: the evaluations of J17 (replied 10-12) and J18 (11-02) lapsed
    # before 12-07, class A: closed by the import as they were then; the review windows of X01-X10
    # (30 days from their replies) closed too
    assert {str(getattr(k, "value", k)): v for k, v in statuses.items()} == {"completed": 23, "running": 22}

    # -- the statistics they feed, worked out by hand from the tables above ----------------------
    figures = act(world, "boss", statistics, "proposal", YEAR)
    overall = {k: f.count for k, f in figures.overall.items()}
    assert {k: overall[k] for k in PROPOSAL_FIGURES} == PROPOSAL_FIGURES
    per_unit = {u.unit: u.figures["received"].count for u in figures.units}
    # water J01 J05 J09 J14 J19 J23 J26, agri J02 J07 J12 J15 J20 J24, culture J03 J10 J16 J21 J27,
    # forestry J06 J11 J17 J22, transport J04 J08 J13 J18 J25; not yet assigned J28-J30
    assert per_unit == {"water": 7, "agri": 6, "culture": 5, "forestry": 4, "transport": 5, None: 3}
    water = next(u for u in figures.units if u.unit == "water").figures
    # water: replied J01 J05 J09 J14 J19 (J14 late), J26 late unreplied
    assert (water["replied"].count, water["replied_on_time"].count, water["late"].count) == (5, 4, 2)

    figures = act(world, "boss", statistics, "petition", YEAR)
    overall = {k: f.count for k, f in figures.overall.items()}
    assert {k: overall[k] for k in PETITION_FIGURES} == PETITION_FIGURES

    # -- every file again: nothing changes --------------------------------------------------------
    after = counts(world)
    assert (after["users"], after["units"], after["cases"]) == (before["users"] + 65, before["units"] + 20, 45)
    again = import_all(world)
    assert again["代表名册.csv"].plan.unchanged == 65 and again["代表名册.csv"].passwords == []
    assert again["单位一览表.xlsx"].plan.unchanged == 20 and again["单位负责人.csv"].plan.unchanged == 20
    assert again["代表建议台账.xlsx"].unchanged == 30 and again["信访台账.csv"].unchanged == 15
    assert counts(world) == after


# 30 proposals: J28-J30 not assigned; replied: J01-J21; late: J14-J18 (replied late) and J26, J27
# (due passed, no reply); evaluated J01-J16, of which J13 不满意; classes of the 21 replies:
# A J01-J05 J13 J17-J21, B J09-J12, C J06 J07 J14-J16, D J08.
PROPOSAL_FIGURES = {
    "received": 30,
    "assigned": 27,
    "replied": 21,
    "replied_on_time": 16,
    "late": 7,
    "extended": 0,
    "reassigned": 0,  # a ledger row cannot say a 改办: none is replayed
    "evaluated": 16,
    "satisfied_first": 15,
    "class_a": 11,
    "class_b": 4,
    "class_c": 5,
    "class_d": 1,
}
# 15 petitions: letters X01 X02 X07 X10 X12, visits X03-X05 X09 X11 X13 X15, box X06 X08 X14;
# decided (accepted) all but X11 X12; late acceptance X07 X08; replied X01-X10, late X09 X10;
# late also X15 (due in October, no reply).
PETITION_FIGURES = {
    "received": 15,
    "channel_letter": 5,
    "channel_visit": 7,
    "channel_opinion_box": 3,
    "decided": 13,
    "accepted": 13,
    "accepted_on_time": 11,
    "replied": 10,
    "replied_on_time": 8,
    "late": 3,
    "extended": 0,
    "review_requested": 0,
}


def test_a_file_with_errors_is_refused_by_row_and_column_and_writes_nothing(world):
    act(world, "admin", onboarding.apply, "units", "单位一览表.xlsx", UNITS_FILE)
    act(world, "admin", onboarding.apply, "people", "代表名册.csv", PEOPLE_FILE)
    before = counts(world)
    rows = [[f"new{n}", f"新代表{n}", "", "第1选区", "人大代表", "", ""] for n in range(3)] + [
        ["new0", "重名", "", "第1选区", "人大代表", "", ""],  # the user name again
        ["dep99", "某某", "nowhere", "", "代表", "139", "x@"],  # no such unit, role, phone, e-mail
    ]
    bad = csv(PEOPLE_HEADERS, rows, "gb18030")
    with pytest.raises(onboarding.ImportRefused) as refused:
        act(world, "admin", onboarding.apply, "people", "名册.csv", bad)
    assert [(p.row, p.column, p.error.code) for p in refused.value.plan.problems] == [
        (5, "用户名", "duplicate_in_file"),
        (6, "单位代码", "unknown_department"),
        (6, "角色", "unknown_role"),
        (6, "电话", "bad_phone"),
        (6, "邮箱", "bad_email"),
    ]
    # the ledger: a unit nobody knows, a reply before its assignment (row numbers as Excel shows
    # them: the merged title is row 1, the header row 2)
    rows = proposal_rows()[:2]
    rows[1] = [*rows[1][:8], "水务局", *rows[1][9:]]
    broken = proposal_rows()[2]
    broken[10] = "2026-03-01"
    with pytest.raises(ledger.LedgerRefused) as refused:
        act(world, "admin", ledger.apply, "proposals", "台账.xlsx", xlsx("台账", PROPOSAL_HEADERS, [*rows, broken]))
    assert [(p.row, p.column, p.error.code) for p in refused.value.plan.problems] == [
        (4, "主办单位", "not_one_of"),
        (5, "答复日期", "date_before"),
    ]
    assert counts(world) == before


def test_export_edit_one_cell_import_shows_exactly_that_change(world):
    for use_case, kind, name, content in FILES[:3]:
        act(world, "admin", use_case, kind, name, content)
    before = counts(world)
    for kind in ("units", "people"):  # unchanged: nothing to change, nothing written
        exported = act(world, "admin", onboarding.export, kind)
        plan = act(world, "admin", onboarding.plan, kind, f"{kind}.xlsx", exported)
        assert (plan.problems, plan.changes) == ([], [])
        result = act(world, "admin", onboarding.apply, kind, f"{kind}.xlsx", exported)
        assert result.plan.changes == [] and result.passwords == []
    assert counts(world) == before

    exported = act(world, "admin", onboarding.export, "people")
    book = load_workbook(io.BytesIO(exported))
    sheet = book["人员"]
    header = [c.value for c in sheet[1]]
    assert header == ["用户名*", "姓名*", "单位代码", "选区", "角色*", "电话", "邮箱"]  # the template's
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert [c.value for c in rows["dep01"]] == [
        "dep01", "赵建国", "presidium", "第1选区", "人大代表、主席/副主席", "13900000001", None,
    ]  # fmt: skip
    assert "admin" in rows and len(rows) == 67  # everyone active, and no password anywhere
    assert not any("密码" in str(c.value) for row in sheet.iter_rows() for c in row)
    rows["dep07"][5].value = "13911112222"  # one cell edited in Excel
    out = io.BytesIO()
    book.save(out)

    plan = act(world, "admin", onboarding.plan, "people", "人员.xlsx", out.getvalue())
    assert plan.problems == [] and plan.unchanged == 66
    [change] = plan.changes
    assert (change.key, change.created, change.fields) == ("dep07", False, {"电话": ("13900000007", "13911112222")})
    act(world, "admin", onboarding.apply, "people", "人员.xlsx", out.getvalue())
    with world() as s:
        assert s.scalar(select(User.phone).where(User.username == "dep07")) == "13911112222"
