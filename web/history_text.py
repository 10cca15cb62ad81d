"""A case's history (办理记录) in the reader's words: what each entry says, once, for the page
(tasks/_history.html) and for its download alike. Names, not codes: people by name, actions
and steps by their names, fields by their labels, chosen values by their options' labels."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from flask_babel import pgettext

from engine.usecases.audit_log import ImportSummary
from engine.usecases.case_migration_texts import element
from engine.usecases.cases import NOT_STARTED
from engine.usecases.confidentiality import WITHHELD
from engine.usecases.results import HistoryEntry, MapNames

from .i18n import when_text
from .roles import person_name


def action_names() -> dict[str, str]:
    """What each kind of entry (its audit action) is called: a case's history's, and the
    audit log's besides (tests/web/test_history_text.py checks every audited action is here)."""
    return {
        "start": pgettext("audit", "发起"),
        "claim": pgettext("audit", "签收"),
        "unclaim": pgettext("audit", "退回待签收"),
        "hand_over": pgettext("audit", "转交"),
        "complete": pgettext("audit", "办理完成"),
        "comment": pgettext("audit", "发表意见"),
        "attach": pgettext("audit", "上传附件"),
        "save_draft": pgettext("audit", "保存草稿"),
        "cancel": pgettext("audit", "撤销案件"),
        "timer": pgettext("audit", "期限到达"),
        "fire_timer": pgettext("audit", "期限到达"),
        "reminder": pgettext("audit", "提醒"),
        "reminder_late": pgettext("audit", "到期提醒未发（已过期限）"),
        "timer_fired": pgettext("audit", "期限届满"),
        "task_overdue": pgettext("audit", "任务逾期"),
        "start_timer": pgettext("audit", "按计划发起"),
        "supervise": pgettext("audit", "督办"),
        "supervise_reached": pgettext("audit", "督办延及新任务"),
        "import": pgettext("audit", "按台账导入"),
        "message_received": pgettext("audit", "收到消息"),
        "signal_received": pgettext("audit", "收到信号"),
        "signal_thrown": pgettext("audit", "发出信号"),
        "mail_queued": pgettext("audit", "邮件待发送"),
        "trigger_received": pgettext("audit", "外部触发继续"),
        "external_task_completed": pgettext("audit", "外部任务完成"),
        "external_task_failed": pgettext("audit", "外部任务报告失败"),
        "external_task_error": pgettext("audit", "外部任务报告业务错误"),
        "external_task_unlocked": pgettext("audit", "外部任务解除锁定"),
        "case_migrated": pgettext("audit", "迁移到新版本"),
        "call": pgettext("audit", "调用子流程"),
        "call_returned": pgettext("audit", "子流程办结"),
        "call_error": pgettext("audit", "子流程报告业务错误"),
        "retry": pgettext("audit", "重试"),
        "incident": pgettext("audit", "出现故障"),
        "incident_resolved": pgettext("audit", "故障解决"),
        "timer_started": pgettext("audit", "定时启动"),
        # what the audit log records besides cases
        "sign_in": pgettext("audit", "登录"),
        "sign_in_failed": pgettext("audit", "登录失败"),
        "sign_in_throttled": pgettext("audit", "登录受限（失败次数过多）"),
        "sign_out": pgettext("audit", "退出登录"),
        "change_password": pgettext("audit", "修改密码"),
        "set_password": pgettext("audit", "设置密码"),
        "set_timezone": pgettext("audit", "设置时区"),
        "set_language": pgettext("audit", "设置语言"),
        "set_email_notices": pgettext("audit", "设置邮件通知"),
        "create_user": pgettext("audit", "新建用户"),
        "update_user": pgettext("audit", "修改用户"),
        "save_department": pgettext("audit", "保存单位"),
        "import_units": pgettext("audit", "导入单位"),
        "import_people": pgettext("audit", "导入人员"),
        "import_ledger": pgettext("audit", "导入台账"),
        "create_token": pgettext("audit", "创建 API 令牌"),
        "revoke_token": pgettext("audit", "撤销 API 令牌"),
        "deploy": pgettext("audit", "部署流程"),
        "discard_draft": pgettext("audit", "放弃流程草稿"),
        "offer_process": pgettext("audit", "开放发起"),
        "stop_process": pgettext("audit", "停止发起"),
        "migrate_cases": pgettext("audit", "迁移案件"),
        "setting_set": pgettext("audit", "修改期限设置"),
        "setting_reset": pgettext("audit", "恢复默认期限设置"),
        "calendar_set": pgettext("audit", "设置工作日历"),
        "calendar_unset": pgettext("audit", "撤销工作日历设置"),
        "calendar_year_set": pgettext("audit", "录入全年放假安排"),
    }


class Mark(StrEnum):
    """What a piece of an entry's text is besides its words (the page shows a badge)."""

    NONE = ""
    MASKED = "masked"  # a confidential value, shown in part
    WITHHELD = "withheld"  # confidential, not shown at all


@dataclass(frozen=True)
class Part:
    text: str
    mark: Mark = Mark.NONE


@dataclass(frozen=True)
class Words:
    """What the history's entries are said with: the process's labels and step names, the
    options' labels by field (units by default), the fields shown masked, people's names."""

    element_names: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    departments: Mapping[str, str] = field(default_factory=dict)
    masked_fields: Collection[str] = ()
    value_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    people: Mapping[str, str] = field(default_factory=dict)
    # process key → name, of the processes an entry names by key (a thrown signal's starts left
    # out); one not there is said by its key
    process_names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, source: Any, **more: Any) -> Words:
        """The words ``source`` carries under the same names (a use case's case history), and
        ``more`` besides (what it does not carry)."""
        carried = {f.name: getattr(source, f.name) for f in fields(cls) if hasattr(source, f.name)}
        return cls(**{**carried, **more})

    def who(self, entry: HistoryEntry) -> str:
        """Who the entry says acted, by name. A step replayed from this year's ledger (台账) is
        not the act of the administrator who imported it (the unit replied, the deputy
        evaluated, back then): it says it was recorded from the ledger, by him."""
        name = person_name(entry.actor, self.people)
        return _("台账补录（%(name)s）", name=name) if entry.ledger else name

    def step(self, entry: HistoryEntry) -> str:
        """The step an entry was for: its task as titled, with its round (评议打分 · 财政所: two
        deputies' scores of two units are not the same step twice), else its element by name (a
        start's start event); nothing for an entry at no element (a cancel). A step made before
        the case moved to another version is said by its name then (``element_name``)."""
        if entry.task_name:
            return entry.task_name
        if entry.element_name:
            return entry.element_name
        return self.element_names.get(entry.bpmn_id, entry.bpmn_id) if entry.bpmn_id else ""

    def value(self, name: str, value: Any) -> list[Part]:
        """A field's value as the case page shows it, marked when shown masked or withheld
        (a ``readers`` field the reader is not one of: said as 保密, like a withheld file)."""
        options = self.value_labels.get(name, self.departments)
        if value == WITHHELD:
            return [Part("", Mark.WITHHELD)]
        if value is True:
            parts = [Part(_("是"))]
        elif value is False:
            parts = [Part(_("否"))]
        elif isinstance(value, str):
            parts = [Part(options[value] if value in options else when_text(value))]
        elif isinstance(value, Iterable) and not isinstance(value, Mapping):
            items = (options.get(v, v) if isinstance(v, str) else str(v) for v in value)
            parts = [Part(_("、").join(items))]
        else:
            parts = [Part(str(value))]
        if name in self.masked_fields:
            parts.append(Part("", Mark.MASKED))
        return parts

    def fields(self, data: Mapping[str, Any]) -> list[Part]:
        """``label：value；label：value``, in the order of ``data`` (a form's entry: its form's,
        ``labels.in_form_order``). A field left empty is left out: a submission says what it
        answered ("意见和建议：空" said nothing). Each value is quoted as it was written, its
        closing full stop included; a value that ends a sentence so is followed by the next
        field without a ``；`` ("路灯不亮。；" said it twice)."""
        said = [(name, self.value(name, value)) for name, value in data.items() if not _left_empty(value)]
        parts: list[Part] = []
        for n, (name, value) in enumerate(said):
            if n:
                parts += _separator_after(said[n - 1][1])
            parts.append(Part(self.labels.get(name, name) + _("：")))
            parts += value
        return parts


# what a value may end with that ends it as the ；before the next field would
_FULL_WIDTH_CLOSING = "。．；！？"
_CLOSING = ".;!?"


def _left_empty(value: Any) -> bool:
    """Not answered: nothing, blank text, no option chosen (``False`` and ``0`` are answers)."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, list | tuple) and not value)


def _separator_after(value: list[Part]) -> list[Part]:
    """What comes between a value and the next field: the ；, unless the value's own words
    end it (a full-width stop, then nothing; "No. 3.", then a space). A value shown with a
    confidential mark ends with the mark, which the ；follows."""
    last = value[-1] if value else Part("")
    ending = last.text.rstrip()[-1:] if last.mark == Mark.NONE else ""
    if ending and ending in _FULL_WIDTH_CLOSING:
        return []
    if ending and ending in _CLOSING:
        return [Part(" ")]
    return [Part(_("；"))]


def details(entry: HistoryEntry, words: Words) -> list[Part]:
    """What an entry says beyond who did what at which step (nothing for most); a step
    replayed from a ledger's row, first which file and row it was recorded from."""
    said = _said(entry, words)
    if entry.ledger is None:
        return said
    source = Part(_("%(file)s 第 %(row)s 行", file=entry.ledger.file, row=entry.ledger.row))
    return [source, *([Part(_("；")), *said] if said else [])]


def _said(entry: HistoryEntry, words: Words) -> list[Part]:
    data, action = entry.data, entry.action
    if not data:
        return []
    if action == "hand_over":
        parts = [Part("→ " + person_name(data.get("to"), words.people))]
        if data.get("comment"):
            parts.append(Part(_("：") + str(data["comment"])))
        elif data.get("withheld"):
            parts += [Part(_("：")), Part("", Mark.WITHHELD)]
        return parts
    if action == "attach":
        return [Part(str(data.get("filename") or ""))] + ([Part("", Mark.WITHHELD)] if data.get("withheld") else [])
    if action == "supervise":
        return [Part(str(data.get("opinion") or ""))]
    if action == "supervise_reached":  # a standing 督办 on the case pressing a task opened later
        unit = str(data.get("unit") or "")
        said = _("%(where)s：%(message)s", where=words.departments.get(unit, unit), message=data.get("opinion") or "")
        return [Part(_("；").join([said, _("已报告单位负责人")]) if data.get("escalated") else said)]
    if action == "import":
        return [Part(_("%(file)s 第 %(row)s 行", file=data.get("file"), row=data.get("row")))]
    if action.startswith("external_task_"):
        shown = {k: v for k, v in data.items() if not k.startswith("_")}
        parts = [Part(_("处理方") + _("：") + str(data.get("_worker") or ""))]
        return parts + ([Part(_("；")), *words.fields(shown)] if shown else [])
    if action == "case_migrated":
        return _moved(data, entry.map_names)
    if action == "cancel" and data.get("reason"):
        return [Part(_("理由") + _("：") + str(data["reason"]))]
    if action == "signal_thrown" and isinstance(data.get(NOT_STARTED), list):
        return _not_started(data[NOT_STARTED], words)
    if action in ("complete", "start"):
        return words.fields(data)
    return []


def _not_started(left_out: list[Any], words: Words) -> list[Part]:
    """A thrown signal's starts left out (engine/usecases/thrown_signals.py): the process that
    got no case, and the running case that held the 编号 the signal passed. Nobody was refused
    it at the time, so the history is where the office learns that no second case began."""
    said = [
        _(
            "未发起「%(process)s」的新案件：编号 %(key)s 已由在办案件 #%(case)s 使用",
            process=words.process_names.get(str(start.get("process")), str(start.get("process"))),
            key=start.get("business_key"),
            case=start.get("held_by"),
        )
        for start in left_out
        if isinstance(start, Mapping)
    ]
    return [Part(_("；").join(said))] if said else []


def _moved(data: Mapping[str, Any], names: MapNames | None) -> list[Part]:
    """A move to another version: from which to which, and its map (each element that did not
    keep its id: where it went, by name in its version, or that it went nowhere)."""
    said = _("从 v%(old)s 迁移到 v%(new)s", old=data.get("from_version", "?"), new=data.get("to_version", "?"))
    mapping = data.get("map")
    if not isinstance(mapping, Mapping) or not mapping:
        return [Part(said)]
    names = names or MapNames()
    pairs = [
        element(names.old.get(old, ""), str(old), _)
        + " → "
        + (element(names.new.get(new, ""), new, _) if isinstance(new, str) and new else _("（无）"))
        for old, new in mapping.items()
    ]
    return [Part(said + _("；") + _("环节对应：%(map)s", map=_("、").join(pairs)))]


def import_summary(summary: ImportSummary | None) -> str:
    """What an import's entry in the audit log says: its file and what it made."""
    if summary is None:
        return ""
    if summary.closed is not None:  # a ledger
        return _(
            "%(file)s：新建案件 %(created)s 件（已办结 %(closed)s 件），已有、不变 %(unchanged)s 件",
            file=summary.file,
            created=summary.created,
            closed=summary.closed,
            unchanged=summary.unchanged,
        )
    return _(
        "%(file)s：新建 %(created)s，修改 %(updated)s，不变 %(unchanged)s",
        file=summary.file,
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
    )


def plain(parts: Iterable[Part]) -> str:
    """The parts as text alone (a download): a confidential mark said in words."""
    marks = {Mark.MASKED: _("（保密）"), Mark.WITHHELD: _("（保密）")}
    return "".join(part.text + marks.get(part.mark, "") for part in parts)


def download_rows(entries: Iterable[HistoryEntry], words: Words) -> list[list[Any]]:
    """时间, 操作人, 操作, 环节, 内容: what the page's history says, a row an entry."""
    actions = action_names()
    return [
        [
            e.at,
            words.who(e),
            actions.get(e.action, e.action),
            words.step(e),
            plain(details(e, words)),
        ]
        for e in entries
    ]
