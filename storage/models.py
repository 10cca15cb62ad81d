"""Tables. Lists (inbox, overdue, due timers) are indexed queries on these rows;
nothing lists work by deserializing workflows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base, JSONText
from .enums import (
    IncidentKind,
    InstanceStatus,
    NotificationKind,
    Role,
    SubscriptionKind,
    TimerKind,
    TimerState,
    WorkItemState,
)

# The rows the partial indexes hold: what every query by state asks for.
_READY_ITEMS = f"state = '{WorkItemState.READY.value}'"
_NOT_READY_ITEMS = f"state != '{WorkItemState.READY.value}'"
_PENDING_TIMERS = f"state = '{TimerState.PENDING.value}'"
_RUNNING_CASES = f"status = '{InstanceStatus.RUNNING.value}'"


def _only(condition: str) -> dict[str, Any]:
    """A partial index's condition, the same on both databases: ``Index(..., **_only(...))``."""
    return {"postgresql_where": text(condition), "sqlite_where": text(condition)}


def _enum(enum_cls: type) -> Enum:
    return Enum(
        enum_cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e], validate_strings=True
    )


class Department(Base):
    """A handling unit (承办单位) or an office of the congress."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # user names, not keys: a unit's head (负责人, who an escalated 督办 reaches) and its
    # contact officer (联络员); a name no user has any more is simply not told.
    head: Mapped[str | None] = mapped_column(String(64))
    contact: Mapped[str | None] = mapped_column(String(64))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # The IANA zone this person reads dates in; None: the default (engine.deadlines.timezones).
    timezone: Mapped[str | None] = mapped_column(String(64))
    # A signed-in session carries the version it began with: bumping it (sign-out, a new
    # password, deactivation) ends every session of the account, copied cookies included.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    phone: Mapped[str | None] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(200))  # a deputy's electoral district (选区)
    # The language this person reads the product in, and so their notification e-mails
    # ("zh_CN", "en"); None: never chosen, Chinese (the product's language).
    # Both read when asked (deferred): only a sign-in, 我的设置 and the outbox need them, and a
    # database an upgrade test holds at an older revision can still load its users.
    language: Mapped[str | None] = mapped_column(String(16), deferred=True)
    # Whether their notifications are e-mailed too (off: only 消息 shows them, 督办 included).
    email_notices: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), deferred=True)

    department: Mapped[Department | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> set[str]:
        return {r.role.value for r in self.role_rows}

    @property
    def groups(self) -> set[str]:
        """The candidate groups this user belongs to: roles, department code and name."""
        groups = set(self.roles)
        if self.department is not None:
            groups |= {self.department.code, self.department.name}
        return groups


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role), primary_key=True)


class ProcessDefinition(Base):
    """One deployed version of one process; the spec is parsed once per version."""

    __tablename__ = "process_definitions"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        Index("ix_process_definitions_key_hash", "key", "content_hash"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    # the document and its parsed spec (tens of kilobytes) are read when asked for: starting a
    # case or listing the processes needs the row, and the spec comes from the process cache
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    source_file: Mapped[str] = mapped_column(String(500))
    deployed_by: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime]


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    __table_args__ = (
        Index("ix_process_instances_status_started", "status", "started_at"),
        # the case list's order (newest first): a page is read off its end, not sorted from every case
        Index("ix_process_instances_started", "started_at", "id"),
        # The inbox's process and title filters: only running cases have ready work items.
        Index(
            "ix_process_instances_running",
            "definition_id",
            "id",
            postgresql_include=["title"],
            **_only(_RUNNING_CASES),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[InstanceStatus] = mapped_column(_enum(InstanceStatus))
    workflow_json: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(Integer)
    started_by: Mapped[str] = mapped_column(String(64))
    # the unit (department code) the case was started from: its office may cancel it
    starter_unit: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # A case started by another case's call activity: the calling case and the waiting task
    # (engine/usecases/calls.py), so the child's end reaches its parent and a parent's
    # cancellation reaches its children.
    parent_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instances.id", ondelete="SET NULL"), index=True
    )
    parent_task_id: Mapped[str | None] = mapped_column(String(36))
    parent_bpmn_id: Mapped[str | None] = mapped_column(String(200))  # the calling call activity

    definition: Mapped[ProcessDefinition] = relationship(lazy="raise")

    # Optimistic locking: every UPDATE says "WHERE revision = <the one I read>" and a
    # concurrent writer who got there first makes the flush raise StaleDataError.
    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012 (SQLAlchemy reads it once, from the class)


class CaseFacts(Base):
    """The facts of one case that the statistics count (engine/usecases/case_facts.py names
    them and how each is read from the case's variables): written by the transaction that
    saves the case, so that no figure deserializes a workflow or scans a JSON blob."""

    __tablename__ = "case_facts"
    __table_args__ = (
        Index("ix_case_facts_process_received", "process_key", "received_at"),
        Index("ix_case_facts_process_unit", "process_key", "unit"),
        Index("ix_case_facts_deputy", "deputy"),
    )
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]  # the period the case counts in: registered / received
    unit: Mapped[str | None] = mapped_column(String(64))  # the lead or handling unit
    deputy: Mapped[str | None] = mapped_column(String(64))  # the submitting deputy (user name)
    kind: Mapped[str | None] = mapped_column(String(40))  # a proposal's kind, a petition's channel
    category: Mapped[str | None] = mapped_column(String(64))
    assigned_at: Mapped[datetime | None]  # 交办 (a petition: accepted)
    due_at: Mapped[datetime | None]  # the reply / handling deadline, extensions included
    replied_at: Mapped[datetime | None]
    replied_on_time: Mapped[bool | None]
    accepted: Mapped[bool | None]
    accepted_on_time: Mapped[bool | None]
    extended: Mapped[bool | None]
    rehandled: Mapped[bool | None]
    reply_class: Mapped[str | None] = mapped_column(String(4))
    first_evaluation: Mapped[str | None] = mapped_column(String(20))
    final_evaluation: Mapped[str | None] = mapped_column(String(20))
    solved: Mapped[bool | None]
    review_requested: Mapped[bool | None]
    review_result: Mapped[str | None] = mapped_column(String(40))
    rereview_requested: Mapped[bool | None]
    rereview_result: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(40))


class CaseItemFacts(Base):
    """The facts of one part of a case that the statistics count one by one: each unit of
    an inspection, each deputy of a report round, each unit report due, each issue of a
    reception day, and the round itself where the figures count rounds. Written with the
    case's ``case_facts`` row (engine/usecases/item_facts.py reads them, per multi-instance
    child, from the workflow being saved): no figure deserializes a workflow."""

    __tablename__ = "case_item_facts"
    __table_args__ = (Index("ix_case_item_facts_process_received", "process_key", "received_at"),)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)  # inspected_unit, reporting_deputy, ...
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # the item's place in its list
    process_key: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime | None]  # the period the item counts in: its case's
    item: Mapped[str | None] = mapped_column(String(64))  # a unit code, a deputy's user name, an issue's number
    unit: Mapped[str | None] = mapped_column(String(64))  # the unit (department code) it is about, if any
    started_at: Mapped[datetime | None]  # notified / assigned / (last) submitted
    due_at: Mapped[datetime | None]  # the deadline of its part with one (self-check, report, reply)
    done: Mapped[bool] = mapped_column(Boolean, default=False)  # the item's work is finished
    done_at: Mapped[datetime | None]
    on_time: Mapped[bool | None]  # the part with a deadline (self-check, report, reply) was on time
    problems_found: Mapped[bool | None]
    rounds: Mapped[int | None]  # rectification rounds
    accepted: Mapped[bool | None]  # rectification accepted
    result: Mapped[str | None] = mapped_column(String(40))  # appraisal, evaluation result
    voters: Mapped[int | None]  # voters received (a reception day) / present (a deputy's report)


class CaseDeputy(Base):
    """A deputy of a proposal: the one who submitted it and each co-signer (联名代表), by user
    name; the deputy's view (我的建议) and the case visibility read these rows."""

    __tablename__ = "case_deputies"
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), primary_key=True)
    deputy: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    cosigner: Mapped[bool] = mapped_column(Boolean, default=False)


class Supervision(Base):
    """A 督办 notice on a case (one of its open tasks): issued by a supervisor, or raised by
    a deadline timer, and tracked to its outcome: responded when the task it names is done;
    overdue again when ``respond_by`` passes first (read against the clock, not stored)."""

    __tablename__ = "supervisions"
    __table_args__ = (Index("ix_supervisions_open", "responded_at", "instance_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id", ondelete="SET NULL"), index=True)
    issued_by: Mapped[str] = mapped_column(String(64))  # a user name, or "system" for a timer's
    issued_at: Mapped[datetime]
    automatic: Mapped[bool] = mapped_column(default=False)
    opinion: Mapped[str] = mapped_column(Text)
    respond_by: Mapped[datetime | None]  # 24:00 of the day the holder is asked to answer by
    escalated: Mapped[bool] = mapped_column(default=False)  # the unit's head is told as well
    responded_at: Mapped[datetime | None]
    responded_by: Mapped[str | None] = mapped_column(String(64))
    # what issuing found of whom to tell besides the holders, as answered then: {} when
    # escalation was not asked; else the unit, its head, why no head was told (unreported) and
    # how many of the unit were told instead or as the task's holders. None: issued before
    # this was kept (not known)
    escalation: Mapped[dict[str, Any] | None] = mapped_column(JSONText)


class WorkItem(Base):
    """One row per user task that is (or was) ready for a person."""

    __tablename__ = "work_items"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_id"),
        # Every query by state asks for the ready items (a few percent of all rows), so
        # only they are indexed by it: in inbox order, by id and by case (covering on
        # PostgreSQL), and by holder. A completed or cancelled item leaves them all, and
        # its row costs no entry in any of them.
        Index(
            "ix_work_items_ready_due",
            "due_at",
            "id",
            postgresql_include=["assignee", "instance_id"],
            **_only(_READY_ITEMS),
        ),
        Index(
            "ix_work_items_ready_id",
            "id",
            postgresql_include=["assignee", "due_at", "instance_id"],
            **_only(_READY_ITEMS),
        ),
        Index(  # the inbox by 接收时间 (a ledger import's ids do not follow its dates)
            "ix_work_items_ready_created",
            "created_at",
            "id",
            postgresql_include=["assignee", "due_at", "instance_id"],
            **_only(_READY_ITEMS),
        ),
        Index(
            "ix_work_items_ready_instance",
            "instance_id",
            postgresql_include=["id", "due_at", "assignee"],
            **_only(_READY_ITEMS),
        ),
        Index(
            "ix_work_items_ready_assignee",
            "assignee",
            "due_at",
            "id",
            postgresql_include=["instance_id"],
            **_only(_READY_ITEMS),
        ),
        # The cases a person sees by their tasks (the case list: visibility.py's _Ways.worked_on):
        # of the items assigned to them that are no longer ready (the ready ones are read through
        # ix_work_items_ready_assignee, which the inbox keeps to), and of those they completed.
        Index("ix_work_items_assignee_done", "assignee", "instance_id", **_only(_NOT_READY_ITEMS)),
        Index("ix_work_items_completed_by_instance", "completed_by", "instance_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique (instance_id, task_id): an index of its own only cost every write
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(36), index=True)  # "complete TASK" looks it up
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    lane: Mapped[str | None] = mapped_column(String(200))
    assignee: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None]
    state: Mapped[WorkItemState] = mapped_column(_enum(WorkItemState))
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(64))
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSONText)
    # Who saved the draft: it is theirs alone until the task is submitted (access.may_read_draft).
    draft_by: Mapped[str | None] = mapped_column(String(64))
    # How due_at was counted (engine.deadlines.legal.Deadline.to_dict(): start, amount, unit,
    # last day, holiday roll-forward), kept when the item is made; NULL for a due date
    # without a rule and for items made before the rules.
    due_rule: Mapped[dict[str, Any] | None] = mapped_column(JSONText)

    groups: Mapped[list[WorkItemGroup]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def candidate_groups(self) -> list[str]:
        return sorted(g.group for g in self.groups if not g.is_user)

    @property
    def candidate_users(self) -> list[str]:
        return sorted(g.group for g in self.groups if g.is_user)


class WorkItemGroup(Base):
    """Who may claim a work item: a candidate group, or a candidate user."""

    __tablename__ = "work_item_groups"
    __table_args__ = (
        Index("ix_work_item_groups_group_item", "group", "work_item_id"),
        # "Offered to my groups and still open": a unit's few ready rows, not its whole history.
        Index(
            "ix_work_item_groups_ready",
            "group",
            "is_user",
            "work_item_id",
            postgresql_where=text("ready"),
            sqlite_where=text("ready = 1"),
        ),
    )
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"), primary_key=True)
    group: Mapped[str] = mapped_column(String(200), primary_key=True)
    is_user: Mapped[bool] = mapped_column(Boolean, primary_key=True, default=False)
    # Whether the work item is ready: a copy of ``work_items.state = 'ready'`` kept by
    # database triggers (migration 0e60883a6f33), only to narrow the inbox query, which
    # checks work_items.state itself too: a stale True costs time, never correctness.
    ready: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Timer(Base):
    """Every waiting deadline, with its due time in UTC: the scheduler's source of truth."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_id", "kind"),
        # Every query by state asks for the pending timers, so only they are indexed by it:
        # by due time (the scheduler's window and sweep), by case (what saving a case
        # reconciles) and by process version (a new version's timer start events). A
        # timer that fired or was cancelled leaves all three.
        Index(
            "ix_timers_pending_due",
            "due_at",
            "id",
            **_only(_PENDING_TIMERS),
        ),
        Index(
            "ix_timers_pending_instance",
            "instance_id",
            **_only(_PENDING_TIMERS),
        ),
        Index(
            "ix_timers_pending_definition",
            "definition_id",
            **_only(_PENDING_TIMERS),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TimerKind] = mapped_column(_enum(TimerKind))
    # indexed by the unique (instance_id, task_id, kind)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definitions.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime]
    state: Mapped[TimerState] = mapped_column(_enum(TimerState))
    fired_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Append-only: who did what, when, to which instance and task, with what data."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_instance_at", "instance_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    bpmn_id: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONText)


class Setting(Base):
    """A named deadline setting (e.g. ``proposal.reply_months``) that overrides its default."""

    __tablename__ = "settings"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class CalendarDay(Base):
    """An official working-day schedule entry entered by an administrator:
    a holiday (is_working False) or a make-up working day (is_working True)."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")
    # entered with the State Council's notice for its year (the whole year at once): such an
    # entry makes the year published; a day set on its own does not (engine/deadlines/calendar.py)
    from_notice: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Comment(Base):
    """A remark on a case, made on one of its tasks or on the case page."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_instance_created", "instance_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    author: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    # read only by its author and those with confidential.read (engine.access)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Attachment(Base):
    """A file attached to a case, kept in the database with the case (backed up with it,
    never lost to a moved folder). ``content`` is loaded only when the file is downloaded."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_instance_created", "instance_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # read only by its uploader and those with confidential.read (engine.access)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ApiToken(Base):
    """A personal API token. Only the SHA-256 of the secret is kept; the secret is shown
    once, when the token is made. A revoked token stays as a record of who had access.
    ``expires_at`` NULL: it never expires (every token made before expiry existed)."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class Notification(Base):
    """A message to one user (a reminder, an overdue task, a 督办): shown in the UI and,
    when SMTP is configured, e-mailed. ``emailed_at`` NULL with ``email_to`` set is the
    outbox: the mail is sent after the firing committed, so a failing SMTP server never
    loses a notification."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_username_read", "username", "read_at"),
        Index("ix_notifications_outbox", "emailed_at", "email_to"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    via_group: Mapped[str | None] = mapped_column(String(200))  # the group or role that made them a recipient
    kind: Mapped[NotificationKind] = mapped_column(_enum(NotificationKind))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"))
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("timers.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(500))  # as e-mailed (Chinese)
    message: Mapped[str] = mapped_column(Text)
    # What subject and message are made of (task, case, due time...), so that a page can
    # write them in its reader's language and time zone; NULL for rows made before it.
    params: Mapped[dict[str, Any] | None] = mapped_column(JSONText)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    email_to: Mapped[str | None] = mapped_column(String(255))
    emailed_at: Mapped[datetime | None]
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_error: Mapped[str | None] = mapped_column(String(500))


class Incident(Base):
    """A failure at run time that no person was waiting for (a timer whose script failed, a
    case found stuck): shown on the case page and the incidents list until a retry gets past
    it (engine/usecases/incidents.py). Most belong to a case; a timer start event that could
    not start a case belongs to the process version it fired for (``definition_id``, no case
    yet). One open row per case (or version), kind and element: a failure repeated by the
    scheduler's back-off updates it, never piles up (for a version's, the partial unique index
    holds it even against two writers)."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_open", "resolved_at", "instance_id"),
        Index(
            "ux_incidents_open_definition",
            "definition_id",
            "kind",
            "bpmn_id",
            unique=True,
            **_only("resolved_at IS NULL AND instance_id IS NULL"),
        ),
        CheckConstraint("instance_id IS NOT NULL OR definition_id IS NOT NULL", name="owner"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # None: a timer start event's failure, before any case (definition_id says of which version)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definitions.id", ondelete="CASCADE"))
    bpmn_id: Mapped[str] = mapped_column(String(200))  # the element that failed; "" when none is known
    kind: Mapped[IncidentKind] = mapped_column(_enum(IncidentKind))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]  # the failure's latest repeat
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))


class ProcessDraft(Base):
    """A designer's unfinished process (engine/usecases/drafts.py): saved without deploying,
    resumed later, deployed or discarded. ``revision`` goes up with every save; a save names
    the revision it started from, so of two designers saving the same draft the second is
    refused instead of silently overwriting the first. Its id is in the modeler's address and
    in every save, and drafts are deleted when deployed or discarded: on SQLite AUTOINCREMENT,
    so that a deleted draft's number is never given to a new one (a page left open on it would
    save over someone else's process); PostgreSQL's sequences never give one out twice."""

    __tablename__ = "process_drafts"
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)  # the process id the XML declares
    name: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(64), index=True)  # user name of who began it
    note: Mapped[str] = mapped_column(String(1000), default="")
    filename: Mapped[str] = mapped_column(String(500))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    base_version: Mapped[int | None] = mapped_column(Integer)  # the deployed version it began from
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class ProcessOffering(Base):
    """Whether a process is offered for new cases (发起). No row: offered. Stopping affects
    new cases only; the cases already running go on."""

    __tablename__ = "process_offerings"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    offered: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]


class DefinitionNote(Base):
    """The designer's note on a deployed version (why it was deployed), and for a rollback
    the version whose content it deployed again. A table of its own: process_definitions
    rows are written by every deploy path and stay as they are."""

    __tablename__ = "process_definition_notes"
    definition_id: Mapped[int] = mapped_column(
        ForeignKey("process_definitions.id", ondelete="CASCADE"), primary_key=True
    )
    note: Mapped[str] = mapped_column(String(1000), default="")
    rolled_back_from: Mapped[int | None] = mapped_column(Integer)  # a version number of the same process


class Subscription(Base):
    """What a running case waits for from outside: a message or a signal, by name, at one of
    its tasks (a receive task, a message or signal catch event, a boundary event, an
    event-based gateway), or a trigger, named by the element id of a receive task without a
    message. Rewritten by every save of the case (engine/usecases/persist.py),
    so that delivering one (engine/usecases/messages.py) finds its cases by an indexed
    query and restores only those."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_kind_name", "kind", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))  # the waiting SpiffWorkflow task
    bpmn_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SubscriptionKind] = mapped_column(_enum(SubscriptionKind))
    name: Mapped[str] = mapped_column(String(200))


class ExternalTask(Base):
    """A service task (``camunda:type="external"``) waiting for a worker outside the
    product: fetched and locked by topic for a while, completed with variables or failed
    with retries and a back-off; with no retries left it raises an incident on its case
    (engine/usecases/external_tasks.py). Rewritten by every save of the case, like its
    subscriptions, so that a worker's fetch never deserializes a workflow."""

    __tablename__ = "external_tasks"
    # its id is in the workers' API addresses and rows go when a task stops waiting: never
    # given out again on SQLite (as drafts' ids), so an answer to a task gone finds no task
    __table_args__ = (
        UniqueConstraint("instance_id", "task_id"),
        Index("ix_external_tasks_topic", "topic", "lock_expires_at"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))  # the waiting SpiffWorkflow task
    bpmn_id: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    worker_id: Mapped[str | None] = mapped_column(String(200))  # who holds the lock
    lock_expires_at: Mapped[datetime | None]
    retries: Mapped[int | None] = mapped_column(Integer)  # None until a worker first reports a failure
    retry_at: Mapped[datetime | None]  # not fetchable before (the back-off after a failure)
    error_message: Mapped[str | None] = mapped_column(String(1000))
    error_details: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class OutgoingMail(Base):
    """A mail a process sends (a mail task, engine/bpmn/mail_tasks.py), rendered when its case
    reached the task and written in the transaction that saved the case: the outbox the
    scheduler sends from when SMTP is configured (engine/notifications/process_mail.py).
    ``sent_at`` NULL is waiting; a mail the server refuses is tried a few times, ``error``
    saying why. Addresses are lists of entries (``kermit@camunda.org`` or ``Kermit <…>``)."""

    __tablename__ = "outgoing_mails"
    __table_args__ = (Index("ix_outgoing_mails_outbox", "sent_at", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))  # the SpiffWorkflow task that rendered it
    bpmn_id: Mapped[str] = mapped_column(String(200))
    sender: Mapped[str | None] = mapped_column(String(320))  # the task's ``from``; NULL: the configured sender
    to_addresses: Mapped[list[str]] = mapped_column(JSONText)
    cc_addresses: Mapped[list[str]] = mapped_column(JSONText)
    bcc_addresses: Mapped[list[str]] = mapped_column(JSONText)  # in the envelope only, never in a header
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)  # text/plain
    html: Mapped[str | None] = mapped_column(Text)  # the HTML alternative (or the only body)
    charset: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))


class PendingUpload(Base):
    """An import's file between its preview and its confirmation (engine/usecases/pending_uploads.py):
    in the database, as attachments are, so that the confirmation may reach any web process on any
    machine. Known by an unguessable token; only who uploaded it may confirm it; gone once confirmed,
    and a day after it was kept."""

    __tablename__ = "pending_uploads"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    uploaded_by: Mapped[str] = mapped_column(String(64))  # user name
    kind: Mapped[str] = mapped_column(String(40))  # what it imports: units, people, ledger-petitions...
    filename: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]
    content: Mapped[bytes] = mapped_column(LargeBinary)
