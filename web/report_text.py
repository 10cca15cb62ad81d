"""The period report's sentences (工作报告统计部分): the figures of a period written as a
work summary quotes them, in the reader's language; the page and the .docx share them."""

from __future__ import annotations

from flask_babel import gettext as _

from engine.usecases.statistics import Figure, Statistics


def _rate(f: Figure) -> str:
    return f"{f.rate:.1f}%" if f.rate is not None else "—"


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


PARAGRAPHS = {"proposal": proposal_paragraph, "petition": petition_paragraph}
