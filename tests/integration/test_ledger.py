"""This year's ledger brought in from Excel: each row replayed through the current process at
the dates it records, so its deadlines, on-time flags and figures are the process's own; the dry
run shows what each row becomes and changes nothing; a ledger with a problem imports nothing."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from engine import clock
from engine.errors import FieldError, NotAllowed
from engine.usecases import cases, ledger, timers
from engine.usecases.case_deadlines import case_steps
from engine.usecases.statistics import Period, statistics
from storage.enums import NotificationKind
from storage.models import AuditEntry, Notification, ProcessInstance, WorkItem
from tests.world import act, create_people, deploy

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
PROPOSAL_HEADERS = ["编号", "标题", "内容", "提出代表", "提出时间", "登记日期", "交办日期", "类别", "主办单位",
                    "协办单位", "答复日期", "答复类别", "答复内容", "评价日期", "评价"]  # fmt: skip
PETITION_HEADERS = ["编号", "事由", "来源", "信访人姓名", "联系电话", "信访内容", "收到日期", "受理日期", "承办单位",
                    "交办日期", "答复日期", "答复内容"]  # fmt: skip


def workbook(headers: list[str], *rows: dict[str, str]) -> bytes:
    """An .xlsx as an office keeps it: a title row above the header, then one row per case."""
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年代表建议办理台账"])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def world(session_factory, frozen_clock):  # 2026-12-07 (Mon) 09:00 Beijing
    create_people(session_factory, "admin", "boss", "clerk", "fin", "landy", "civ", "wang", "li")
    deploy(session_factory, LIBRARY / "proposal.bpmn", LIBRARY / "petition.bpmn")
    return session_factory


def refusals(world, kind: str, content: bytes) -> list[tuple[int | None, str | None, str, dict]]:
    """The problems the import of ``content`` was refused for (row, column, code, params),
    and that it stored nothing."""
    with pytest.raises(ledger.LedgerRefused) as refused:
        act(world, "admin", ledger.apply, kind, "台账.xlsx", content)
    with world() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0
    return [(p.row, p.column, p.error.code, p.error.params) for p in refused.value.plan.problems]


DONE = {  # assigned 03-09 + 3 months = 06-09; replied 05-20: on time; 满意
    "编号": "2026-建-001", "标题": "关于修缮村道的建议", "内容": "村道破损", "提出代表": "wang",
    "提出时间": "闭会期间", "登记日期": "2026-03-02", "交办日期": "2026-03-09", "类别": "城乡建设",
    "主办单位": "财政所", "协办单位": "国土所", "答复日期": "2026-05-20", "答复类别": "A",
    "答复内容": "已修缮", "评价日期": "2026-06-01", "评价": "满意",
}  # fmt: skip
LATE = {  # assigned 05-08 + 3 months = 08-08, a Saturday: due Monday 08-10 24:00; replied 09-01
    "编号": "2026-建-002", "标题": "关于增设路灯的建议", "内容": "夜间无照明", "提出代表": "li",
    "提出时间": "大会期间", "登记日期": "2026年5月6日", "交办日期": "2026/5/8", "类别": "城乡建设",
    "主办单位": "land", "答复日期": "2026-09-01", "答复类别": "B", "答复内容": "列入明年计划",
}  # fmt: skip
# the units a proposal or a petition is assigned to: every department but the presidium (人大主席团),
# which decides on motions and re-reviews petitions; the congress office handles the congress's own work
HANDLING_UNITS = ["镇人大办", "财政所", "民政办", "计生办", "国土所", "中学", "中心校", "卫生院", "信用社", "信访办"]
OPEN = {  # assigned 11-23 + 3 months = 2027-02-23: waiting at the reply
    "编号": "2026-建-003", "标题": "关于学校周边交通的建议", "内容": "上下学拥堵", "提出代表": "wang",
    "提出时间": "闭会期间", "登记日期": "2026-11-20", "交办日期": "2026-11-23", "类别": "教育", "主办单位": "财政所",
}  # fmt: skip


def test_each_row_is_replayed_at_its_dates_and_counted(world):
    content = workbook(PROPOSAL_HEADERS, DONE, LATE, OPEN)
    dry = act(world, "admin", ledger.plan, "proposals", "台账.xlsx", content)
    assert dry.problems == []
    assert [(o.row, o.title, o.closed, o.waiting_at) for o in dry.outcomes] == [
        (3, "关于修缮村道的建议", True, []),
        # its evaluation's 20 working days ended 09-29: 逾期未反馈 at the import, class B followed up
        (4, "关于增设路灯的建议", False, ["跟踪办理并报告进展"]),
        (5, "关于学校周边交通的建议", False, ["办理并书面答复"]),
    ]
    with world() as s:  # the dry run wrote nothing
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0

    done = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", content)
    ids = [o.instance_id for o in done.outcomes]
    first = act(world, "admin", cases.instance_detail, ids[0])
    assert first.status == "completed" and first.business_key == "2026-建-001"
    v = first.variables
    assert (v["registered_at"][:10], v["reply_due"], v["replied_on_time"]) == (
        "2026-03-02",
        "2026-06-10T00:00:00+08:00",
        True,
    )
    late = act(world, "admin", cases.instance_detail, ids[1]).variables
    assert (late["reply_due"], late["replied_on_time"]) == ("2026-08-11T00:00:00+08:00", False)
    # every step the row records is done (none withdrawn), in time where it had a period; the
    # co-handling opinion, which the ledger does not date, is done with the reply (05-20) but not
    # after its own month (04-09 24:00): on its last day, in the office's morning, never judged late
    # on a date the ledger does not give. Each step is the unit's it was offered to (承办), done by
    # the administrator who imported it
    with world() as s:
        steps = case_steps(s, ids[0], clock.now())
    assert [(d.bpmn_id, d.state, d.done_at.isoformat(), d.assignee, d.candidate_groups, d.done_by) for d in steps] == [
        ("Task_Classify", "done", "2026-03-09T01:01:00+00:00", None, ("office",), "admin"),
        ("Task_Reply", "met", "2026-05-20T01:02:00+00:00", None, ("finance",), "admin"),
        ("Task_CohandlingView", "met", "2026-04-09T01:00:00+00:00", None, ("land",), "admin"),
        ("Task_Evaluate", "met", "2026-06-01T01:03:00+00:00", "wang", (), "admin"),
    ]
    # the case's story is dated as the ledger says; the administrator's import, when he did it
    history = [(h.action, h.at) for h in first.history]
    assert history[0] == ("start", datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    assert history[-1] == ("import", clock.now())

    # the office's figures for the year include the ledger
    figures = act(world, "boss", statistics, "proposal", Period(date(2026, 1, 1), date(2026, 12, 7))).overall
    assert {k: figures[k].count for k in ("received", "assigned", "replied", "replied_on_time", "late")} == {
        "received": 3,
        "assigned": 3,
        "replied": 2,
        "replied_on_time": 1,
        "late": 1,
    }
    assert (figures["satisfied_first"].count, figures["class_a"].count, figures["class_b"].count) == (1, 1, 1)

    # who holds an open task is told once, now; the steps passed through told no one
    with world() as s:
        told = s.execute(select(Notification.username).order_by(Notification.username)).scalars().all()
        reply = s.scalars(select(WorkItem).where(WorkItem.instance_id == ids[2], WorkItem.state == "ready")).one()
    # 财政所 the reply of OPEN; not li, whose evaluation of LATE ended 09-29 and lapsed then (逾期未反馈),
    # but 国土所 the follow-up of LATE (class B) the case moved on to then
    assert told == ["fin", "landy"]
    assert reply.due_at.isoformat() == "2027-02-23T16:00:00+00:00"  # 2027-02-23 24:00 Beijing

    # importing the same ledger again changes nothing: each row is known by its 编号
    again = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", content)
    assert again.problems == [] and again.unchanged == 3
    assert [(o.instance_id, o.existing) for o in again.outcomes] == [(ids[0], True), (ids[1], True), (ids[2], True)]
    with world() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 3
        assert s.scalar(select(func.count()).select_from(Notification)) == 2  # fin's and landy's, as before


def test_a_ledger_with_problems_imports_nothing_and_names_row_and_column(world):
    rows = [
        DONE,
        {**LATE, "编号": "", "主办单位": "水利站"},  # no number, no such unit
        {**OPEN, "编号": "c", "交办日期": "2026-11-19"},  # assigned before it was registered
        {**OPEN, "编号": "d", "标题": "", "答复日期": "2026-12-01", "答复类别": "A", "答复内容": "x"},  # no title
        {**OPEN, "编号": "e", "登记日期": "2026-12-08"},  # tomorrow
        {**OPEN, "编号": "f", "评价日期": "2026-12-01", "评价": "满意"},  # evaluated, never replied
        {**DONE, "类别": "交通"},  # not a class of the form, and the number again
    ]
    content = workbook(PROPOSAL_HEADERS, *rows)
    problems = refusals(world, "proposals", content)
    assert problems == [
        # (a row's 编号 is read first: a row whose 编号 a case has is not read further)
        (4, "编号", "required", {}),
        (4, "主办单位", "not_one_of", {"value": "水利站", "choices": "、".join(HANDLING_UNITS)}),
        (5, "交办日期", "date_before", {"column": "登记日期", "day": "2026-11-20"}),
        (6, "标题", "required", {}),
        (7, "登记日期", "date_out_of_range", {"min": "1900-01-01", "max": "2026-12-07"}),
        (8, "评价日期", "needs_column", {"column": "答复日期"}),
        (9, "编号", "duplicate_in_file", {"value": "2026-建-001", "row": 3}),
        (
            9,
            "类别",
            "not_one_of",
            {"value": "交通", "choices": "经济发展、城乡建设、农业农村、教育、医疗卫生、民政社保、社会治安、其他"},
        ),
    ]


def test_a_value_the_process_refuses_is_said_at_its_own_cell_by_its_code(world):
    # a reply longer than the form takes: said as max_length at 答复内容 (it was an English
    # text, "reply_text: at most 10000 characters", at the reply's date)
    row = {**OPEN, "答复日期": "2026-12-01", "答复类别": "A", "答复内容": "长" * 10001}
    assert refusals(world, "proposals", workbook(PROPOSAL_HEADERS, row)) == [
        (3, "答复内容", "max_length", {"max": 10000})
    ]


def test_a_petition_ledger_counts_acceptance_from_receipt(world):
    row = {
        "编号": "2026-信-007", "事由": "低保资格", "来源": "来访", "信访人姓名": "赵某某",
        "联系电话": "13800001234", "信访内容": "申请复核", "收到日期": "2026-10-08", "受理日期": "2026-10-12",
        "承办单位": "民政办", "交办日期": "2026-10-13", "答复日期": "2026-11-02", "答复内容": "符合条件",
    }  # fmt: skip
    done = act(world, "admin", ledger.apply, "petitions", "信访台账.xlsx", workbook(PETITION_HEADERS, row))
    [outcome] = done.outcomes
    v = act(world, "admin", cases.instance_detail, outcome.instance_id).variables
    # received 10-08 + 15 days = 10-23 (Fri), 24:00; accepted 10-12: in time
    assert (v["accept_due"], v["accepted_on_time"], v["replied_on_time"]) == (
        "2026-10-24T00:00:00+08:00",
        True,
        True,
    )


def test_only_an_administrator_imports_a_ledger(world):
    content = workbook(PROPOSAL_HEADERS, DONE)
    for who in ("clerk", "boss"):
        with pytest.raises(NotAllowed):
            act(world, who, ledger.plan, "proposals", "台账.xlsx", content)


def drop_down(template: bytes, header: str) -> list[str]:
    """What the template's drop-down under ``header`` offers: its data validation's list, read
    from the cells on the list sheet it points to."""
    book = load_workbook(io.BytesIO(template))
    sheet = book["台账"]
    letter = next(c.column_letter for c in sheet[1] if str(c.value).rstrip("*") == header)
    [rule] = [r for r in sheet.data_validations.dataValidation if str(r.sqref).startswith(f"{letter}2:")]
    list_sheet, cells = rule.formula1.split("!")
    return [cell.value for (cell,) in book[list_sheet.strip("'")][cells.replace("$", "")]]


def test_the_templates_unit_lists_offer_what_the_forms_offer(world):
    proposals = act(world, "admin", ledger.template, "proposals")
    petitions = act(world, "admin", ledger.template, "petitions")
    assert drop_down(proposals, "主办单位") == HANDLING_UNITS
    assert drop_down(petitions, "承办单位") == HANDLING_UNITS
    assert drop_down(proposals, "类别") == [
        "经济发展", "城乡建设", "农业农村", "教育", "医疗卫生", "民政社保", "社会治安", "其他",
    ]  # fmt: skip


def test_a_row_naming_a_unit_the_process_does_not_assign_to_is_refused_at_that_cell(world):
    rows = [
        {**OPEN, "主办单位": "人大主席团"},
        {**OPEN, "编号": "b", "主办单位": "presidium"},  # by its code
        {**OPEN, "编号": "c", "协办单位": "国土所、人大主席团"},
        {**OPEN, "编号": "d", "主办单位": "水利站"},  # no such unit: the list says what there is
    ]
    problems = refusals(world, "proposals", workbook(PROPOSAL_HEADERS, *rows))
    assert problems == [
        (3, "主办单位", "not_assigned_unit", {"unit": "人大主席团"}),
        (4, "主办单位", "not_assigned_unit", {"unit": "人大主席团"}),
        (5, "协办单位", "not_assigned_unit", {"unit": "人大主席团"}),
        (6, "主办单位", "not_one_of", {"value": "水利站", "choices": "、".join(HANDLING_UNITS)}),
    ]
    assert (
        str(FieldError("not_assigned_unit", {"unit": "人大主席团"}))
        == "人大主席团 is not a unit this process assigns to"
    )


def test_a_petition_row_naming_the_presidium_as_handling_unit_is_refused_at_that_cell(world):
    row = {
        "编号": "2026-信-008", "事由": "道路积水", "来源": "来信", "信访人姓名": "钱某", "信访内容": "反映积水",
        "收到日期": "2026-10-08", "受理日期": "2026-10-12", "承办单位": "人大主席团", "交办日期": "2026-10-13",
    }  # fmt: skip
    problems = refusals(world, "petitions", workbook(PETITION_HEADERS, row))
    assert problems == [(3, "承办单位", "not_assigned_unit", {"unit": "人大主席团"})]


def test_a_date_written_as_one_but_no_day_of_the_calendar_is_said_so(world):
    rows = [
        {**OPEN, "登记日期": "2026-13-45"},
        {**OPEN, "编号": "b", "交办日期": "2026年2月30日"},
        {**OPEN, "编号": "c", "登记日期": "下周一"},  # not written as a date at all
    ]
    problems = refusals(world, "proposals", workbook(PROPOSAL_HEADERS, *rows))
    assert problems == [
        (3, "登记日期", "no_such_date", {"day": "2026-13-45"}),
        (4, "交办日期", "no_such_date", {"day": "2026年2月30日"}),
        (5, "登记日期", "not_a_date", {}),
    ]


def instructions(template: bytes) -> dict[str, str]:
    """The template's 说明 sheet: label → text."""
    return dict(load_workbook(io.BytesIO(template))["说明"].iter_rows(values_only=True))


EXAMPLE_NOTE = "模板第 2 行是填写示例：原样留着导入时会跳过它，不会成为案件；可以删掉它，也可以直接改写成第一件。"


def test_each_ledgers_instructions_describe_its_own_steps_and_columns(world):
    assert instructions(act(world, "admin", ledger.template, "petitions")) == {
        "怎样导入": "每行一件信访。按收到、受理、交办、答复的日期依次在系统中重新办理一遍："
        "填了日期的步骤按该日办结，留空的步骤即案件现在等待的环节；每一步的日期不能早于上一步，也不能晚于今天。",
        "必填": "带 * 的列必填；填了某一步的日期，该步所需的列也须填写：交办须填承办单位，答复须填答复内容。"
        "反过来，某一步的日期空着，该步的列也须空着：没有交办日期的不填承办单位，没有答复日期的不填答复内容"
        "（填了的不会导入，导入时作为问题列出）。",
        "示例": EXAMPLE_NOTE,
    }
    assert instructions(act(world, "admin", ledger.template, "proposals")) == {
        "怎样导入": "每行一件建议。按登记、交办、答复、评价的日期依次在系统中重新办理一遍："
        "填了日期的步骤按该日办结，留空的步骤即案件现在等待的环节；每一步的日期不能早于上一步，也不能晚于今天。",
        "必填": "带 * 的列必填；填了某一步的日期，该步所需的列也须填写："
        "交办须填类别、主办单位，答复须填答复类别、答复内容，评价须填评价。"
        "反过来，某一步的日期空着，该步的列也须空着：没有交办日期的不填类别、主办单位、协办单位，"
        "没有答复日期的不填答复类别、答复内容，没有评价日期的不填评价（填了的不会导入，导入时作为问题列出）。",
        "协办意见": "有协办单位的，协办意见日期填协办单位向主办单位提出意见的日期（不早于交办日期，不晚于答复日期）。"
        "不填的，协办意见随答复一并记录：日期记为答复日期；答复日期已过协办期限的，记为协办期限的最后一天"
        "（台账没有记日期，不判为逾期）。",
        "示例": EXAMPLE_NOTE,
    }


def with_rows(template: bytes, *rows: dict[str, str]) -> bytes:
    """The template as downloaded, ``rows`` added under its example row."""
    book = load_workbook(io.BytesIO(template))
    sheet = book["台账"]
    headers = [str(c.value).rstrip("*") for c in sheet[1]]
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["proposals", "petitions"])
def test_the_templates_example_row_uploaded_as_it_came_is_skipped_never_a_case(world, kind):
    template = act(world, "admin", ledger.template, kind)
    done = act(world, "admin", ledger.apply, kind, "台账模板.xlsx", template)
    assert (done.problems, done.outcomes, done.example_rows) == ([], [], [2])
    with world() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_the_example_row_is_skipped_beside_the_real_ones_and_read_as_one_once_changed(world):
    template = act(world, "admin", ledger.template, "proposals")
    dry = act(world, "admin", ledger.plan, "proposals", "台账.xlsx", with_rows(template, DONE))
    assert (dry.problems, [o.row for o in dry.outcomes], dry.example_rows) == ([], [3], [2])
    # the example with a real deputy in it: a case like any, the example's 类别 and all
    book = load_workbook(io.BytesIO(template))
    book["台账"]["D2"] = "wang"  # 提出代表
    out = io.BytesIO()
    book.save(out)
    done = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", out.getvalue())
    assert (done.problems, done.example_rows) == ([], [])
    assert [(o.row, o.title, o.closed) for o in done.outcomes] == [(2, "关于修缮村道的建议", True)]


def test_a_case_imported_past_its_deadline_is_not_reminded_of_it(world):
    """Assigned 2026-07-01, not replied: due 10-09 (10-01 + the National Day holidays), long past
    on 12-07. The deadline timers fire at the first sweep: overdue, and no "due soon" reminder
    (the history says it was not sent). The reply's due date passes at the moment of its 督办
    timer 答复期满: the 督办 tells the supervisors of it, no separate overdue notice (the history
    still records the task overdue); fin read at the import that the reply arrived overdue
    (新任务（已逾期）), and is not told of the same deadline again by the 督办."""
    stuck = {**OPEN, "编号": "2026-建-004", "登记日期": "2026-06-28", "交办日期": "2026-07-01"}
    [outcome] = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, stuck)).outcomes
    assert timers.fire_due(world) >= 1
    with world() as s:
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.instance_id == outcome.instance_id)))
        kinds = set(s.scalars(select(Notification.kind).where(Notification.instance_id == outcome.instance_id)))
        supervised = sorted(
            s.execute(
                select(Notification.username, Notification.message).where(
                    Notification.instance_id == outcome.instance_id, Notification.kind == NotificationKind.SUPERVISION
                )
            ).all()
        )
    assert {"task_overdue", "reminder_late"} <= actions and "reminder" not in actions
    # the arrivals (the reply's, at the import; the office's 督办 step's) and the 督办
    assert kinds == {NotificationKind.TASK, NotificationKind.SUPERVISION}
    late = "「办理并书面答复」（案件：关于学校周边交通的建议）已过期限（答复期满）仍未办结，已转入督办"
    assert supervised == [("boss", late + "。办理人：财政所。")]
    with world() as s:
        arrivals = s.execute(
            select(Notification.username, Notification.params).where(
                Notification.instance_id == outcome.instance_id, Notification.kind == NotificationKind.TASK
            )
        ).all()
    assert [(who, params["task"]) for who, params in arrivals if params.get("overdue")] == [("fin", "办理并书面答复")]


def test_a_task_whose_period_is_over_is_said_so_and_ended_as_the_scheduler_would_have(world):
    """LATE was replied 09-01 and never evaluated: its deputy's 20 working days ended 09-29
    (09-20, a Sunday, worked; 09-25, the Mid-Autumn Friday, off), long before 12-07. The preview
    says so, and the import records the evaluation as 逾期未反馈 when the period ended, as the
    scheduler would have then. A reply due 07-01 + 3 months, moved past the National Day
    holidays (10-01..10-07) to 10-08, is overdue at once, 督办 by 答复期满 once the scheduler
    comes; a task still in its period is not mentioned."""
    stuck = {**OPEN, "编号": "2026-建-004", "登记日期": "2026-06-28", "交办日期": "2026-07-01"}
    content = workbook(PROPOSAL_HEADERS, LATE, stuck, OPEN)
    dry = act(world, "admin", ledger.plan, "proposals", "台账.xlsx", content)
    lapses = [[(x.task, x.due_at.isoformat(), x.ends_by, x.supervised_by) for x in o.lapsed] for o in dry.outcomes]
    assert lapses == [
        [("评价办理结果（回执）", "2026-09-29T16:00:00+00:00", "逾期未反馈", "")],  # 09-29 24:00 Beijing
        [("办理并书面答复", "2026-10-08T16:00:00+00:00", "", "答复期满")],
        [],
    ]
    done = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", content)
    assert [o.lapsed for o in done.outcomes] == [o.lapsed for o in dry.outcomes]
    # told of the tasks they can do now (LATE's follow-up among them), not of the evaluation that lapsed
    with world() as s:
        told = s.execute(
            select(Notification.instance_id, Notification.username, Notification.kind).order_by(
                Notification.instance_id, Notification.username
            )
        ).all()
    late_case, stuck_case, open_case = (o.instance_id for o in done.outcomes)
    assert [(case, who) for case, who, _kind in told if who in ("li", "wang")] == []
    assert {case for case, _who, kind in told if kind == NotificationKind.TASK} == {late_case, stuck_case, open_case}

    late = act(world, "admin", cases.instance_detail, late_case)
    assert (late.variables["evaluation"], late.variables["first_evaluation"]) == ("逾期未反馈", "逾期未反馈")
    assert late.variables["evaluated_at"] == "2026-09-30T00:00:01+08:00"  # the period's end, not the import's
    assert [t.name for t in late.open_tasks] == ["跟踪办理并报告进展"]  # class B: followed up
    timers.fire_due(world)  # the scheduler: the 督办 of the stuck reply, nothing more of LATE
    assert [t.name for t in act(world, "admin", cases.instance_detail, late_case).open_tasks] == ["跟踪办理并报告进展"]


def with_step(xml: str) -> str:
    """proposal.bpmn with a task of the office between the reply's due date and the reply, as
    a designer adds one: a step the ledger has no column for."""
    flow = (
        '<bpmn:sequenceFlow id="Flow_Script_ReplyDue_Task_Reply" sourceRef="Script_ReplyDue" targetRef="Task_Reply"/>'
    )
    added = (
        '<bpmn:sequenceFlow id="Flow_Script_ReplyDue_Task_Reply" sourceRef="Script_ReplyDue" '
        'targetRef="Task_HeadReview"/>'
        '<bpmn:userTask id="Task_HeadReview" name="主任审核交办意见" camunda:candidateGroups="office">'
        "<bpmn:incoming>Flow_Script_ReplyDue_Task_Reply</bpmn:incoming>"
        "<bpmn:outgoing>Flow_HeadReview_Task_Reply</bpmn:outgoing></bpmn:userTask>"
        '<bpmn:sequenceFlow id="Flow_HeadReview_Task_Reply" sourceRef="Task_HeadReview" targetRef="Task_Reply"/>'
    )
    assert flow in xml
    return xml.replace(flow, added).replace(
        "<bpmn:incoming>Flow_Script_ReplyDue_Task_Reply</bpmn:incoming>\n      <bpmn:outgoing>Flow_Task_Reply",
        "<bpmn:incoming>Flow_HeadReview_Task_Reply</bpmn:incoming>\n      <bpmn:outgoing>Flow_Task_Reply",
    )


def test_a_step_the_current_version_does_not_reach_says_where_the_case_stopped_and_on_which_version(world, tmp_path):
    changed = tmp_path / "proposal.bpmn"
    changed.write_text(with_step((LIBRARY / "proposal.bpmn").read_text(encoding="utf-8")), encoding="utf-8")
    deploy(world, changed)  # version 2
    with pytest.raises(ledger.LedgerRefused) as refused:
        act(world, "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, DONE))
    [problem] = refused.value.plan.problems
    assert (problem.row, problem.column, problem.error.code, problem.error.params) == (
        3,
        "答复日期",
        "not_reached",
        {"task": "办理并书面答复"},
    )
    assert problem.stop == ledger.Stop("代表建议、批评和意见办理", 2, ("主任审核交办意见",), False)


COHANDLED = {**DONE, "编号": "2026-建-010", "协办意见日期": "2026-03-20"}  # within its month (04-09)


def test_a_co_handling_view_is_done_on_the_date_its_column_gives_and_judged_by_it(world):
    late_view = {**COHANDLED, "编号": "2026-建-011", "协办意见日期": "2026-04-20"}  # after its month
    content = workbook([*PROPOSAL_HEADERS, "协办意见日期"], COHANDLED, late_view)
    ids = [o.instance_id for o in act(world, "admin", ledger.apply, "proposals", "台账.xlsx", content).outcomes]
    with world() as s:
        views = [
            [
                (d.state, d.done_at.isoformat())
                for d in case_steps(s, i, clock.now())
                if d.bpmn_id == "Task_CohandlingView"
            ]
            for i in ids
        ]
    assert views == [[("met", "2026-03-20T01:02:00+00:00")], [("missed", "2026-04-20T01:02:00+00:00")]]


def test_a_co_handling_date_needs_a_co_handling_unit_and_comes_before_the_reply(world):
    rows = [
        {**COHANDLED, "协办单位": ""},
        {**COHANDLED, "编号": "b", "协办意见日期": "2026-05-21"},  # the reply is of 05-20
        {**COHANDLED, "编号": "c", "协办意见日期": "2026-03-08"},  # assigned 03-09
    ]
    problems = refusals(world, "proposals", workbook([*PROPOSAL_HEADERS, "协办意见日期"], *rows))
    assert problems == [
        (3, "协办意见日期", "needs_column", {"column": "协办单位"}),
        (4, "答复日期", "date_before", {"column": "协办意见日期", "day": "2026-05-21"}),
        (5, "协办意见日期", "date_before", {"column": "交办日期", "day": "2026-03-09"}),
    ]


def test_a_unit_written_twice_in_a_cell_is_one_unit(world):
    """协办单位 "国土所、国土所" is a typing slip, not two co-handling tasks for one unit (the form
    refuses a unit chosen twice): the row imports with one."""
    twice = {**OPEN, "编号": "2026-建-005", "协办单位": "国土所、国土所"}
    [outcome] = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, twice)).outcomes
    with world() as s:
        of_case = select(WorkItem).where(WorkItem.instance_id == outcome.instance_id)
        views = s.scalars(of_case.where(WorkItem.bpmn_id == "Task_CohandlingView")).all()
    assert [v.candidate_groups for v in views] == [["land"]]


PETITION = {
    "编号": "2026-信-009", "事由": "低保资格", "来源": "来访", "信访人姓名": "钱多多", "联系电话": "13712345678",
    "信访内容": "申请复核", "收到日期": "2026-10-08",
}  # fmt: skip


def test_a_number_carrying_the_petitioners_name_or_phone_is_refused_at_its_column(world):
    # every list shows a case's 编号 and search reads it: no petitioner's identity in it, however typed
    rows = [
        {**PETITION, "编号": "钱多多-2026"},
        {**PETITION, "编号": "13712345678"},
        {**PETITION, "编号": "2026-钱\u200b多多"},  # a zero-width space: on screen the plain name
        {**PETITION, "编号": "2026-信-010", "信访人姓名": "孙小美"},  # another petitioner: a case like any
    ]
    assert refusals(world, "petitions", workbook(PETITION_HEADERS, *rows)) == [
        (3, "编号", "key_carries_confidential", {"field": "信访人姓名"}),
        (4, "编号", "key_carries_confidential", {"field": "联系电话"}),
        (5, "编号", "key_carries_confidential", {"field": "信访人姓名"}),
    ]


def test_a_cell_holding_a_control_character_is_refused_at_its_column(world):
    # a .csv may carry one (an .xlsx cannot): a 编号 or a title holding it would break every export
    lines = [",".join(PETITION_HEADERS)]
    for row in ({**PETITION, "编号": "2026\x0b信-011"}, {**PETITION, "编号": "2026-信-012", "事由": "低保\x1b资格"}):
        lines.append(",".join(row.get(h, "") for h in PETITION_HEADERS))
    with pytest.raises(ledger.LedgerRefused) as refused:
        act(world, "admin", ledger.apply, "petitions", "台账.csv", "\n".join(lines).encode())
    assert [(p.row, p.column, p.error.code) for p in refused.value.plan.problems] == [
        (2, "编号", "control_character"),
        (3, "事由", "control_character"),
    ]
    with world() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_a_replayed_step_is_said_recorded_from_its_row_not_done_by_the_administrator(world):
    """The log keeps who recorded each step (the administrator, whose import says so); each
    entry the replay wrote is marked with its row, which the case's history says to every
    reader, the file's name masked like any text of the case for whoever may not read the
    petitioner's name. None of the steps told anyone, the administrator neither."""
    row = {
        "编号": "2026-信-008", "事由": "低保资格", "来源": "来访", "信访人姓名": "赵某某",
        "联系电话": "13800001234", "信访内容": "申请复核", "收到日期": "2026-10-08", "受理日期": "2026-10-12",
        "承办单位": "民政办", "交办日期": "2026-10-13", "答复日期": "2026-11-02", "答复内容": "符合条件",
    }  # fmt: skip
    content = workbook(PETITION_HEADERS, row)
    [outcome] = act(world, "admin", ledger.apply, "petitions", "赵某某的台账.xlsx", content).outcomes
    with world() as s:
        logged = s.execute(
            select(AuditEntry.actor, AuditEntry.action).where(AuditEntry.instance_id == outcome.instance_id)
        ).all()
        told = s.scalars(select(Notification.username)).all()
    # replied 11-02: the petitioner's 30 days to ask for a review ended 12-02 24:00, which the
    # system recorded (its own entry, not the row's)
    assert sorted(set(logged)) == [
        ("admin", "complete"),
        ("admin", "import"),
        ("admin", "start"),
        ("system", "timer_fired"),
    ]
    assert told == []  # closed: nobody holds a task of it

    def history(reader: str) -> list[tuple[str, str, str | None, int | None]]:
        entries = act(world, reader, cases.instance_detail, outcome.instance_id).history
        return [(h.actor, h.action, h.ledger.file if h.ledger else None, h.ledger.row if h.ledger else None)
                for h in entries]  # fmt: skip

    def recorded_from(file: str) -> list[tuple[str, str, str | None, int | None]]:
        steps = ["start", "complete", "complete", "complete"]  # received; accepted, assigned, replied
        lapsed = ("system", "timer_fired", None, None)  # the review window closing, 12-02 24:00
        return [*(("admin", a, file, 3) for a in steps), lapsed, ("admin", "import", None, None)]

    create_people(world, "keeper")  # the office's petition officer, who reads the petitioner's name
    assert history("keeper") == recorded_from("赵某某的台账.xlsx")
    assert history("civ") == history("admin") == recorded_from("******的台账.xlsx")


def test_the_command_lines_history_says_a_replayed_step_was_recorded_from_its_row(world, make_app, db_url):
    """``congressflow instance`` prints the administrator as each entry's actor, as the log
    keeps it; a step replayed from the ledger says the file and row it was recorded from."""
    row = {
        "编号": "2026-信-009", "事由": "道路维修", "来源": "来信", "信访人姓名": "钱某某",
        "联系电话": "13800005678", "信访内容": "村道破损", "收到日期": "2026-10-08", "受理日期": "2026-10-12",
        "承办单位": "民政办", "交办日期": "2026-10-13", "答复日期": "2026-11-02", "答复内容": "已安排维修",
    }  # fmt: skip
    [outcome] = act(world, "admin", ledger.apply, "petitions", "台账.xlsx", workbook(PETITION_HEADERS, row)).outcomes
    shown = make_app(db_url).test_cli_runner().invoke(args=["instance", str(outcome.instance_id), "--user", "admin"])
    assert shown.exit_code == 0, shown.output
    assert ", started 2026-10-08 09:00 +0800 by admin (recorded from the ledger)\n" in shown.output
    history = shown.output.split("history:\n", 1)[1].splitlines()
    recorded = [line for line in history if line.endswith("(recorded from the ledger 台账.xlsx, row 3)")]
    imported = [line for line in history if " import " in line]
    # received; accepted, assigned, replied: every step but the review window closing (the
    # system's, when the period ended) and the import's own entry
    assert len(history) == 6 and len(recorded) == 4 and len(imported) == 1
    assert history[4].split() == ["2026-12-03", "00:00:01", "+0800", "system", "timer_fired", "Timer_ReviewWindow"]
    assert imported[0].split()[3:5] == ["admin", "import"] and "recorded from" not in imported[0]


def test_a_phone_number_in_a_petitions_subject_is_refused_at_its_column_whoever_it_is_of(world):
    row = {
        "编号": "2026-信-010", "事由": "老王反映噪音（电话0571-88886666）", "来源": "来访", "信访人姓名": "孙某某",
        "联系电话": "", "信访内容": "夜间施工", "收到日期": "2026-10-08",
    }  # fmt: skip
    assert refusals(world, "petitions", workbook(PETITION_HEADERS, row)) == [
        (3, "事由", "title_holds_phone", {"number": "0571-88886666"})
    ]
