"""The period report's sentences (工作报告统计部分): the figures of a period written as a
work summary quotes them, in the reader's language; the page and the .docx share them. The
cancelled cases (撤销: withdrawn, merged), which no figure counts, are said after the figures
when there are any, so that the sentences add up to the register."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import ngettext

from engine.usecases.statistics import Figure, Statistics


def _rate(f: Figure) -> str:
    return f"{f.rate:.1f}%" if f.rate is not None else "—"


def count_and_rate(f: Figure) -> str:
    """A figure as a report's table cell: its count and, where it has a rate, the rate in
    brackets ("6（85.7%）"; "0（—）" over a base of 0), as the 统计 page shows them."""
    if f.base is None:
        return str(f.count)
    return _("%(count)s（%(rate)s）", count=f.count, rate=_rate(f))


def _said(*sentences: Sequence[Sequence[str]]) -> str:
    """Sentences of clause groups: a group's clauses joined by ，, the groups by ；, each sentence
    ended by 。 (a sentence of no group is left out). Each clause says one count, by
    ``ngettext`` ("1 voter reception day was held", "2 … days were held"); the Chinese is the
    same for both (no plural), the msgids too."""
    comma, semicolon, stop = _("，"), _("；"), _("。")
    return "".join(
        semicolon.join(comma.join(group) for group in groups) + stop for groups in sentences if groups
    ).strip()


def proposal_paragraph(s: Statistics) -> str:
    o = s.overall
    received = o["received"].count
    assigned = (
        _("均已交办")
        if o["assigned"].count == received and received
        else ngettext("已交办%(num)s件", "已交办%(num)s件", o["assigned"].count)
    )
    return _said(
        [
            [ngettext("收到代表建议%(num)s件", "收到代表建议%(num)s件", received), assigned],
            [
                ngettext(
                    "已答复%(num)s件，答复率%(rate)s",
                    "已答复%(num)s件，答复率%(rate)s",
                    o["replied"].count,
                    rate=_rate(o["replied"]),
                ),
                ngettext(
                    "其中按期答复%(num)s件，按期答复率%(rate)s",
                    "其中按期答复%(num)s件，按期答复率%(rate)s",
                    o["replied_on_time"].count,
                    rate=_rate(o["replied_on_time"]),
                ),
            ],
        ],
        [
            [
                ngettext("代表反馈评价%(num)s件", "代表反馈评价%(num)s件", o["evaluated"].count),
                ngettext(
                    "满意和基本满意%(num)s件，满意率%(rate)s（首次评价满意率%(first_rate)s）",
                    "满意和基本满意%(num)s件，满意率%(rate)s（首次评价满意率%(first_rate)s）",
                    o["satisfied_final"].count,
                    rate=_rate(o["satisfied_final"]),
                    first_rate=_rate(o["satisfied_first"]),
                ),
            ],
            [
                ngettext(
                    "答复为A类（已解决或基本解决）%(num)s件，办成率%(rate)s",
                    "答复为A类（已解决或基本解决）%(num)s件，办成率%(rate)s",
                    o["class_a"].count,
                    rate=_rate(o["class_a"]),
                )
            ],
        ],
        [
            [
                _extended(o["extended"].count),
                # said when there are any, as the withdrawn are: a re-assignment is the exception
                *_reassigned(o["reassigned"].count),
                # sent to re-handling, and of those replied again: "重新办理N件" would be read as N done
                ngettext(
                    "要求重新办理%(num)s件（其中已重新答复%(done)s件）",
                    "要求重新办理%(num)s件（其中已重新答复%(done)s件）",
                    o["rehandled"].count,
                    done=o["rehandle_replied"].count,
                ),
                ngettext("最终不满意%(num)s件", "最终不满意%(num)s件", o["finally_unsatisfied"].count),
            ]
        ],
        _withdrawn(
            o,
            ngettext(
                "另有%(num)s件建议已撤销（撤回或并案），未计入以上数字",
                "另有%(num)s件建议已撤销（撤回或并案），未计入以上数字",
                o["withdrawn"].count,
            ),
        ),
    )


def _withdrawn(o: dict[str, Figure], clause: str) -> list[list[str]]:
    """The sentence of the cancelled cases (撤销), which no figure above counts; none when
    there are none."""
    return [[clause]] if o["withdrawn"].count else []


def _extended(n: int) -> str:
    return ngettext("经批准延期办理%(num)s件", "经批准延期办理%(num)s件", n)


def _reassigned(n: int) -> list[str]:
    """The clause of the proposals re-assigned (改办) after their unit returned them; none when
    none was."""
    return [ngettext("退回改办%(num)s件", "退回改办%(num)s件", n)] if n else []


def petition_paragraph(s: Statistics) -> str:
    o = s.overall
    channels = _("、").join(
        [
            ngettext("来信%(num)s件", "来信%(num)s件", o["channel_letter"].count),
            ngettext("来访%(num)s件", "来访%(num)s件", o["channel_visit"].count),
            ngettext("意见箱%(num)s件", "意见箱%(num)s件", o["channel_opinion_box"].count),
        ]
    )
    received = ngettext("收到信访事项%(num)s件", "收到信访事项%(num)s件", o["received"].count)
    reviews = _("、").join(
        [
            ngettext("信访人请求复查%(num)s件", "信访人请求复查%(num)s件", o["review_requested"].count),
            ngettext("复核%(num)s件", "复核%(num)s件", o["rereview_requested"].count),
        ]
    )
    return _said(
        [
            [
                received + _("（%(channels)s）", channels=channels),
                # told in time counts both decisions: said after the decisions, not after 受理
                ngettext("已审查%(num)s件", "已审查%(num)s件", o["decided"].count),
                ngettext("其中受理%(num)s件", "其中受理%(num)s件", o["accepted"].count),
                ngettext(
                    "%(num)s件在收到之日起15日内告知是否受理",
                    "%(num)s件在收到之日起15日内告知是否受理",
                    o["accepted_on_time"].count,
                ),
            ],
            [
                ngettext("已书面答复%(num)s件", "已书面答复%(num)s件", o["replied"].count),
                ngettext("其中按期答复%(num)s件", "其中按期答复%(num)s件", o["replied_on_time"].count),
            ],
            [_extended(o["extended"].count)],
            [reviews],
        ],
        _withdrawn(
            o,
            ngettext(
                "另有%(num)s件信访事项已撤销，未计入以上数字",
                "另有%(num)s件信访事项已撤销，未计入以上数字",
                o["withdrawn"].count,
            ),
        ),
    )


def inspection_paragraph(s: Statistics) -> str:
    o = s.overall
    rectified = ngettext("整改验收%(num)s个", "整改验收%(num)s个", o["rectified"].count) + ngettext(
        "（其中退回重新整改%(num)s个）", "（其中退回重新整改%(num)s个）", o["returned"].count
    )
    return _said(
        [
            [
                ngettext("开展监督检查%(num)s次", "开展监督检查%(num)s次", o["rounds"].count),
                ngettext("涉及单位%(num)s个（次）", "涉及单位%(num)s个（次）", o["units"].count),
                ngettext("已发出书面通知%(num)s个", "已发出书面通知%(num)s个", o["notified"].count),
                ngettext("按期报送自查报告%(num)s个", "按期报送自查报告%(num)s个", o["selfcheck_on_time"].count),
            ],
            [ngettext("发现问题%(num)s个", "发现问题%(num)s个", o["problems_found"].count), rectified],
        ],
        _withdrawn(
            o,
            ngettext(
                "另有%(num)s次监督检查已撤销，未计入以上数字",
                "另有%(num)s次监督检查已撤销，未计入以上数字",
                o["withdrawn"].count,
            ),
        ),
    )


def plan_paragraph(s: Statistics) -> str:
    """The plan's work: reception days and the voters they received, the deputies' reports and
    how the voters rated them, the evaluations and their results, the thematic reports heard,
    the monthly reports."""
    o = s.overall
    return _said(
        [
            [
                ngettext("开展接待选民日活动%(num)s次", "开展接待选民日活动%(num)s次", o["receptions_held"].count),
                ngettext("接待选民%(num)s人次", "接待选民%(num)s人次", o["voters_received"].count),
                ngettext("登记选民反映问题%(num)s件", "登记选民反映问题%(num)s件", o["issues"].count),
                ngettext("按期答复%(num)s件", "按期答复%(num)s件", o["issues_replied_on_time"].count),
            ],
            [
                ngettext("%(num)s名代表向选民述职", "%(num)s名代表向选民述职", o["deputies_reported"].count),
                ngettext(
                    "其中%(num)s名测评为满意或基本满意",
                    "其中%(num)s名测评为满意或基本满意",
                    o["deputies_satisfied"].count,
                ),
            ],
            [
                ngettext("开展部门工作评议%(num)s次", "开展部门工作评议%(num)s次", o["evaluations"].count),
                ngettext("评议单位%(num)s个（次）", "评议单位%(num)s个（次）", o["units_evaluated"].count),
                ngettext("评议完毕%(num)s个", "评议完毕%(num)s个", o["units_evaluated_done"].count),
                ngettext(
                    "其中满意和基本满意%(num)s个",
                    "其中满意和基本满意%(num)s个",
                    o["units_evaluated_satisfied"].count,
                ),
            ],
            [
                ngettext("安排专题汇报%(num)s个（次）", "安排专题汇报%(num)s个（次）", o["thematic_due"].count),
                ngettext("主席团已听取%(num)s个", "主席团已听取%(num)s个", o["thematic_heard"].count),
            ],
            [
                ngettext("单位应报月度报表%(num)s份", "单位应报月度报表%(num)s份", o["reports_due"].count),
                ngettext(
                    "按时报送%(num)s份，按时报送率%(rate)s",
                    "按时报送%(num)s份，按时报送率%(rate)s",
                    o["reports_on_time"].count,
                    rate=_rate(o["reports_on_time"]),
                ),
            ],
        ],
        _withdrawn(
            o,
            ngettext(
                "另有%(num)s项工作已撤销，未计入以上数字",
                "另有%(num)s项工作已撤销，未计入以上数字",
                o["withdrawn"].count,
            ),
        ),
    )


PARAGRAPHS = {
    "proposal": proposal_paragraph,
    "petition": petition_paragraph,
    "inspection": inspection_paragraph,
    "plan": plan_paragraph,
}
