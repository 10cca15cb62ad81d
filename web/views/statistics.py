"""统计: the figures of a period, overall and per unit, each with its definition; the cases
behind every number; the same as .xlsx and .csv. The counting is engine.usecases.statistics."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote, urlencode

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.shared import Mm
from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_babel.speaklater import LazyString

from engine import access, clock
from engine.deadlines.calendar import LOCAL_TZ
from engine.errors import InvalidData
from engine.usecases import statistics
from engine.usecases.figure_specs import WITHDRAWN
from engine.usecases.ledger_rows import PROCESS_OF
from engine.usecases.statistics import Period, Statistics

from .. import database, exports
from ..auth import current_actor
from ..report_text import PARAGRAPHS, count_and_rate
from .formdata import field_messages

bp = Blueprint("statistics", __name__, url_prefix="/statistics")

# the processes with a year's ledger (台账): its kind in the import's and export's addresses
LEDGERS = {process: str(kind) for kind, process in PROCESS_OF.items()}

PROCESSES = {
    "proposal": _l("代表建议"),
    "petition": _l("信访"),
    "inspection": _l("监督检查"),
    "plan": _l("年度工作计划"),
}

# key: (name, definition); the definitions are those of engine.usecases.statistics, in words,
# each but withdrawn's saying (``_counted``) that the cancelled cases are not counted. Of a
# proposal's replies, 已答复 / 按期答复 / 逾期 judge the first, the classes the latest: each says so
_DEFINED = {
    "proposal": {
        "received": (_l("收到"), _l("统计期内登记的代表建议（含转作建议办理的议案）")),
        "assigned": (_l("已交办"), _l("已交办承办单位的件数，占收到件数")),
        "replied": (
            _l("已答复（答复率）"),
            _l("已书面答复的件数，以首次书面答复计；答复率 = 已答复 ÷ 已交办"),
        ),
        "replied_on_time": (
            _l("按期答复（按期答复率）"),
            _l("首次书面答复在答复期限（含批准的延期）届满前的件数；按期答复率 = 按期答复 ÷ 已交办"),
        ),
        "late": (
            _lp("figure", "逾期"),
            _l("首次书面答复逾期的，及答复期限已过仍未答复的件数，占已交办"),
        ),
        "extended": (_l("延期办理"), _l("经批准延期答复的件数，占已交办")),
        # per unit the returning unit's (engine.usecases.statistics._returned_by), not the new one's
        "reassigned": (
            _l("改办"),
            _l(
                "承办单位申请退回、经审核同意改办（重新交办）的件数，含尚待重新交办的；"
                "按单位计入申请退回的单位，先后被两个单位退回的，两个单位各计一次"
            ),
        ),
        "evaluated": (_l("已评价"), _l("代表反馈了满意、基本满意或不满意的件数（逾期未反馈不计），占已答复")),
        "satisfied_first": (
            _l("满意率（首次评价）"),
            _l("首次评价为满意或基本满意的件数 ÷ 已评价"),
        ),
        "satisfied_final": (
            _l("满意率（最终评价）"),
            _l("最终评价（重新办理后的评价）为满意或基本满意的件数 ÷ 已评价"),
        ),
        # what opened, not what was done: the re-handled replies are rehandle_replied
        "rehandled": (
            _l("要求重新办理"),
            _l("代表评价不满意、交承办单位重新办理的件数（含尚未重新答复的），占已评价"),
        ),
        "rehandle_replied": (
            _l("已重新答复"),
            _l("要求重新办理、承办单位已重新书面答复的件数，占要求重新办理"),
        ),
        "finally_unsatisfied": (_l("最终不满意"), _l("重新办理后代表仍不满意的件数，占已评价")),
        "class_a": (
            _l("A 类（办成率）"),
            _l(
                "最后一次答复（重新办理的，以重新办理的答复为准）为 A 类（已解决或基本解决）的件数；"
                "办成率 = A 类 ÷ 已答复"
            ),
        ),
        "class_b": (
            _l("B 类"),
            _l("最后一次答复（重新办理的，以重新办理的答复为准）为 B 类（正在解决或列入计划逐步解决）的件数，占已答复"),
        ),
        "class_c": (
            _l("C 类"),
            _l("最后一次答复（重新办理的，以重新办理的答复为准）为 C 类（因条件限制需以后解决）的件数，占已答复"),
        ),
        "class_d": (
            _l("D 类"),
            _l("最后一次答复（重新办理的，以重新办理的答复为准）为 D 类（留作参考）的件数，占已答复"),
        ),
        "solved": (
            _l("办结时已解决"),
            _l(
                "已办结、且最后一次答复为 A 类或 B 类经跟踪办理报告已解决的件数，占已答复；"
                "尚未办结的（如待代表评价）不计。不是办成率：办成率 = A 类 ÷ 已答复"
            ),
        ),
        WITHDRAWN: (
            _l("已撤销（撤回或并案）"),
            _l(
                "统计期内登记、其后撤销的件数（如代表撤回、重复件并案）；不计入以上各项，"
                "收到 + 已撤销 = 统计期内登记的全部件数"
            ),
        ),
    },
    "petition": {
        "received": (_l("收到"), _l("统计期内收到的信访事项（按收到之日）")),
        "channel_letter": (_l("来信"), _l("来源为来信的件数，占收到")),
        "channel_visit": (_l("来访"), _l("来源为来访的件数，占收到")),
        "channel_opinion_box": (_l("意见箱"), _l("来源为意见箱的件数，占收到")),
        "decided": (_l("已审查"), _l("已作出是否受理决定的件数，占收到")),
        "accepted": (_l("受理"), _l("决定受理的件数，占已审查")),
        "accepted_on_time": (
            _l("15 日内告知"),
            _l("自收到之日起 15 日内作出受理决定并告知的件数，占已审查"),
        ),
        "replied": (_l("已答复"), _l("已书面答复信访人的件数，占受理")),
        "replied_on_time": (_l("按期答复"), _l("在办理期限（含延期）届满前答复的件数，占受理")),
        "late": (_lp("figure", "逾期"), _l("逾期答复的，及办理期限已过仍未答复的件数，占受理")),
        "extended": (_l("延期办理"), _l("经批准延长办理期限的件数，占受理")),
        "review_requested": (_l("请求复查"), _l("信访人请求复查的件数，占已答复")),
        "review_changed": (_l("复查变更"), _l("复查变更原处理意见的件数，占请求复查")),
        "rereview_requested": (_l("请求复核"), _l("信访人请求复核的件数，占请求复查")),
        "rereview_changed": (_l("复核变更"), _l("复核变更复查意见的件数，占请求复核")),
        WITHDRAWN: (
            _l("已撤销"),
            _l("统计期内收到、其后撤销的信访事项件数；不计入以上各项，收到 + 已撤销 = 统计期内登记的全部件数"),
        ),
    },
    "inspection": {
        "rounds": (_l("检查次数"), _l("统计期内启动的监督检查（按启动之日）")),
        "rounds_closed": (_l("已办结的检查"), _l("主席团听取检查情况报告、已办结的次数，占检查次数")),
        "units": (_l("被检查单位（单位次）"), _l("检查计划列入的单位，一次检查中的一个单位计一次")),
        "notified": (_l("已发通知的单位"), _l("已发出书面检查通知的单位次，占被检查单位")),
        "selfchecked": (_l("已报自查报告"), _l("已报送自查自纠报告的单位次，占已通知")),
        "selfcheck_on_time": (_l("按期自查"), _l("在自查期限届满前报送自查报告的单位次，占已通知")),
        "selfcheck_late": (_l("自查逾期"), _l("逾期报送自查报告的，及自查期限已过仍未报送的单位次，占已通知")),
        "inspected": (_l("已提出监查意见"), _l("现场监查后已作出监查结论的单位次，占已通知")),
        "problems_found": (_l("发现问题"), _l("监查结论为发现问题、限期整改的单位次，占已提出监查意见")),
        "rectified": (_l("整改验收通过"), _l("整改经验收通过的单位次，占发现问题")),
        "returned": (_l("退回重新整改"), _l("整改验收至少退回一次的单位次，占发现问题")),
        "units_done": (_l("检查完毕的单位"), _l("本单位检查（含整改验收）已完毕的单位次，占被检查单位")),
        WITHDRAWN: (
            _l("已撤销的检查"),
            _l("统计期内启动、其后撤销的监督检查次数；其单位均不计入以上各项"),
        ),
    },
    "plan": {
        "reception_days": (_l("接待选民日"), _l("统计期内的接待选民日（按接待之日）")),
        "receptions_held": (_l("已开展接待"), _l("已登记接待选民人数和情况的接待日，占接待选民日")),
        "voters_received": (_l("接待选民人次"), _l("已开展接待的接待日登记的接待选民人数之和")),
        "issues": (_l("选民反映问题"), _l("接待选民日登记的问题件数")),
        "issues_replied_on_time": (_l("问题按期答复"), _l("承办单位在反馈期限内答复的问题件数，占选民反映问题")),
        "issues_late": (_l("问题逾期"), _l("逾期答复的，及反馈期限已过仍未答复的问题件数，占选民反映问题")),
        "deputies_scheduled": (_l("安排述职代表"), _l("统计期内述职安排列入的代表人次")),
        "deputies_reported": (_l("已向选民述职"), _l("已向选民述职的代表人次，占安排述职代表")),
        "deputies_satisfied": (_l("述职测评满意"), _l("选民测评为满意或基本满意的代表人次，占已述职")),
        "evaluations": (_l("工作评议"), _l("统计期内启动的部门工作评议次数")),
        "evaluations_done": (_l("已完成评议"), _l("已通报评议结果、办结的评议次数，占工作评议")),
        "units_evaluated": (_l("被评议单位"), _l("评议方案列入的单位次")),
        "units_evaluated_done": (_l("单位评议完毕"), _l("评议（含整改验收）已完毕的单位次，占被评议单位")),
        "units_evaluated_satisfied": (
            _l("评议满意"),
            _l("评议结果为满意或基本满意的单位次，占单位评议完毕"),
        ),
        "reports_due": (_l("应报月度报表"), _l("统计期内各期报送通知列入的单位月报份数")),
        "reports_submitted": (_l("已报送月报"), _l("已报送（含退回补报）的月报份数，占应报")),
        "reports_on_time": (_l("按时报送月报"), _l("审核合格的版本在报送期限内报送的月报份数，占应报")),
        "reports_late": (_l("月报逾期"), _l("逾期报送的，及报送期限已过仍未报送的月报份数，占应报")),
        "thematic_due": (_l("专题汇报"), _l("统计期内各期报送通知列入的专题汇报单位次（一般在 1 月、7 月）")),
        "thematic_heard": (_l("已听取专题汇报"), _l("主席团已听取的专题汇报，占专题汇报")),
        WITHDRAWN: (
            _l("已撤销的事项"),
            _l("统计期内启动、其后撤销的接待选民日、代表述职、部门工作评议和单位报送，每项计一次；不计入以上各项"),
        ),
    },
}


def _counted(definition: LazyString) -> LazyString:
    """A definition as the figure is counted: without the cancelled cases (撤销), which only
    the figure withdrawn counts."""
    return _l("%(definition)s；已撤销的案件不计入", definition=definition)


FIGURE_TEXT = {
    process: {
        key: (name, definition if key == WITHDRAWN else _counted(definition))
        for key, (name, definition) in texts.items()
    }
    for process, texts in _DEFINED.items()
}
# the columns of the per-unit table (the rest are overall only)
UNIT_COLUMNS = {
    "proposal": ("received", "replied", "replied_on_time", "late", "satisfied_final", "class_a", "reassigned"),
    "petition": ("received", "accepted", "replied", "replied_on_time", "late"),
    "inspection": ("units", "notified", "selfcheck_on_time", "problems_found", "rectified", "units_done"),
    "plan": (
        "issues",
        "issues_replied_on_time",
        "units_evaluated",
        "units_evaluated_satisfied",
        "reports_due",
        "reports_on_time",
        "reports_late",
    ),
}
# what the per-unit chart plots of a column that has a rate (件数 ÷ 基数, see FIGURE_TEXT): the
# rate, by its name; a column without one (收到, ...) is in the table only
RATE_NAMES = {
    "proposal": {
        "replied": _l("答复率"),
        "replied_on_time": _l("按期答复率"),
        "late": _l("逾期率"),
        "satisfied_final": _l("满意率（最终评价）"),
        "class_a": _l("办成率"),
    },
    "petition": {
        "accepted": _l("受理率"),
        "replied": _l("答复率"),
        "replied_on_time": _l("按期答复率"),
        "late": _l("逾期率"),
    },
    "inspection": {
        "notified": _l("通知发出率"),
        "selfcheck_on_time": _l("按期自查率"),
        "problems_found": _l("问题发现率"),
        "rectified": _l("整改验收通过率"),
        "units_done": _l("检查完毕率"),
    },
    "plan": {
        "issues_replied_on_time": _l("问题按期答复率"),
        "units_evaluated_satisfied": _l("评议满意率"),
        "reports_on_time": _l("月报按时报送率"),
        "reports_late": _l("月报逾期率"),
    },
}
# the trend per month (statistics.trend): the title of its count, each case once in the month
# it came in (named as the family's figure that counts the same cases, where there is one),
# and what its columns count
_REPLIED_TREND = _l(
    "收到：当月收到或登记的件数；答复、按期答复：统计期内收到的案件中当月首次答复的件数。已撤销的案件不计入。"
)
TREND_TEXT = {
    "proposal": (FIGURE_TEXT["proposal"]["received"][0], _REPLIED_TREND),
    "petition": (FIGURE_TEXT["petition"]["received"][0], _REPLIED_TREND),
    "inspection": (
        FIGURE_TEXT["inspection"]["rounds"][0],
        _l("检查次数：当月启动的监督检查，每次检查计一次，不论涉及几个单位、整改退回几次。已撤销的不计入。"),
    ),
    "plan": (
        _l("启动事项"),
        _l("启动事项：当月启动的接待选民日、代表述职、部门工作评议和单位报送，每项计一次。已撤销的不计入。"),
    ),
}
# the per-unit row of what belongs to no unit: proposals not assigned yet; petitions handled
# without a handling unit (answered on the spot, not accepted, or still being examined: "not
# assigned" read as if they were all waiting); the rounds, reception days and deputies of the
# item families (its cases behind: ``no_unit=1``)
NO_UNIT = {"proposal": _l("未交办"), "petition": _l("无承办单位"), "inspection": _l("不分单位"), "plan": _l("不分单位")}
# 办理用时, on the page and in the download
HANDLING_TIME_TEXT = _l("自交办（受理）至首次答复的天数，已答复的案件；已撤销的案件不计入")


def _query() -> tuple[str, Period]:
    process = request.args.get("process", "proposal")
    if process not in PROCESSES:
        abort(404)
    return process, _period()


def _period() -> Period:
    """The period asked for: a preset (``preset=session|year|first_half|second_half|
    last_year``), else the dates ``from`` / ``to`` (custom)."""
    today = clock.now().astimezone(LOCAL_TZ).date()
    preset = request.args.get("preset")
    if preset and not (request.args.get("from") or request.args.get("to")):
        return Period.preset(preset, today, statistics.session_opens(database.session()))
    return Period.parse(request.args.get("from"), request.args.get("to"), today)


def _page(process: str, period: Period | None, result: Statistics | None, errors: dict[str, str], status: int = 200):
    trend = statistics.trend(database.session(), current_actor(), process, period) if result and period else []
    bar = _unit_chart(process, result) if result else None
    return (
        render_template(
            "statistics/index.html",
            process=process,
            processes=PROCESSES,
            period=period,
            result=result,
            texts=FIGURE_TEXT[process],
            unit_columns=UNIT_COLUMNS[process],
            unit_rows=_unit_rows(process, result) if result else [],
            no_unit=NO_UNIT[process],
            handling_time_text=HANDLING_TIME_TEXT,
            units=statistics.unit_names(database.session()),
            errors=errors,
            query=urlencode({"process": process, "from": period.start, "to": period.end}) if period else "",
            presets=_presets(),
            trend=trend,
            trend_text=TREND_TEXT[process],
            trend_label=_trend_label(process, trend),
            bar=bar,
            bar_label=_unit_chart_label(bar) if bar else "",
            # the year's ledger of the process shown, for whoever may export it (the office head
            # has no way to the import page, where the administrator finds it)
            ledger=LEDGERS.get(process) if access.may_export_ledger(current_actor()) else None,
        ),
        status,
    )


def _presets() -> list[tuple[str, Period]]:
    """The periods a congress reports on: the session year, this year, its halves, last year."""
    today = clock.now().astimezone(LOCAL_TZ).date()
    year = today.year

    def preset(name: str) -> Period:
        return Period.preset(name, today, statistics.session_opens(database.session()))

    session = preset("session")
    return [
        (_("人代会年度（%(start)s 起）", start=session.start.isoformat()), session),
        (_("%(year)s 年", year=year), preset("year")),
        (_("%(year)s 年上半年", year=year), preset("first_half")),
        (_("%(year)s 年下半年", year=year), preset("second_half")),
        (_("%(year)s 年", year=year - 1), preset("last_year")),
    ]


@bp.get("/")
def index():
    try:
        process, period = _query()
    except InvalidData as exc:
        process = request.args.get("process", "proposal")
        return _page(process if process in PROCESSES else "proposal", None, None, field_messages(exc.codes), 422)
    result = statistics.statistics(database.session(), current_actor(), process, period)
    return _page(process, period, result, {})


@bp.get("/cases")
def cases():
    process, period = _query()
    figure = request.args.get("figure", "")
    # the row of no unit says so (no_unit=1); an empty or absent unit is every unit's
    unit = request.args.get("unit") or None
    no_unit = unit is None and request.args.get("no_unit") == "1"
    month = request.args.get("month") or None  # a number of the trend: the month's
    rows = statistics.cases_behind(
        database.session(), current_actor(), process, period, figure, unit, no_unit=no_unit, month=month
    )
    name, definition = FIGURE_TEXT[process].get(figure, (figure, ""))
    if month is not None and figure == statistics.TREND_RECEIVED:
        name, definition = TREND_TEXT[process]  # the item families count their cases started
    return render_template(
        "statistics/cases.html",
        process=process,
        processes=PROCESSES,
        period=period,
        figure=figure,
        name=name,
        definition=definition,
        unit=unit,
        month=month,
        no_unit_name=NO_UNIT[process] if no_unit else None,
        rows=rows,
        units=statistics.unit_names(database.session()),
    )


@bp.get("/export.<fmt>")
def export(fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    process, period = _query()
    result = statistics.statistics(database.session(), current_actor(), process, period)
    texts, units = FIGURE_TEXT[process], statistics.unit_names(database.session())
    headers = [_("指标"), _("件数"), _("基数"), _("比率（%）"), _("口径")]
    rows = [[texts[k][0], f.count, f.base, f.rate, texts[k][1]] for k, f in result.overall.items()]
    rows.append([])
    if result.handling_days.get("average") is not None:  # 办理用时, as the page shows it under the figures
        rows.append([_("指标"), _("平均天数"), _("最长天数"), _("口径")])
        days = result.handling_days
        rows.append([_("办理用时"), days["average"], days["slowest"], str(HANDLING_TIME_TEXT)])
        rows.append([])
    # per unit, each figure's count and (where it has one) its rate, each in a column headed so
    columns = UNIT_COLUMNS[process]
    heads: list[str] = [_("单位")]
    for k in columns:
        heads.append(_("%(name)s·件数", name=texts[k][0]))
        if result.overall[k].base is not None:
            heads.append(_("%(name)s·比率（%%）", name=texts[k][0]))
    rows.append(heads)
    for u in _unit_rows(process, result):
        name = units.get(u.unit, u.unit) if u.unit else str(NO_UNIT[process])
        cells: list[object] = [name]
        for k in columns:
            f = u.figures[k]
            cells += [f.count, f.rate] if f.base is not None else [f.count]
        rows.append(cells)
    trend = statistics.trend(database.session(), current_actor(), process, period)
    if trend:
        rows.append([])
        rows.append([_("月份"), *(str(name) for name in _trend_names(process))])
        rows += [[m.month, *_trend_values(m)] for m in trend]
    name = f"{_('%(process)s统计', process=PROCESSES[process])}_{period.start.isoformat()}_{period.end.isoformat()}"
    # what the workbook counts, on a sheet of its own (a CSV's first row stays the header)
    about = [
        (_("统计期间"), _("%(start)s 至 %(end)s", start=period.start.isoformat(), end=period.end.isoformat())),
        (_("流程"), str(PROCESSES[process])),
        (_("导出时间"), clock.now()),
    ]
    return exports.download(name, fmt, headers, rows, sheet=str(PROCESSES[process]), about=about)


def _unit_rows(process: str, result: Statistics) -> list[statistics.UnitFigures]:
    """The rows of a per-unit table: every unit's; the row of no unit (不分单位: the rounds,
    reception days and deputies) only when it counts something the table shows."""
    columns = UNIT_COLUMNS[process]
    return [u for u in result.units if u.unit is not None or any(u.figures[k].count for k in columns)]


def _trend_names(process: str) -> list[str]:
    """The trend table's columns after the month."""
    counted = TREND_TEXT[process][0]
    if process in statistics.TREND_FAMILIES:
        return [counted, _("答复"), _("按期答复")]
    return [counted]


def _trend_values(m: statistics.MonthFigures) -> list[int]:
    return [m.received] if m.replied is None else [m.received, m.replied, m.replied_on_time or 0]


def _report():
    period = _period()
    report = statistics.period_report(database.session(), current_actor(), period)
    return period, report, statistics.unit_names(database.session())


# per unit counted under another unit than the one holding the case (改办: the unit that
# returned it): the report defines it under its table, as it defines the rates
COUNTED_UNDER_ANOTHER_UNIT = frozenset({"reassigned"})


def _unit_table(
    process: str, result: Statistics, units: dict[str, str]
) -> tuple[list[str], list[list[str]], list[str]]:
    """The report's table per unit: each figure's count and, where it has one, its rate in
    brackets, as the 统计 page's table shows them ("6（85.7%）" under 满意率); and the notes
    under it: what the brackets hold, and the definition of each column with a rate or counted
    under another unit than the case's (``COUNTED_UNDER_ANOTHER_UNIT``)."""
    texts, columns = FIGURE_TEXT[process], UNIT_COLUMNS[process]
    headers = [_("单位"), *(str(texts[k][0]) for k in columns)]
    rows = [
        [
            units.get(u.unit, u.unit) if u.unit else str(NO_UNIT[process]),
            *(count_and_rate(u.figures[k]) for k in columns),
        ]
        for u in _unit_rows(process, result)
    ]
    rated = [k for k in columns if result.overall[k].base is not None]
    notes = [_("括号内为比率。")] if rated else []
    defined = [k for k in columns if k in rated or k in COUNTED_UNDER_ANOTHER_UNIT]
    notes += [_("%(name)s：%(definition)s", name=texts[k][0], definition=texts[k][1]) for k in defined]
    return headers, rows, notes


def _unit_chart(process: str, result: Statistics) -> dict[str, object]:
    """The per-unit chart's numbers: for each column of the unit table that has a rate, the
    rate of each unit (None where its base is 0), named as a rate and plotted on a % axis, with
    the count and the base for the tooltip. A unit with no rate at all (the row of what is not
    assigned yet) is left out of the chart; the table lists it."""
    units = statistics.unit_names(database.session())
    keys = [k for k in UNIT_COLUMNS[process] if result.overall[k].base is not None]
    shown = [u for u in result.units if any(u.figures[k].rate is not None for k in keys)]
    by_unit = _("按单位")
    return {
        "title": f"{PROCESSES[process]} · {by_unit}",
        "units": [u.unit for u in shown],
        "categories": [units.get(u.unit, u.unit) if u.unit else str(NO_UNIT[process]) for u in shown],
        "series": [
            {
                "key": k,
                "name": str(RATE_NAMES[process][k]),
                "data": [u.figures[k].rate for u in shown],
                "counts": [u.figures[k].count for u in shown],
                "bases": [u.figures[k].base for u in shown],
            }
            for k in keys
        ],
    }


def _unit_chart_label(bar: dict[str, Any]) -> str:
    """The per-unit chart as a screen reader hears it (its box's aria-label): its title and
    each unit's rates, by name ("财政所：答复率 80.0%，…"), a rate of no base left out."""
    figures = [
        _(
            "%(label)s：%(value)s",
            label=unit,
            value=_("，").join(
                f"{series['name']} {series['data'][i]:.1f}%"
                for series in bar["series"]
                if series["data"][i] is not None
            ),
        )
        for i, unit in enumerate(bar["categories"])
    ]
    return _chart_label(bar["title"], figures)


def _trend_label(process: str, trend: list[statistics.MonthFigures]) -> str:
    """The trend chart as a screen reader hears it (its box's aria-label): its title and each
    month's counts, by the trend table's columns."""
    title = f"{PROCESSES[process]} · {_('按月趋势')}"
    names = _trend_names(process)
    figures = [
        _(
            "%(label)s：%(value)s",
            label=m.month,
            value=_("，").join(f"{name} {count}" for name, count in zip(names, _trend_values(m), strict=True)),
        )
        for m in trend
    ]
    return _chart_label(title, figures)


def _chart_label(title: str, figures: list[str]) -> str:
    """A chart said in words: its title, then its figures (``figures``), or that it has none
    yet, as the pie's label says it (statistics/index.html)."""
    return _("%(what)s（%(name)s）", what=title, name=_("；").join(figures) if figures else _("暂无数据"))


@bp.get("/report")
def report():
    """工作报告统计部分: the period's figures as sentences and tables, printable on A4."""
    period, report, units = _report()
    sections = [
        (PROCESSES[key], PARAGRAPHS[key](result), *_unit_table(key, result, units)) for key, result in report.items()
    ]
    return render_template("statistics/report.html", period=period, sections=sections)


def _a4(document: DocxDocument) -> None:
    """A4 portrait (python-docx's default template is US Letter), the margins a Chinese
    official document keeps (GB/T 9704: 37 / 35 / 28 / 26 mm)."""
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)


# The East-Asian fonts of a Chinese official document (GB/T 9704): the text in 仿宋, the
# headings in 黑体. python-docx's default template names only theme fonts and the language
# en-US for East-Asian text, so Word falls back to a font of its own choosing for the Chinese.
BODY_FONT, HEADING_FONT = "仿宋", "黑体"
_STYLE_FONTS = {"Normal": BODY_FONT, "Heading 1": HEADING_FONT, "Heading 2": HEADING_FONT}


def _chinese_fonts(document: DocxDocument) -> None:
    """The document's East-Asian fonts (``_STYLE_FONTS``, and the body's as the default of
    every run), no theme font over them, its East-Asian language zh-CN."""
    defaults: CT_RPr | None = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if defaults is not None:
        _east_asian(defaults, BODY_FONT)
        if (language := defaults.find(qn("w:lang"))) is not None:
            language.set(qn("w:eastAsia"), "zh-CN")
    for name, font in _STYLE_FONTS.items():
        _east_asian(document.styles[name].element.get_or_add_rPr(), font)


def _east_asian(run_properties: CT_RPr, font: str) -> None:
    fonts = run_properties.get_or_add_rFonts()
    fonts.attrib.pop(qn("w:eastAsiaTheme"), None)  # a theme font named there is used over the font
    fonts.set(qn("w:eastAsia"), font)


@bp.get("/report.docx")
def report_docx():
    """The same as a Word document (python-docx), to paste into the semi-annual report."""
    period, report, units = _report()
    document = Document()
    _a4(document)
    _chinese_fonts(document)
    document.add_heading(_("%(start)s 至 %(end)s 工作统计", start=period.start, end=period.end), level=1)
    for key, result in report.items():
        document.add_heading(str(PROCESSES[key]), level=2)
        document.add_paragraph(PARAGRAPHS[key](result))
        headers, rows, notes = _unit_table(key, result, units)
        if not rows:  # a section with nothing to count by unit: its sentence says so, no empty table
            continue
        table = document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            cell.text = text
        for row in rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = value
        for note in notes:
            document.add_paragraph(note)
    out = io.BytesIO()
    document.save(out)
    name = f"{_('工作统计')}_{period.start.isoformat()}_{period.end.isoformat()}.docx"
    return Response(
        out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
