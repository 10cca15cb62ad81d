"""Every status and kind the product stores, in one place."""

from enum import StrEnum


class InstanceStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class WorkItemState(StrEnum):
    READY = "ready"  # waiting for someone (claimed when assignee is set)
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # the task went away: boundary event, cancel, gateway


class TimerKind(StrEnum):
    BPMN = "bpmn"  # a waiting BPMN timer event (boundary or intermediate)
    START = "start"  # a timer start event of a deployed definition
    TASK_DUE = "task_due"  # a user task's due date: no flow change, it turns overdue
    REMINDER = "reminder"  # a reminder some time before a task's due date


class TimerState(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"


class Role(StrEnum):
    ADMIN = "admin"
    DESIGNER = "designer"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    DEPUTY = "deputy"
    CHAIR = "chair"
    OFFICE_HEAD = "office_head"  # 人大办主任: oversees the office's work, reads confidential data
    PETITION_OFFICER = "petition_officer"  # 信访专员: keeps the petition record, reads the petitioner's identity
    MONITOR = "monitor"  # 监控: a monitoring system's account, reads /metrics and nothing of the cases


class NotificationKind(StrEnum):
    REMINDER = "reminder"  # a due date is near
    OVERDUE = "overdue"  # a due date passed with the task still open
    SUPERVISION = "supervision"  # a 督办 timer (boundary event) fired
    # a boundary timer marked closes_window ended a task: the period it was open for ended, no 督办
    LAPSED = "lapsed"
    TASK = "task"  # a task arrived in one's inbox or one's group's, or was handed to one
    SENT = "sent"  # another step's submission one's open task hears of (a task's ``tell``)
    # the decision on a request one submitted (a task's ``answers``: 改办 or 不同意退回); notices
    # made before this kind existed are of the kind SENT with ``answers`` in their params
    ANSWERED = "answered"
    # a task one held was handed to another or given back by someone else (who may reassign tasks)
    TAKEN_AWAY = "taken_away"
    CANCELLED = "cancelled"  # a case one held or was offered a task of, or started, was cancelled


class IncidentKind(StrEnum):
    """What failed with no person waiting for the answer (engine/usecases/incidents.py)."""

    TIMER = "timer"  # a timer fired, and a script, expression or the engine step after it failed
    STUCK = "stuck"  # running, with no open user task and no armed timer: nothing can move it on
    EXTERNAL_TASK = "external_task"  # a worker failed an external task and no retries are left
    CALL = "call"  # a called case ended in an error (or was cancelled) that no boundary event caught


class SubscriptionKind(StrEnum):
    """What a waiting case can be reached by from outside (engine/usecases/messages.py)."""

    MESSAGE = "message"  # delivered to exactly one case
    SIGNAL = "signal"  # broadcast to every case waiting for it
    TRIGGER = "trigger"  # a receive task without a message, by its element id: continued in one case
