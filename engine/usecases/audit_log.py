"""The audit view: the append-only log (``audit_log``) of who did what, read by person,
action and period, and a case's history for export.

Across cases only the facts of each entry are shown (when, who, what, which case and
task), never the data it carried: that data may hold a petitioner's identity, which the
case page masks case by case, or the value of a field naming its readers (a deputy's
score, the office's to read), which it withholds from all but those readers and whoever
entered it (``confidentiality.history_for``); the history of one case, masked and withheld
so, is ``case_history``. Reading the log reads neither: an administrator outside those
groups sees a score withheld like anyone else, for a ballot is read by as few as possible
(``engine.access.may_read_field``). A sign-in's entry, of no case, says where it came from
(its client's address), which a security audit reads the log for; an import's, of no case
either, its file and what it made (``ImportSummary``).

An administrative entry (of no case: a user, a unit, a setting, the calendar, a token, a
process) says whom or what it was about and what it set (``Changes``): what an auditor reads
the log for (who gave li_si the 督查 role). Only the keys ``_SAID`` names are read, never the
whole data: no entry keeps a password or a token's secret, and what else one keeps (a
sign-in's browser, a year's every holiday) is not what it changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import AuditEntry, ProcessInstance, WorkItem

from .. import access
from ..access import Actor, Permission
from .confidentiality import hidden_fields, history_for, mask_filename
from .context import processes
from .labels import element_names, field_labels, named_in_history, people_names, value_labels
from .results import HistoryEntry, paging
from .statistics import Period
from .visibility import visible_case, visible_cases

MAX_EXPORT = 10_000
# the entries a sign-in writes (engine.usecases.sign_in): of no case, each with its client
SIGN_IN_ACTIONS = frozenset({"sign_in", "sign_in_failed", "sign_in_throttled"})
# the entries an import as a whole writes (onboarding, ledger): of no case, each with its file
# and what it made, which is what an administrator reads the log for (which file, when, how much)
IMPORT_ACTIONS = frozenset({"import_units", "import_people", "import_ledger"})


@dataclass(frozen=True)
class ImportSummary:
    """What an import as a whole did: its file, and how many it created, updated, left
    unchanged (a ledger: cases created, of them closed)."""

    file: str
    created: int
    updated: int | None = None  # units and people (None: a ledger, which changes no case)
    unchanged: int = 0
    closed: int | None = None  # a ledger's cases closed on import (None: units and people)


def _import_summary(action: str, data: dict[str, Any] | None, reads_identities: bool) -> ImportSummary | None:
    """An import's entry said as counts (units and people keep the keys created and updated,
    a ledger the counts). A petitions ledger's file name may name a petitioner (赵某某的台账):
    masked, as a case's history masks it, for whoever may not read identities."""
    if action not in IMPORT_ACTIONS or not data:
        return None
    file = str(data.get("file") or "")
    if data.get("ledger") == "petitions" and not reads_identities:
        file = mask_filename(file)

    def count(value: Any) -> int:
        return len(value) if isinstance(value, list) else int(value or 0)

    ledger = action == "import_ledger"
    return ImportSummary(
        file,
        count(data.get("created")),
        None if ledger else count(data.get("updated")),
        count(data.get("unchanged")),
        count(data.get("closed")) if ledger else None,
    )


# What an administrative entry (of no case) says, by action: the key of its data naming whom
# or what it was about (None: the actor themselves), and the keys of what it set, in the
# order said. ``before`` (a mapping of some of those keys, kept by newer entries of some
# actions) holds the values before the change: such an entry says the keys it holds that
# changed, and only those (a key it does not hold was not compared, so nothing is known of
# its change); an older entry, every value it set.
_SAID: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "create_user": ("username", ("display_name", "roles", "department", "must_change_password")),
    "update_user": ("username", ("display_name", "email", "roles", "department", "active", "timezone")),
    "set_password": ("username", ("must_change",)),
    "set_timezone": ("username", ("timezone",)),
    "set_language": ("username", ("language",)),
    "set_email_notices": ("username", ("email_notices",)),
    "save_department": ("code", ("name", "head", "contact")),
    "setting_set": ("name", ("value",)),
    "setting_reset": ("name", ("value",)),
    "calendar_set": ("day", ("is_working", "note")),
    "calendar_unset": ("day", ()),
    "calendar_year_set": ("year", ("entries", "replaced", "changed_days", "reminders_moved")),
    "create_token": ("username", ("token_id", "name", "expires_in_days")),
    "revoke_token": ("username", ("token_id",)),
    "sign_in_failed": (None, ("reason",)),
    "sign_in_throttled": (None, ("retry_after",)),
    "deploy": ("key", ("version", "file", "rolled_back_from", "note")),
    "save_draft": ("key", ("revision",)),
    "discard_draft": ("key", ()),
    "offer_process": ("key", ()),
    "stop_process": ("key", ()),
    "migrate_cases": ("key", ("from_version", "to_version", "moved", "refused", "failed")),
}
# the keys naming people (user names), whose names the page shows
PERSON_KEYS = frozenset({"head", "contact"})


@dataclass(frozen=True)
class Change:
    """One thing an administrative entry set: ``key`` (a key of ``_SAID``) to ``value``;
    ``before`` what it was, when the entry kept it (``has_before``)."""

    key: str
    value: Any
    before: Any = None
    has_before: bool = False


@dataclass(frozen=True)
class Changes:
    """What an administrative entry says: whom or what it was about (a user name, a unit's
    code, a setting's name, a day, a year, a process key; None: the actor), and what it set.
    An entry that kept the values before says only what changed (``unchanged``: nothing
    did, as when a form is saved as it was); an older one, every value it set."""

    action: str
    target: str | None
    changes: tuple[Change, ...] = ()
    unchanged: bool = False


def target_kind(action: str) -> str | None:
    """The key of ``action``'s data naming its target ("username": a person, "code": a unit,
    "name": a setting, …; None: the actor, or no administrative entry)."""
    return _SAID[action][0] if action in _SAID else None


def _same(key: str, before: Any, value: Any) -> bool:
    if key == "roles" and isinstance(before, list) and isinstance(value, list):
        return set(before) == set(value)  # the roles as a set: their order is none of the change
    return bool(before == value)


def _changes(action: str, data: dict[str, Any] | None) -> Changes | None:
    """An administrative entry said as ``Changes``, from the keys ``_SAID`` names only."""
    said = _SAID.get(action)
    if said is None:
        return None
    data = data or {}
    target_key, keys = said
    target = data.get(target_key) if target_key else None
    before = data.get("before") if isinstance(data.get("before"), dict) else None
    changes = []
    for key in (k for k in keys if k in data):
        if before is None:
            changes.append(Change(key, data[key]))
        elif key in before and not _same(key, before[key], data[key]):
            changes.append(Change(key, data[key], before[key], has_before=True))
    # nothing changed: said so only when every key set was compared
    unchanged = before is not None and not changes and all(k in before for k in keys if k in data)
    return Changes(action, None if target is None else str(target), tuple(changes), unchanged)


def _named_people(changes: Iterable[Changes]) -> set[str]:
    """The user names administrative entries name: whom they were about, heads and contacts."""
    named: set[str] = set()
    for said in changes:
        if said.target is not None and target_kind(said.action) == "username":
            named.add(said.target)
        for change in said.changes:
            if change.key in PERSON_KEYS:
                named |= {v for v in (change.value, change.before) if isinstance(v, str) and v}
    return named


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    instance_id: int | None
    case_title: str | None
    bpmn_id: str | None
    task_id: str | None
    step: str | None = None  # the step: its task's title with its round, or the element's name in the process
    address: str | None = None  # a sign-in's (successful, failed, refused): the client's address
    imported: ImportSummary | None = None  # an import's (units, people, a ledger): its file and counts
    changed: Changes | None = None  # an administrative entry's (of no case): whom or what, and what it set


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    pages: int
    actions: list[str]  # every action recorded, for the filter
    people: dict[str, str] = field(default_factory=dict)  # the people the rows name → their names
    units: dict[str, str] = field(default_factory=dict)  # every unit's code → its name


def audit_page(
    session: Session,
    actor: Actor,
    username: str | None = None,
    action: str | None = None,
    period: Period | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """The log, newest first: everyone's, or one person's; one action; one period.
    Needs the export permission; entries about cases the reader may not see are left out."""
    access.require(actor, Permission.EXPORT, "read the audit log")
    page, per_page = paging(page, per_page)
    query = (
        select(AuditEntry, ProcessInstance.title, ProcessInstance.definition_id, WorkItem.name)
        .outerjoin(ProcessInstance, ProcessInstance.id == AuditEntry.instance_id)
        # an entry of a task names its step as the task was titled, with its round (评议打分 · 财政所)
        .outerjoin(WorkItem, repo.ENTRY_TASK)
    )
    # the rule as a set of case ids (visible_cases): checking each entry's case costs seconds on a long log
    if (visible := visible_cases(actor)) is not None:
        query = query.where(AuditEntry.instance_id.is_(None) | visible)
    if username:
        query = query.where(AuditEntry.actor == username)
    if action:
        query = query.where(AuditEntry.action == action)
    if period is not None:
        start, end = period.bounds
        query = query.where(AuditEntry.at >= start, AuditEntry.at < end)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = session.execute(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    steps = {
        definition_id: element_names(processes.get_by_id(session, definition_id))
        for definition_id in {d for _e, _title, d, _task in found if d is not None}
    }
    rows = [
        AuditRow(
            e.id,
            e.at,
            e.actor,
            e.action,
            e.instance_id,
            title,
            e.bpmn_id,
            e.task_id,
            task_name or (steps.get(definition_id, {}).get(e.bpmn_id, e.bpmn_id) if e.bpmn_id else None),
            (e.data or {}).get("address") or None if e.action in SIGN_IN_ACTIONS else None,
            _import_summary(e.action, e.data, access.may_read_confidential(actor)),
            _changes(e.action, e.data) if e.instance_id is None else None,
        )
        for e, title, definition_id, task_name in found
    ]
    actions = list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
    named = _named_people(r.changed for r in rows if r.changed is not None)
    people = people_names(session, {r.actor for r in rows} | named)
    units = repo.department_choices(session)
    return AuditPage(rows, total, page, max(1, -(-total // per_page)), actions, people, units)


@dataclass(frozen=True)
class CaseHistory:
    """A case's history as ``actor`` may read it, with what the case page says it with: the
    steps' names, the fields' labels, the options' labels, the fields shown masked, the
    names of the people it names."""

    title: str
    entries: list[HistoryEntry]
    element_names: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)
    masked_fields: frozenset[str] = frozenset()
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)


def case_history(session: Session, actor: Actor, instance_id: int) -> CaseHistory:
    """A case's history (办理记录) as ``actor`` may read it, masked and withheld as on the case page."""
    instance = visible_case(session, actor, instance_id)
    entries = history_for(session, actor, instance.id, instance.definition_id)
    process = processes.get_by_id(session, instance.definition_id)
    return CaseHistory(
        title=instance.title,
        entries=entries,
        element_names=element_names(process),
        labels=field_labels(process),
        departments=repo.department_choices(session),
        masked_fields=hidden_fields(session, actor, instance),
        value_labels=value_labels(session, process),
        people=people_names(session, named_in_history(entries)),
    )
