"""Named deadline settings: the statutory periods processes refer to with ``setting(name)``.

The defaults are the seed values of the domain brief; an administrator overrides any of
them (``settings`` table) without touching code or BPMN. The ``script.*`` settings are
not deadlines: they bound what a process's scripts and expressions may spend, so that a
runaway script fails on its own instead of holding the database's write lock.

**Bounds.** Every setting has a least and a greatest value (``SettingSpec.minimum`` /
``maximum``), chosen so that no value in range can break a process or the server:

* a period in days: 1..365. A statutory period of 0 days would fall due the day it starts
  (a typing slip, not a rule); none of the congress's periods is longer than a year.
* a period in months: 1..24 (the longest here is 6 months with its extension).
* a period in working days: 1..120 (about half a year of working days).
* an extension (``*.max_extension_*``): from 0, which means "no extension is granted",
  to 365 days / 24 months.
* the reminder: 0..30 working days before the due date; 0 turns reminders off.
* the script budgets: from the floor the sandbox has anyway (engine.bpmn.sandbox
  ``MIN_TIME_MS`` = 50 ms, ``MIN_STEPS`` = 10,000; this module may not import the sandbox, a
  unit test holds the numbers together) to 10,000 ms (all the engine steps of one action may
  then hold the case's lock for 50 s, already far too long) and 100,000,000 steps (100
  times the default; the time budget ends such a script first anyway).

``set_setting`` (engine.usecases.deadlines) refuses a value out of range (field error
``min`` / ``max``). A value stored before the bounds existed may be out of range:
:func:`resolve` **clamps** it to the nearest bound rather than refusing it. It runs inside
every use case that computes a deadline and in the scheduler, so refusing there would stop
every case over one stale row; the nearest bound is what the administrator could have set,
and it is what the sandbox already did with budgets below its floor.
:func:`out_of_range` tells which stored values were clamped, so the settings page and
``settings list`` show them until someone sets them again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import FieldError, InvalidData

# The sandbox's floors (engine.bpmn.sandbox.MIN_TIME_MS, MIN_STEPS), repeated here because
# engine.deadlines imports nothing of engine.bpmn; tests/unit/test_calendar_sources.py
# checks that they agree.
SCRIPT_MIN_TIME_MS = 50
SCRIPT_MIN_STEPS = 10_000


# a whole number as written: a sign, then digits, leading zeros aside; blanks around it
_WHOLE_NUMBER = re.compile(r"\s*([+-]?)0*([0-9]+)\s*")
# more digits than any bound has: out of range, whichever the setting; such a number is never
# converted (int() refuses a text of thousands of digits, and would spend time on fewer)
_MAX_DIGITS = 12


@dataclass(frozen=True)
class SettingSpec:
    default: int
    unit: str
    description: str  # "中文名称 English explanation"
    minimum: int = 1
    maximum: int = 365

    def __post_init__(self) -> None:
        if not self.minimum <= self.default <= self.maximum:
            raise ValueError(f"default {self.default} outside {self.minimum}..{self.maximum}")

    def clamp(self, value: int) -> int:
        return min(max(value, self.minimum), self.maximum)

    def checked(self, value: str | int) -> int:
        """``value`` as a whole number within the bounds, else the field error of ``value``:
        ``not_a_number``, or ``min`` / ``max`` naming the bound (a whole number of any length
        is one: 9999999999999999999999 is too large, not "no number")."""
        found = _WHOLE_NUMBER.fullmatch(str(value))
        if found is None:
            raise InvalidData({"value": FieldError("not_a_number")})
        sign, digits = found.groups()
        if len(digits) > _MAX_DIGITS:  # past every bound, and not converted: see _MAX_DIGITS
            number = self.minimum - 1 if sign == "-" else self.maximum + 1
        else:
            number = int(sign + digits)
        if number < self.minimum:
            raise InvalidData({"value": FieldError("min", {"min": self.minimum})})
        if number > self.maximum:
            raise InvalidData({"value": FieldError("max", {"max": self.maximum})})
        return number

    @property
    def label(self) -> str:
        """The Chinese name at the head of the description: ``代表建议答复期限``."""
        return self.description.split(" ", 1)[0]

    @property
    def explanation(self) -> str:
        """The English rest of the description."""
        return self.description.split(" ", 1)[1] if " " in self.description else ""

    def label_in(self, language: str) -> str:
        """What the setting is called in ``language`` ("en": its explanation; else its label)."""
        return (self.explanation or self.label) if language == "en" else self.label


def _days(default: int, description: str, minimum: int = 1) -> SettingSpec:
    return SettingSpec(default, "days", description, minimum, 365)


def _months(default: int, description: str, minimum: int = 1) -> SettingSpec:
    return SettingSpec(default, "months", description, minimum, 24)


DEFAULTS: dict[str, SettingSpec] = {
    "proposal.reply_months": _months(3, "代表建议答复期限 reply to a deputy's suggestion, from assignment"),
    "proposal.max_extension_months": _months(
        3, "经批准可延长 extension on top of the reply period (6 months in all)", minimum=0
    ),
    "proposal.cohandling_months": _months(1, "协办单位向主办单位提出意见 co-handling unit's view to the lead unit"),
    "proposal.rehandle_months": _months(1, "不满意重新办理 re-handling after an unsatisfied evaluation"),
    "proposal.evaluation_working_days": SettingSpec(
        20, "working days", "代表反馈意见(回执) deputy's evaluation of a reply", 1, 120
    ),
    "petition.accept_days": _days(15, "信访事项是否受理告知 decide whether to accept and tell the petitioner"),
    "petition.handle_days": _days(60, "办理并书面答复 handle and reply, from acceptance"),
    "petition.max_extension_days": _days(30, "延长办理期限 extension of handling, with reasons", minimum=0),
    "petition.review_request_days": _days(
        30, "请求复查/复核 petitioner's request for review / re-review, from the reply"
    ),
    "petition.review_days": _days(30, "复查/复核意见 review / re-review opinion"),
    "inspection.selfcheck_days": _days(15, "自查自纠 self-check and self-correction report"),
    "inspection.rectification_days": _days(30, "整改 rectification report"),
    "proposal.followup_months": _months(3, "跟踪办理 next progress report on a class B reply"),
    "voter_reception.feedback_days": _days(30, "接待选民日 unit's reply to a voter's issue"),
    "unit_report.monthly_due_days": _days(10, "每月报表 monthly report due"),
    "unit_report.thematic_due_days": _days(20, "专题汇报 half-yearly thematic report due"),
    "department_evaluation.selfreport_days": _days(15, "评议 department's self-report due"),
    "department_evaluation.rectification_days": _days(30, "评议整改 rectification due"),
    # Not deadlines: when the township congress meets each year; the 统计 page's "session"
    # period (人代会年度) runs from that day to the day before it comes round again.
    "congress.session_month": SettingSpec(
        3, "month", "人代会召开月份 the month the township people's congress meets each year", 1, 12
    ),
    "congress.session_day": SettingSpec(
        1, "day", "人代会召开日 the day of that month it meets (past the month's end: its last day)", 1, 31
    ),
    "reminder.working_days_before": SettingSpec(
        3, "working days", "到期提醒 reminder before a due date (0: no reminder)", 0, 30
    ),
    # Not deadlines: what one script or expression of a process may spend (engine.bpmn.sandbox).
    "script.time_budget_ms": SettingSpec(
        1000,
        "ms",
        "脚本时限 wall-clock time one script or expression may run; a use case's engine steps together 5 times this",
        SCRIPT_MIN_TIME_MS,
        10_000,
    ),
    "script.step_budget": SettingSpec(
        1_000_000,
        "steps",
        "脚本步数上限 loop iterations and function calls one script or expression may make",
        SCRIPT_MIN_STEPS,
        100_000_000,
    ),
}

SCRIPT_TIME_BUDGET = "script.time_budget_ms"
SCRIPT_STEP_BUDGET = "script.step_budget"


def _stored_number(raw: str) -> int | None:
    try:
        return int(str(raw).strip())
    except ValueError:
        return None


def resolve(overrides: Mapping[str, str]) -> dict[str, int]:
    """The effective settings: defaults, with stored overrides on top, each clamped to its
    setting's bounds (a value stored before the bounds existed; see the module's doc). A
    stored value that is no number at all (never written by set_setting) counts as unset."""
    values = {name: spec.default for name, spec in DEFAULTS.items()}
    for name, raw in overrides.items():
        spec = DEFAULTS.get(name)
        if spec is None:
            values[name] = int(raw)  # a setting this version does not know: as stored
            continue
        number = _stored_number(raw)
        if number is not None:
            values[name] = spec.clamp(number)
    return values


def out_of_range(overrides: Mapping[str, str]) -> dict[str, str]:
    """The stored values :func:`resolve` did not take as they are: name → the stored text."""
    wrong = {}
    for name, raw in overrides.items():
        spec = DEFAULTS.get(name)
        if spec is None:
            continue
        number = _stored_number(raw)
        if number is None or spec.clamp(number) != number:
            wrong[name] = raw
    return wrong


# ``{setting:voter_reception.feedback_days}`` in a task's help: the period in effect, said with
# its unit ("30日"), so the help an officer reads follows the administrator's setting instead
# of naming the default the designer wrote down.
SETTING_IN_TEXT = re.compile(r"\{setting:([\w.]+)\}")
_SAID_WITH_UNIT = {"days": "{}日", "months": "{}个月", "working days": "{}个工作日"}


def in_text(text: str, values: Mapping[str, int]) -> str:
    """``text`` with each ``{setting:NAME}`` replaced by the value in effect (``values``, as
    :func:`resolve` gives them), a period with its unit; a name no setting has stays as
    written (a deploy check refuses it: :func:`unknown_in_text`)."""

    def said(match: re.Match[str]) -> str:
        name = match.group(1)
        spec = DEFAULTS.get(name)
        if spec is None or name not in values:
            return match.group(0)
        return _SAID_WITH_UNIT.get(spec.unit, "{}").format(values[name])

    return SETTING_IN_TEXT.sub(said, text)


def unknown_in_text(text: str) -> list[str]:
    """The ``{setting:NAME}`` names in ``text`` that are no setting."""
    return [name for name in SETTING_IN_TEXT.findall(text) if name not in DEFAULTS]
