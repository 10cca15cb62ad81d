"""Named deadline settings: the statutory periods processes refer to with ``setting(name)``.

The defaults are the seed values of the domain brief; an administrator overrides any of
them (``settings`` table) without touching code or BPMN. The ``script.*`` settings are
not deadlines: they bound what a process's scripts and expressions may spend, so that a
runaway script fails on its own instead of holding the database's write lock.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SettingSpec:
    default: int
    unit: str
    description: str


DEFAULTS: dict[str, SettingSpec] = {
    "proposal.reply_months": SettingSpec(
        3, "months", "代表建议答复期限 reply to a deputy's suggestion, from assignment"
    ),
    "proposal.max_extension_months": SettingSpec(
        3, "months", "经批准可延长 extension on top of the reply period (6 months in all)"
    ),
    "proposal.cohandling_months": SettingSpec(
        1, "months", "协办单位向主办单位提出意见 co-handling unit's view to the lead unit"
    ),
    "proposal.rehandle_months": SettingSpec(1, "months", "不满意重新办理 re-handling after an unsatisfied evaluation"),
    "proposal.evaluation_working_days": SettingSpec(
        20, "working days", "代表反馈意见(回执) deputy's evaluation of a reply"
    ),
    "petition.accept_days": SettingSpec(
        15, "days", "信访事项是否受理告知 decide whether to accept and tell the petitioner"
    ),
    "petition.handle_days": SettingSpec(60, "days", "办理并书面答复 handle and reply, from acceptance"),
    "petition.max_extension_days": SettingSpec(30, "days", "延长办理期限 extension of handling, with reasons"),
    "petition.review_request_days": SettingSpec(
        30, "days", "请求复查/复核 petitioner's request for review / re-review, from the reply"
    ),
    "petition.review_days": SettingSpec(30, "days", "复查/复核意见 review / re-review opinion"),
    "inspection.selfcheck_days": SettingSpec(15, "days", "自查自纠 self-check and self-correction report"),
    "inspection.rectification_days": SettingSpec(30, "days", "整改 rectification report"),
    "proposal.followup_months": SettingSpec(3, "months", "跟踪办理 next progress report on a class B reply"),
    "voter_reception.feedback_days": SettingSpec(30, "days", "接待选民日 unit's reply to a voter's issue"),
    "unit_report.monthly_due_days": SettingSpec(10, "days", "每月报表 monthly report due"),
    "unit_report.thematic_due_days": SettingSpec(20, "days", "专题汇报 half-yearly thematic report due"),
    "department_evaluation.selfreport_days": SettingSpec(15, "days", "评议 department's self-report due"),
    "department_evaluation.rectification_days": SettingSpec(30, "days", "评议整改 rectification due"),
    "reminder.working_days_before": SettingSpec(3, "working days", "到期提醒 reminder before a due date"),
    # Not deadlines: what one script or expression of a process may spend (engine.bpmn.sandbox).
    "script.time_budget_ms": SettingSpec(
        1000,
        "ms",
        "脚本时限 wall-clock time one script or expression may run; a use case's engine steps together 5 times this",
    ),
    "script.step_budget": SettingSpec(
        1_000_000, "steps", "脚本步数上限 loop iterations and function calls one script or expression may make"
    ),
}

SCRIPT_TIME_BUDGET = "script.time_budget_ms"
SCRIPT_STEP_BUDGET = "script.step_budget"


def resolve(overrides: dict[str, str]) -> dict[str, int]:
    """The effective settings: defaults, with stored overrides on top."""
    values = {name: spec.default for name, spec in DEFAULTS.items()}
    for name, raw in overrides.items():
        values[name] = int(raw)
    return values
