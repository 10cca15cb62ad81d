"""The period report's sentences (工作报告统计部分): the figures of a period written as a
work summary quotes them, in the reader's language; the page and the .docx share them."""

from __future__ import annotations

from flask_babel import gettext as _

from engine.usecases.statistics import Figure, Statistics


def _rate(f: Figure) -> str:
    return f"{f.rate:.1f}%" if f.rate is not None else "—"


def count_and_rate(f: Figure) -> str:
    """A figure as a report's table cell: its count and, where it has a rate, the rate in
    brackets ("6（85.7%）"; "0（—）" over a base of 0), as the 统计 page shows them."""
    if f.base is None:
        return str(f.count)
    return _("%(count)s（%(rate)s）", count=f.count, rate=_rate(f))


def proposal_paragraph(s: Statistics) -> str:
    o = s.overall
    assigned = (
        _("均已交办")
        if o["assigned"].count == o["received"].count and o["received"].count
        else _("已交办%(n)s件", n=o["assigned"].count)
    )
    return _(
        "收到代表建议%(received)s件，%(assigned)s；已答复%(replied)s件，答复率%(reply_rate)s，"
        "其中按期答复%(on_time)s件，按期答复率%(on_time_rate)s。代表反馈评价%(evaluated)s件，"
        "满意和基本满意%(satisfied)s件，满意率%(satisfied_rate)s（首次评价满意率%(first_rate)s）；"
        "答复为A类（已解决或基本解决）%(class_a)s件，办成率%(class_a_rate)s。经批准延期办理%(extended)s件，"
        "重新办理%(rehandled)s件，最终不满意%(unsatisfied)s件。",
        received=o["received"].count,
        assigned=assigned,
        replied=o["replied"].count,
        reply_rate=_rate(o["replied"]),
        on_time=o["replied_on_time"].count,
        on_time_rate=_rate(o["replied_on_time"]),
        evaluated=o["evaluated"].count,
        satisfied=o["satisfied_final"].count,
        satisfied_rate=_rate(o["satisfied_final"]),
        first_rate=_rate(o["satisfied_first"]),
        class_a=o["class_a"].count,
        class_a_rate=_rate(o["class_a"]),
        extended=o["extended"].count,
        rehandled=o["rehandled"].count,
        unsatisfied=o["finally_unsatisfied"].count,
    )


def petition_paragraph(s: Statistics) -> str:
    o = s.overall
    return _(
        "收到信访事项%(received)s件（来信%(letters)s件、来访%(visits)s件、意见箱%(box)s件），"
        "受理%(accepted)s件，%(accepted_on_time)s件在收到之日起15日内告知；已书面答复%(replied)s件，"
        "其中按期答复%(on_time)s件；经批准延期办理%(extended)s件；信访人请求复查%(reviews)s件、"
        "复核%(rereviews)s件。",
        received=o["received"].count,
        letters=o["channel_letter"].count,
        visits=o["channel_visit"].count,
        box=o["channel_opinion_box"].count,
        accepted=o["accepted"].count,
        accepted_on_time=o["accepted_on_time"].count,
        replied=o["replied"].count,
        on_time=o["replied_on_time"].count,
        extended=o["extended"].count,
        reviews=o["review_requested"].count,
        rereviews=o["rereview_requested"].count,
    )


def inspection_paragraph(s: Statistics) -> str:
    o = s.overall
    return _(
        "开展监督检查%(rounds)s次，涉及单位%(units)s个（次），已发出书面通知%(notified)s个，"
        "按期报送自查报告%(on_time)s个；发现问题%(problems)s个，整改验收%(rectified)s个"
        "（其中退回重新整改%(returned)s个）。",
        rounds=o["rounds"].count,
        units=o["units"].count,
        notified=o["notified"].count,
        on_time=o["selfcheck_on_time"].count,
        problems=o["problems_found"].count,
        rectified=o["rectified"].count,
        returned=o["returned"].count,
    )


def plan_paragraph(s: Statistics) -> str:
    o = s.overall
    return _(
        "开展接待选民日活动%(held)s次，登记选民反映问题%(issues)s件，按期答复%(issues_on_time)s件；"
        "%(reported)s人次代表向选民述职，测评满意和基本满意%(satisfied)s人次；开展部门工作评议%(evaluations)s次，"
        "评议单位%(units_evaluated)s个（次）；单位应报月度报表%(reports_due)s份，按时报送%(reports_on_time)s份，"
        "按时报送率%(reports_rate)s。",
        held=o["receptions_held"].count,
        issues=o["issues"].count,
        issues_on_time=o["issues_replied_on_time"].count,
        reported=o["deputies_reported"].count,
        satisfied=o["deputies_satisfied"].count,
        evaluations=o["evaluations"].count,
        units_evaluated=o["units_evaluated"].count,
        reports_due=o["reports_due"].count,
        reports_on_time=o["reports_on_time"].count,
        reports_rate=_rate(o["reports_on_time"]),
    )


PARAGRAPHS = {
    "proposal": proposal_paragraph,
    "petition": petition_paragraph,
    "inspection": inspection_paragraph,
    "plan": plan_paragraph,
}
