"""What a notification says, written in one place. The engine writes it in Chinese when the
notification is made (that text is stored and e-mailed); a page writes it again in its
reader's language by passing its own gettext as ``_``. The Chinese texts are the message
ids of the web catalogs (``pybabel extract`` reads this file too).

``p`` is what a notification keeps of its making (``Notification.params``): case always,
task but for a cancelled case's notice; overdue (a task's arrival, or its hand-over: its due
date had passed already, one notice of both, 新任务（已逾期）); by (a name: who took a task from its holder, who
cancelled a case), to (a name: whom the task was handed to; none: given back); reason and
tasks (a cancelled case's: why, and the reader's tasks of it that ended; following: told as
a deputy who submitted or co-signed it); sent (the step
submitted that the reader's open task hears of: its ``tell``; or, with answers (kind answered;
sent before that kind existed), the step that
decided the request the reader submitted as ``task``: its ``answers``, each [label, value as
the reader may read it]); withdrawn (taken_away: the process itself withdrew the task; event,
the name of what withdrew it; case_ended, the case ended with it);
handlers (an overdue notice to the supervisors); event and interrupting (督办), watching (its copy
to the supervisors who did not issue it: handlers, by, the issuer's name); withdrawn (督办: to
whoever issued one, the process took its task back and the 督办 ended unanswered; event, what
did, by name; case_ended, the case ended with it; or cancelled_by, the name of who cancelled the
case, ending it: no task then for one on the case as a whole); event (a period
that ended, ``lapsed``); opinion (a
supervisor's 督办) and escalated (the copy of an escalated 督办 sent to the unit's
head, ``"head"``, or, with no head on the roster, to the unit's people, ``"unit"``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from ..deadlines import timezones

# The languages a person may read the product and their e-mails in (users.language; None:
# the default). The web's language link offers the same (web.i18n.LANGUAGES).
DEFAULT_LANGUAGE = "zh_CN"
ENGLISH = "en"
LANGUAGES = (DEFAULT_LANGUAGE, ENGLISH)


class Translate(Protocol):
    def __call__(self, text: str, **values: Any) -> str: ...


def chinese(text: str, **values: Any) -> str:
    """The message id itself: the texts are written in Chinese."""
    return text % values if values else text


# How the texts are had in a language (an e-mail written when it is sent, outside any request:
# the web hands the outbox its catalogues); None for a language it has none of: Chinese then.
Languages = Callable[[str], Translate | None]


def chinese_only(language: str) -> Translate | None:
    return None


def in_language(language: str | None, languages: Languages) -> Translate:
    """The texts in ``language`` (None: the default) as ``languages`` has them, else Chinese."""
    if not language or language == DEFAULT_LANGUAGE:
        return chinese
    return languages(language) or chinese


def due_as_read(when: datetime, zone_name: str | None, language: str | None = None) -> str:
    """``when`` as its recipient reads it: in their own time zone, named when not the default
    (in a full-width parenthesis in Chinese, which takes no space after it); the midnight that
    ends a period's last day as that day's 24:00 (engine.deadlines.legal)."""
    local = when.astimezone(timezones.zone(zone_name))
    if local.time() == time(0):
        text = f"{(local - timedelta(days=1)):%Y-%m-%d} 24:00"
    else:
        text = local.strftime("%Y-%m-%d %H:%M")
    effective = timezones.effective(zone_name)
    if effective == timezones.DEFAULT_TIMEZONE:
        return text
    return f"{text} ({effective})" if language == ENGLISH else f"{text}（{effective}）"


def where_to_read(case_id: int | None, task_id: str | None, public_url: str | None, _: Translate = chinese) -> str:
    """An e-mail's last lines: the case's number, and where to open what the notification is
    about: its task, else its case, at the site's public address; without one, where to read it
    once signed in."""
    lines = [_("案件编号：#%(case)s", case=case_id)] if case_id is not None else []
    if public_url and task_id:
        task_url = f"{public_url}/tasks/{quote(task_id, safe='')}"
        lines.append(_("查看任务：%(url)s", url=task_url))
    elif public_url and case_id is not None:
        case_url = f"{public_url}/cases/{case_id}"
        lines.append(_("查看案件：%(url)s", url=case_url))
    else:
        lines.append(_("登录系统后在“消息”中查看。"))
    return "\n".join(lines)


def signature(_: Translate = chinese) -> str:
    return _("此邮件由人大工作流系统自动发送。")


def subject(kind: str, p: dict[str, Any], _: Translate = chinese) -> str:
    task, case = p.get("task", ""), p["case"]
    if kind == "reminder":
        return _("到期提醒：%(task)s（%(case)s）", task=task, case=case)
    if kind == "overdue":
        return _("逾期：%(task)s（%(case)s）", task=task, case=case)
    if kind == "task" and p.get("overdue"):
        return _("新任务（已逾期）：%(task)s（%(case)s）", task=task, case=case)
    if kind == "task":
        return _("新任务：%(task)s（%(case)s）", task=task, case=case)
    if kind in ("answered", "sent") and "answers" in p:
        return _("办理结果：%(sent)s（%(case)s）", sent=p["sent"], case=case)
    if kind == "sent":
        return _("已送达：%(sent)s（%(case)s）", sent=p["sent"], case=case)
    if kind == "taken_away" and p.get("withdrawn"):
        return _("任务已撤回：%(task)s（%(case)s）", task=task, case=case)
    if kind == "taken_away" and p.get("to"):
        return _("任务已转交：%(task)s（%(case)s）", task=task, case=case)
    if kind == "taken_away":
        return _("任务已退回待签收：%(task)s（%(case)s）", task=task, case=case)
    if kind == "cancelled":
        return _("案件已撤销：%(case)s", case=case)
    if kind == "lapsed":
        return _("期限届满：%(task)s（%(case)s）", task=task, case=case)
    if kind == "supervision" and p.get("withdrawn") and not task:  # one on the case as a whole
        return _("督办已结束：%(case)s", case=case)
    if kind == "supervision" and p.get("withdrawn"):
        return _("督办已结束：%(task)s（%(case)s）", task=task, case=case)
    if p.get("escalated") == "head":
        return _("督办（报告单位负责人）：%(task)s（%(case)s）", task=task, case=case)
    if p.get("escalated"):
        return _("督办（报告本单位）：%(task)s（%(case)s）", task=task, case=case)
    return _("督办：%(task)s（%(case)s）", task=task, case=case)


def message(kind: str, p: dict[str, Any], due: str, _: Translate = chinese) -> str:
    """``due``: the due time as its reader reads it (their time zone). The texts set it apart
    by a space ("于 %(due)s 到期"); a due time that names its zone ends in a full-width
    parenthesis, which takes none after it: "2026-11-30 21:30（America/New_York）到期"."""
    text = _message(kind, p, due, _)
    return text.replace(f"{due} ", due) if due.endswith("）") else text


def _message(kind: str, p: dict[str, Any], due: str, _: Translate) -> str:
    task, case = p.get("task", ""), p["case"]
    if kind == "reminder":
        return _("「%(task)s」（案件：%(case)s）将于 %(due)s 到期，请及时办理。", task=task, case=case, due=due)
    if kind == "overdue" and "handlers" in p:  # to the supervisors
        return _(
            "「%(task)s」（案件：%(case)s）已于 %(due)s 到期，尚未办结。办理人：%(handlers)s。",
            task=task,
            case=case,
            due=due,
            handlers=_("、").join(p["handlers"]) or _("未指定"),
        )
    if kind == "overdue":  # to those who hold the task
        return _(
            "「%(task)s」（案件：%(case)s）已于 %(due)s 到期，尚未办结。请尽快办理。", task=task, case=case, due=due
        )
    if kind == "task" and p.get("handed_by") and p.get("overdue") and due:  # handed over late
        return _handed_over_late(p, due, _)
    if kind == "task" and p.get("handed_by") and p.get("note"):
        return _(
            "%(by)s 将「%(task)s」（案件：%(case)s）转交给您办理。转交说明：%(note)s",
            by=p["handed_by"],
            task=task,
            case=case,
            note=p["note"],
        )
    if kind == "task" and p.get("handed_by"):
        return _("%(by)s 将「%(task)s」（案件：%(case)s）转交给您办理。", by=p["handed_by"], task=task, case=case)
    if kind == "task" and p.get("overdue") and due:  # its due date had passed when it arrived
        return _(
            "「%(task)s」（案件：%(case)s）已到您的待办，已于 %(due)s 到期，请尽快办理。", task=task, case=case, due=due
        )
    if kind == "task" and due:
        return _("「%(task)s」（案件：%(case)s）已到您的待办，期限 %(due)s。", task=task, case=case, due=due)
    if kind == "task":
        return _("「%(task)s」（案件：%(case)s）已到您的待办。", task=task, case=case)
    if kind in ("answered", "sent") and "answers" in p:  # to whoever made the request it decided
        return _(
            "您提交的「%(task)s」（案件：%(case)s）已由「%(sent)s」办理：%(answers)s",
            task=task,
            case=case,
            sent=p["sent"],
            answers=_("；").join(_("%(label)s：%(value)s", label=label, value=value) for label, value in p["answers"]),
        )
    if kind == "sent":
        return _(
            "「%(sent)s」已提交（案件：%(case)s），供您办理「%(task)s」时参阅：见案件的办理记录。",
            sent=p["sent"],
            case=case,
            task=task,
        )
    if kind == "taken_away" and p.get("withdrawn"):
        return _withdrawn(p, _)
    # to whoever held it: claimed it, was handed it or was given it by name by the process; not
    # "您签收的" (which one who was handed it never did), but what it was to them either way
    if kind == "taken_away" and p.get("to"):
        return _(
            "%(by)s 已将原由您办理的「%(task)s」（案件：%(case)s）转交给 %(to)s 办理，您不必再办理；"
            "如已填写办理内容，请转告 %(to)s。",
            by=p["by"],
            task=task,
            case=case,
            to=p["to"],
        )
    if kind == "taken_away":
        return _(
            "%(by)s 已将原由您办理的「%(task)s」（案件：%(case)s）退回待签收，由本单位重新签收办理。",
            by=p["by"],
            task=task,
            case=case,
        )
    if kind == "cancelled" and p.get("tasks"):
        return _(
            "%(by)s 已撤销案件「%(case)s」，您的%(tasks)s不再办理。撤销理由：%(reason)s",
            by=p["by"],
            case=case,
            tasks=_("、").join(_("「%(task)s」", task=name) for name in p["tasks"]),
            reason=p["reason"],
        )
    if kind == "cancelled" and p.get("following"):  # to a deputy who submitted or co-signed it
        return _(
            "%(by)s 已撤销您提出或联名的建议「%(case)s」。撤销理由：%(reason)s",
            by=p["by"],
            case=case,
            reason=p["reason"],
        )
    if kind == "cancelled":  # to whoever started it
        return _(
            "%(by)s 已撤销您发起的案件「%(case)s」。撤销理由：%(reason)s", by=p["by"], case=case, reason=p["reason"]
        )
    if kind == "lapsed" and due:  # a window closed (closes_window): the normal path, no 督办
        return _(
            "「%(task)s」（案件：%(case)s）的期限（%(event)s）已于 %(due)s 届满，该任务已结束，案件按流程继续办理。",
            task=task,
            case=case,
            event=p["event"],
            due=due,
        )
    if kind == "lapsed":
        return _(
            "「%(task)s」（案件：%(case)s）的期限（%(event)s）已届满，该任务已结束，案件按流程继续办理。",
            task=task,
            case=case,
            event=p["event"],
        )
    if kind == "supervision" and p.get("withdrawn"):  # to whoever issued it: it ended unanswered
        return _supervision_ended(p, _)
    if p.get("watching"):  # to the other supervisors
        return _supervision_watched(p, due, _)
    if "opinion" in p:  # a supervisor's 督办
        return _supervision(p, due, _)
    if p.get("interrupting"):  # the timer ended the task: the case went on without it
        return _(
            "「%(task)s」（案件：%(case)s）已过期限（%(event)s）仍未办理，该任务已结束，案件按流程继续办理。",
            task=task,
            case=case,
            event=p["event"],
        )
    return _(
        "「%(task)s」（案件：%(case)s）已过期限（%(event)s）仍未办结，已转入督办，请尽快办理。",
        task=task,
        case=case,
        event=p["event"],
    )


def _handed_over_late(p: dict[str, Any], due: str, _: Translate) -> str:
    """A task handed over after its due date had passed: the one it is handed to reads that it
    is overdue, as its arrival would say (新任务（已逾期）), then the note, if any, last."""
    task, case, by = p["task"], p["case"], p["handed_by"]
    if p.get("note"):
        return _(
            "%(by)s 将「%(task)s」（案件：%(case)s）转交给您办理，该任务已于 %(due)s 到期，请尽快办理。"
            "转交说明：%(note)s",
            by=by,
            task=task,
            case=case,
            due=due,
            note=p["note"],
        )
    return _(
        "%(by)s 将「%(task)s」（案件：%(case)s）转交给您办理，该任务已于 %(due)s 到期，请尽快办理。",
        by=by,
        task=task,
        case=case,
        due=due,
    )


def _withdrawn(p: dict[str, Any], _: Translate) -> str:
    """The process withdrew the reader's task (an interrupting event, named when it has a
    name): they need not do it, and read whether the case goes on or ended."""
    task, case = p["task"], p["case"]
    if p.get("event") and p.get("case_ended"):
        return _(
            "「%(task)s」（案件：%(case)s）因「%(event)s」已撤回，您不必再办理；案件已办结。",
            task=task,
            case=case,
            event=p["event"],
        )
    if p.get("event"):
        return _(
            "「%(task)s」（案件：%(case)s）因「%(event)s」已撤回，您不必再办理；案件按流程继续办理。",
            task=task,
            case=case,
            event=p["event"],
        )
    if p.get("case_ended"):
        return _("「%(task)s」（案件：%(case)s）已由流程撤回，您不必再办理；案件已办结。", task=task, case=case)
    return _("「%(task)s」（案件：%(case)s）已由流程撤回，您不必再办理；案件按流程继续办理。", task=task, case=case)


def _supervision_ended(p: dict[str, Any], _: Translate) -> str:
    """The process took back the task a 督办 pressed on (an event withdrew it, named when it has
    a name; or the office agreed to its unit's request to return it): the 督办 ended unanswered.
    Its issuer reads that it did, and, the case going on, that the next unit did not receive it.
    Or someone cancelled the case (``cancelled_by``, their name), ending the 督办 on its task, or
    on the case as a whole (no ``task``)."""
    task, case = p.get("task"), p["case"]
    if p.get("cancelled_by") and task:
        return _(
            "「%(task)s」（案件：%(case)s）所在案件已由 %(by)s 撤销，您对其发出的督办未获回复，已结束。",
            task=task,
            case=case,
            by=p["cancelled_by"],
        )
    if p.get("cancelled_by"):
        return _(
            "案件「%(case)s」已由 %(by)s 撤销，您对该案件发出的督办未获回复，已结束。", case=case, by=p["cancelled_by"]
        )
    if p.get("on_the_case") and p.get("event") and p.get("still_open"):  # one unit's part of a 督办 on the case
        return _(
            "「%(task)s」（案件：%(case)s）因「%(event)s」已撤回，您对该案件发出的督办中该任务的部分已结束；"
            "督办仍待其余单位回复。",
            task=task,
            case=case,
            event=p["event"],
        )
    if p.get("on_the_case") and p.get("event"):
        return _(
            "「%(task)s」（案件：%(case)s）因「%(event)s」已撤回，您对该案件发出的督办未获回复，已结束；"
            "如需继续督办，请对新的任务或整个案件重新发出。",
            task=task,
            case=case,
            event=p["event"],
        )
    if p.get("event") and p.get("case_ended"):
        return _(
            "「%(task)s」（案件：%(case)s）因「%(event)s」已撤回，您对其发出的督办未获回复，已结束；案件已办结。",
            task=task,
            case=case,
            event=p["event"],
        )
    if p.get("event"):
        return _(
            "「%(task)s」（案件：%(case)s）因「%(event)s」已撤回，您对其发出的督办未获回复，已结束；"
            "如需继续督办，请对新的任务或整个案件重新发出。",
            task=task,
            case=case,
            event=p["event"],
        )
    if p.get("case_ended"):
        return _(
            "「%(task)s」（案件：%(case)s）已由流程撤回，您对其发出的督办未获回复，已结束；案件已办结。",
            task=task,
            case=case,
        )
    return _(
        "「%(task)s」（案件：%(case)s）已由流程撤回，您对其发出的督办未获回复，已结束；"
        "如需继续督办，请对新的任务或整个案件重新发出。",
        task=task,
        case=case,
    )


def _supervision_watched(p: dict[str, Any], due: str, _: Translate) -> str:
    """A 督办 as the supervisors who did not issue it read it: who issued it (a colleague, or
    the process's timer), to whom, by when; for their knowledge, nothing for them to do."""
    task, case = p["task"], p["case"]
    handlers = _("、").join(p["handlers"]) or _("未指定")
    if "opinion" in p and due:
        return _(
            "%(by)s 对「%(task)s」（案件：%(case)s）发出督办，要求办理人（%(handlers)s）于 %(due)s 前办理并回复。"
            "督办意见：%(opinion)s",
            by=p.get("by", ""),
            task=task,
            case=case,
            handlers=handlers,
            due=due,
            opinion=p["opinion"],
        )
    if "opinion" in p:
        return _(
            "%(by)s 对「%(task)s」（案件：%(case)s）发出督办，要求办理人（%(handlers)s）尽快办理并回复。"
            "督办意见：%(opinion)s",
            by=p.get("by", ""),
            task=task,
            case=case,
            handlers=handlers,
            opinion=p["opinion"],
        )
    if p.get("interrupting"):
        return _(
            "「%(task)s」（案件：%(case)s）已过期限（%(event)s）仍未办理，该任务已结束，案件按流程继续办理。"
            "办理人：%(handlers)s。",
            task=task,
            case=case,
            event=p["event"],
            handlers=handlers,
        )
    return _(
        "「%(task)s」（案件：%(case)s）已过期限（%(event)s）仍未办结，已转入督办。办理人：%(handlers)s。",
        task=task,
        case=case,
        event=p["event"],
        handlers=handlers,
    )


def _supervision(p: dict[str, Any], due: str, _: Translate) -> str:
    """A supervisor's 督办: what to do by when, then the opinion as it was typed (last, so that
    its own full stop, or none, ends the message). The copy of an escalated 督办 says so."""
    task, case, opinion = p["task"], p["case"], p["opinion"]
    if p.get("escalated") == "head" and due:
        return _(
            "「%(task)s」（案件：%(case)s）收到督办，已报告您（单位负责人）。请督促于 %(due)s 前办理并回复。"
            "督办意见：%(opinion)s",
            task=task,
            case=case,
            due=due,
            opinion=opinion,
        )
    if p.get("escalated") == "head":
        return _(
            "「%(task)s」（案件：%(case)s）收到督办，已报告您（单位负责人）。请督促尽快办理并回复。督办意见：%(opinion)s",
            task=task,
            case=case,
            opinion=opinion,
        )
    if p.get("escalated") and due:
        return _(
            "「%(task)s」（案件：%(case)s）收到督办，已报告本单位。请于 %(due)s 前办理并回复。督办意见：%(opinion)s",
            task=task,
            case=case,
            due=due,
            opinion=opinion,
        )
    if p.get("escalated"):
        return _(
            "「%(task)s」（案件：%(case)s）收到督办，已报告本单位。请尽快办理并回复。督办意见：%(opinion)s",
            task=task,
            case=case,
            opinion=opinion,
        )
    if due:
        return _(
            "「%(task)s」（案件：%(case)s）收到督办，请于 %(due)s 前办理并回复。督办意见：%(opinion)s",
            task=task,
            case=case,
            due=due,
            opinion=opinion,
        )
    return _(
        "「%(task)s」（案件：%(case)s）收到督办，请尽快办理并回复。督办意见：%(opinion)s",
        task=task,
        case=case,
        opinion=opinion,
    )
