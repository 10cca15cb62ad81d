"""The access policy: every "who may" rule of the product, in one place.

Rules are built on named permissions granted to roles (``ROLE_PERMISSIONS``, the table the
README's security section shows), plus the facts of the thing acted on: who holds a task,
who started a case and from which unit. Every use case asks here; the web pages, the API
and the command line all call the use cases, so one answer holds behind every door.

This module knows nothing of the database: which cases one may see, as a query, is
``engine.usecases.visibility``, built on ``sees_every_case`` here.

Two kinds of refusal: a case (or a task of a case) one may not see does not exist for
that person (``NotFound``, the same words as for a missing one, so an answer never tells
that it exists); something one may see but not do is ``NotAllowed`` with the reason.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from storage.enums import Role

from .errors import NotAllowed


class Permission(StrEnum):
    """What a role may do beyond the work offered to the person (their own tasks, the
    tasks of their groups, the cases those belong to)."""

    CASE_START = "case.start"  # start a process that names no starter groups
    CASE_START_ANY = "case.start_any"  # start any process, whatever its starter groups
    CASE_VIEW_ALL = "case.view_all"  # every case, not only one's own and one's units'
    CASE_CANCEL = "case.cancel"  # cancel a case started from one's own unit
    CASE_CANCEL_ANY = "case.cancel_any"  # cancel any running case
    TASK_VIEW_ALL = "task.view_all"  # the inbox tab of every open task
    TASK_REASSIGN = "task.reassign"  # give back or hand over a task someone else holds
    CONFIDENTIAL_READ = "confidential.read"  # the petitioner's identity, confidential files and comments
    CASE_WORKING_DATA = "case.working_data"  # a case's variables no form labels, its history in full
    SUPERVISE = "supervise"  # 督办: issue and follow supervision notices
    EXPORT = "export"  # statistics and exports of case data
    PROCESS_DEPLOY = "process.deploy"  # open processes in the designer and deploy versions
    PROCESS_MIGRATE = "process.migrate"  # move running cases from one version of a process to another
    ADMIN_USERS = "admin.users"  # users, roles, departments, passwords, anyone's API tokens
    ADMIN_SETTINGS = "admin.settings"  # the working-day calendar and the statutory deadline settings
    CASE_IMPORT = "case.import"  # bring in the year's ledger: cases replayed at their recorded dates
    INCIDENT_MANAGE = "incident.manage"  # see cases' run-time failures (incidents) and retry them
    MESSAGE_SEND = "message.send"  # deliver a message or a signal to the cases waiting for it
    EXTERNAL_TASK_WORK = "external_task.work"  # a worker: fetch, lock, complete and fail external tasks
    METRICS_READ = "metrics.read"  # the operational figures at /metrics (Prometheus), through an API token


P = Permission

# Who may what. Confidential data is a permission of its own, granted to the roles the law
# lets see a petitioner (the office head and the petition officer), never to a department
# as a whole nor to administrators: an administrator who needs it grants himself the role,
# and that change is in the audit log.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {
            P.CASE_START,
            P.CASE_START_ANY,
            P.CASE_VIEW_ALL,
            P.CASE_CANCEL_ANY,
            P.CASE_WORKING_DATA,
            P.TASK_VIEW_ALL,
            P.TASK_REASSIGN,
            P.EXPORT,
            P.PROCESS_DEPLOY,
            P.PROCESS_MIGRATE,
            P.ADMIN_USERS,
            P.ADMIN_SETTINGS,
            P.CASE_IMPORT,
            P.INCIDENT_MANAGE,
            P.MESSAGE_SEND,
            P.EXTERNAL_TASK_WORK,
            P.METRICS_READ,
        }
    ),
    Role.DESIGNER: frozenset({P.PROCESS_DEPLOY, P.PROCESS_MIGRATE, P.CASE_WORKING_DATA}),
    Role.OFFICER: frozenset({P.CASE_START, P.CASE_CANCEL, P.CASE_WORKING_DATA}),
    Role.OFFICE_HEAD: frozenset(
        {
            P.CASE_START,
            P.CASE_CANCEL,
            P.CASE_VIEW_ALL,
            P.TASK_VIEW_ALL,
            P.TASK_REASSIGN,
            P.CONFIDENTIAL_READ,
            P.CASE_WORKING_DATA,
            P.SUPERVISE,
            P.EXPORT,
            P.INCIDENT_MANAGE,
        }
    ),
    Role.PETITION_OFFICER: frozenset({P.CONFIDENTIAL_READ, P.CASE_WORKING_DATA}),
    Role.SUPERVISOR: frozenset({P.CASE_VIEW_ALL, P.TASK_VIEW_ALL, P.SUPERVISE, P.EXPORT, P.CASE_WORKING_DATA}),
    Role.CHAIR: frozenset({P.CASE_VIEW_ALL, P.EXPORT, P.CASE_WORKING_DATA}),
    Role.DEPUTY: frozenset(),
    # a monitoring system's account (Prometheus scraping /metrics from another machine with an
    # API token of it): the operational figures and nothing else, so that its never-expiring
    # token opens no admin API and no case. Give it no unit: a unit's members are offered the
    # unit's tasks, and see their cases, whatever their roles.
    Role.MONITOR: frozenset({P.METRICS_READ}),
}


def permissions_of(roles: Iterable[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for name in roles:
        try:
            granted |= ROLE_PERMISSIONS[Role(name)]
        except ValueError:
            continue  # a role this version does not know grants nothing
    return frozenset(granted)


class Unit(Protocol):
    code: str


class Person(Protocol):
    """What the policy reads of a user (the stored one, or anything shaped like it)."""

    username: str

    @property
    def roles(self) -> set[str]: ...

    @property
    def groups(self) -> set[str]: ...

    @property
    def department(self) -> Unit | None: ...


@dataclass(frozen=True)
class Actor:
    """A person (or the system) acting: username, roles, candidate groups, and the
    permissions the roles grant; ``through_token``: they act through a personal API token,
    not in person (a signed-in session, the command line)."""

    username: str
    roles: frozenset[str] = field(default_factory=frozenset)
    groups: frozenset[str] = field(default_factory=frozenset)
    department: str | None = None  # the code of the person's unit
    through_token: bool = False
    permissions: frozenset[Permission] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "permissions", permissions_of(self.roles))

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def has_role(self, *roles: str) -> bool:
        """Only for what a role *is* (a candidate group, a label); what it may do is ``can``."""
        return bool(self.roles.intersection(roles))

    @classmethod
    def of(cls, user: Person, *, through_token: bool = False) -> Actor:
        return cls(
            user.username,
            frozenset(user.roles),
            frozenset(user.groups),
            user.department.code if user.department else None,
            through_token,
        )


# The engine acting on its own (timers, the scheduler, set-up commands): every permission
# but reading confidential data, which nothing automatic needs.
SYSTEM = Actor("system", frozenset({Role.ADMIN.value}), frozenset())
# Whoever runs a command on the server with ``--operator`` (setting up, recovering): the
# same rights as the system, recorded under its own name.
OPERATOR = Actor("operator", frozenset({Role.ADMIN.value}), frozenset())


def require(actor: Actor, permission: Permission, doing: str) -> None:
    """NotAllowed unless ``actor`` has ``permission``; ``doing`` says what was refused."""
    if not actor.can(permission):
        raise NotAllowed(
            f"{actor.username} may not {doing} (needs the permission {permission.value})",
            "needs_permission",
            permission=permission.value,
        )


# -- tasks ------------------------------------------------------------------------------
class Offered(Protocol):
    """What the policy reads of a work item (an ORM row or a plain ItemRow)."""

    assignee: str | None

    @property
    def candidate_users(self) -> list[str]: ...

    @property
    def candidate_groups(self) -> list[str]: ...


def is_candidate(actor: Actor, item: Offered) -> bool:
    return actor.username in item.candidate_users or bool(actor.groups.intersection(item.candidate_groups))


def may_act(actor: Actor, item: Offered) -> bool:
    """Complete, save a draft: the assignee; an unclaimed task, its candidates."""
    if item.assignee is not None:
        return item.assignee == actor.username
    return is_candidate(actor, item)


def may_claim(actor: Actor, item: Offered) -> bool:
    return item.assignee is None and is_candidate(actor, item)


def may_give_back(actor: Actor, item: Offered) -> bool:
    """Unclaim: the holder, or whoever may reassign tasks; never a task offered to nobody
    else (a ``camunda:assignee`` alone, as a deputy's evaluation is): given back, it would
    wait in no one's inbox and the case would stall."""
    return is_offered(item) and (item.assignee == actor.username or actor.can(P.TASK_REASSIGN))


def is_offered(item: Offered) -> bool:
    """Whether anyone may claim the task when nobody holds it: it names candidates."""
    return bool(item.candidate_users or item.candidate_groups)


def may_hand_over(actor: Actor, item: Offered) -> bool:
    """Hand to a colleague: whoever may act on it now, or whoever may reassign tasks."""
    return may_act(actor, item) or actor.can(P.TASK_REASSIGN)


def may_take(person: Actor, *, readers_offered: bool) -> bool:
    """Whether ``person`` may come to hold a task offered to them or their groups (claim it,
    complete it unclaimed, which takes it, or be handed it), as far as its case's confidential
    fields go (its process's, or those its caller gave a called case: the rule is the case's,
    for any of its tasks). On a case with confidential fields, a task offered to someone who may read them
    (``readers_offered``: the office's petition tasks, which decide on the petition and tell
    the petitioner) is for such people alone: a supervisor, a designer or an administrator who
    sits in the office would decide on it seeing masks, unable to tell the petitioner anything.
    A task none of whose people may read them (the handling unit's, which works without the
    identity by design) is for any of them."""
    return not readers_offered or may_read_confidential(person)


def may_hand_to(
    actor: Actor,
    item: Offered,
    *,
    colleague_is_candidate: bool,
    anyone_may_hold: bool,
    colleague: Actor | None = None,
    readers_offered: bool = False,
) -> bool:
    """Whom a task may be handed to: one of its candidates; and, by whoever may reassign
    tasks, anyone at all when no active person is a candidate (a task nobody could ever
    hold would otherwise wait for ever). Never to a ``colleague`` who may not take it for
    the confidential fields of its case (``may_take``), nor by an ``actor`` who may not take
    it either (a supervisor who sits in the office passing the office's petition task on)."""
    if not may_take(actor, readers_offered=readers_offered):
        return False
    if colleague is not None and not may_take(colleague, readers_offered=readers_offered):
        return False
    if colleague_is_candidate:
        return True
    return not anyone_may_hold and actor.can(P.TASK_REASSIGN)


def may_list_all_tasks(actor: Actor) -> bool:
    return actor.can(P.TASK_VIEW_ALL)


def may_read_draft(actor: Actor, *, author: str | None) -> bool:
    """A task's saved draft (草稿), and its saves in the case's history: its author's alone
    until the task is submitted. What someone typed so far is not yet what anyone answered:
    whoever else sees the task (a supervisor, the chair) or may work on it (a colleague of the
    unit, the one it is handed to) sees the form as it starts."""
    return author is not None and author == actor.username


# -- cases ------------------------------------------------------------------------------
def sees_every_case(actor: Actor) -> bool:
    return actor.can(P.CASE_VIEW_ALL)


def may_start(actor: Actor, starter_groups: Iterable[str]) -> bool:
    """A process naming starter groups: their members; one naming none: whoever may start
    cases; administrators: any."""
    groups = tuple(starter_groups)
    if actor.can(P.CASE_START_ANY):
        return True
    if groups:
        return bool(actor.groups.intersection(groups))
    return actor.can(P.CASE_START)


def starts_only_as(actor: Actor, starter_groups: Iterable[str], group: str) -> bool:
    """Whether ``actor`` may start a process only as a member of ``group`` (a deputy, who
    files a proposal in their own name), not for others: the office, which registers
    proposals for deputies, and administrators choose whom a start form names."""
    if actor.can(P.CASE_START_ANY) or group not in actor.groups:
        return False
    return set(actor.groups).intersection(starter_groups) == {group}


# The congress office's unit code: made at ``init`` (镇人大办), the group the processes' office
# lanes name. It answers for a case started by someone of no unit (a deputy's own proposal).
CONGRESS_OFFICE = "office"


def may_cancel(actor: Actor, starter_unit: str | None) -> bool:
    """The office the case was started from (its officers and head), the congress office for a
    case someone of no unit started (a deputy withdraws his proposal, or it is merged with
    another: the office records it), and administrators."""
    if actor.can(P.CASE_CANCEL_ANY):
        return True
    return actor.can(P.CASE_CANCEL) and actor.department == (starter_unit or CONGRESS_OFFICE)


def may_read_confidential(actor: Actor) -> bool:
    return actor.can(P.CONFIDENTIAL_READ)


def roles_reading_confidential() -> frozenset[Role]:
    """The roles granting ``confidential.read``: whoever holds one of them reads what
    ``may_read_confidential`` lets read (for a query of such people, or of their groups)."""
    return frozenset(role for role, granted in ROLE_PERMISSIONS.items() if P.CONFIDENTIAL_READ in granted)


def may_export_ledger(actor: Actor) -> bool:
    """A year's ledger (台账) as a spreadsheet in the import's own shape: every case of the
    process received in the year, with its texts. Whoever imports ledgers (``case.import``:
    the file is to be imported again), and whoever may see every case, read the petitioner's
    identity and export case data (``case.view_all``, ``confidential.read`` and ``export``:
    the office head). The identity is exported only to whoever may read it
    (``may_read_confidential``), masked for the others: only such a reader's petitions ledger
    re-creates the cases in an empty database (``roles_exporting_identities``)."""
    return _exports_ledger(actor.permissions)


def _exports_ledger(granted: Collection[Permission]) -> bool:
    return P.CASE_IMPORT in granted or all(p in granted for p in (P.CASE_VIEW_ALL, P.CONFIDENTIAL_READ, P.EXPORT))


def roles_exporting_identities() -> frozenset[Role]:
    """The roles that by themselves let one export a ledger with the petitioner's identity
    (``may_export_ledger`` and ``may_read_confidential``): whom a masked ledger's reader is
    told to ask for one that imports again."""
    return frozenset(
        role
        for role, granted in ROLE_PERMISSIONS.items()
        if _exports_ledger(granted) and P.CONFIDENTIAL_READ in granted
    )


def may_read_note(actor: Actor, *, confidential: bool, author: str) -> bool:
    """A comment or an attachment: a confidential one only with the permission, or by its author."""
    return not confidential or author == actor.username or may_read_confidential(actor)


def may_read_field(actor: Actor, readers: Collection[str], author: str | None = None) -> bool:
    """A form field's value. One naming its ``readers`` (``readers=office``: a deputy's score
    in an evaluation, which the congress office tallies) is read by the members of those
    groups and by whoever entered it (``author``, when known: the person of a history entry,
    the one who saved a draft), by nobody else: no permission reads it, not an
    administrator's, not ``confidential.read``, not the working data, for a ballot is read
    by as few as possible, and whoever needs it joins the group. One naming none: whoever
    may see the case."""
    if not readers:
        return True
    return (author is not None and author == actor.username) or bool(actor.groups.intersection(readers))


def may_read_working_data(actor: Actor) -> bool:
    """A case's working data: the variables its process keeps for itself (counters, flags,
    computed dates, by their technical keys: ``rehandle_count``, ``solved``), which no form
    labels, and whatever else its history records beyond what its forms ask. For whoever works
    the congress's processes; not for a deputy, who follows his proposals from outside the
    office, reads a case by what its forms label and sees in full what he entered himself."""
    return actor.can(P.CASE_WORKING_DATA)


def may_read_working_field(actor: Actor, author: str | None = None) -> bool:
    """A form field that is the process's working data, though a form labels it
    (``engine.bpmn.forms.working_fields``): one the process fills and forms only show
    (剩余可延期（月）, a count it keeps), or one marked ``internal``, an exchange between those
    who work the case (a unit's reasons for returning a proposal, the office's text on them).
    Read like the working data, and by whoever entered it; not by a deputy, who follows his
    proposal by its facts and decisions (that it was re-assigned, and to whom), not by the
    office's and the units' bookkeeping or arguments. Unlike ``readers``, no group is named:
    the unit it is exchanged with changes from case to case (the lead unit of the day)."""
    return may_read_working_data(actor) or (author is not None and author == actor.username)


def may_manage_incidents(actor: Actor) -> bool:
    """A case's run-time failures carry the error as the engine wrote it (values of the
    case's data may be in it): those who answer for the office's processes see and retry
    them, not every officer of the case."""
    return actor.can(P.INCIDENT_MANAGE)


def may_send_messages(actor: Actor) -> bool:
    """Deliver a message or a signal: it moves cases on with the data it carries, whoever
    holds them, like completing their task; administrators, and the integrating systems that
    act through an administrator's API token (or the command line's ``--operator``)."""
    return actor.can(P.MESSAGE_SEND)


def may_work_external_tasks(actor: Actor) -> bool:
    """Fetch, lock, complete or fail external tasks: a worker's answer moves cases on with
    the data it carries, whoever holds them, like a message; administrators, and the workers
    that act through an administrator's API token (or the command line's ``--operator``)."""
    return actor.can(P.EXTERNAL_TASK_WORK)


def may_see_worker_errors(actor: Actor) -> bool:
    """The external tasks list with the errors workers reported (the text a worker wrote may
    carry the case's data): the workers' side, and whoever answers for incidents."""
    return actor.can(P.EXTERNAL_TASK_WORK) or actor.can(P.INCIDENT_MANAGE)


def may_read_metrics(actor: Actor | None, *, from_loopback: bool, loopback_allowed: bool) -> bool:
    """The operational figures (request latencies, completions, timer lateness, task counts:
    no case data, no names): a person with ``metrics.read`` (a monitoring system scraping with
    an API token of theirs), or, when the configuration allows it, a scrape from this machine
    itself (the usual Prometheus beside the server). ``from_loopback`` is for the caller to say
    truthfully: a request a reverse proxy passed on comes from the proxy's loopback address but
    from elsewhere in truth, and is not from loopback."""
    if actor is not None and actor.can(P.METRICS_READ):
        return True
    return loopback_allowed and from_loopback


# -- everything else ----------------------------------------------------------------------
def may_sign_in_to_pages(actor: Actor) -> bool:
    """Sign in to the web pages with a password: anyone, except an account whose roles grant
    the operational figures and nothing else (``monitor``, 监控). Such an account exists to hold
    the API token a monitoring system scrapes /metrics with: in person it would read nothing a
    page shows, and its password would only be one more way in. Its token goes on working
    (``may_read_metrics``). A role that grants no permission but is someone's work (a deputy's,
    offered the deputies' tasks) does not make an account one of these, nor does a unit."""
    if not actor.roles or actor.department is not None:
        return True
    return not actor.roles <= _FIGURES_ONLY_ROLES


# the roles granting metrics.read and nothing else
_FIGURES_ONLY_ROLES = frozenset(role.value for role, granted in ROLE_PERMISSIONS.items() if granted == {P.METRICS_READ})


def may_manage_tokens(actor: Actor, username: str) -> bool:
    """List and revoke ``username``'s tokens: oneself, or an administrator; also through a
    token (a script that retires itself or lists its siblings)."""
    return actor.username == username or actor.can(P.ADMIN_USERS)


def may_make_tokens(actor: Actor, username: str) -> bool:
    """Make a token for ``username``: whoever may manage that person's tokens, in person
    only. A token that could make tokens would let whoever stole it make a successor that
    outlives the stolen one's revocation."""
    return not actor.through_token and may_manage_tokens(actor, username)


def may_deploy(actor: Actor) -> bool:
    return actor.can(P.PROCESS_DEPLOY)


def may_administer(actor: Actor) -> bool:
    return actor.can(P.ADMIN_USERS)


def may_change_settings(actor: Actor) -> bool:
    return actor.can(P.ADMIN_SETTINGS)
