"""Which offered tasks a reader may not take: on a case with confidential fields, a task
offered to someone who may read them is taken only by such people (``access.may_take``; one
task at a time: ``readers_offered``). Any task of such a case, whatever its form shows: the
rule keeps the case's decisions for those who can tell the petitioner. A case's confidential
fields are its process's and, for a case a call activity started, those its caller gave it
(``confidentiality.case_confidential``): the office's task in a called case is kept as in its
caller. A claimable list (the inbox's 可签收 tab and its open
scope, the API's and the command line's task lists) leaves those out for whoever may not read
them, rather than offer what claiming would refuse; its arrival is told only to those who may
take it (``notifications.notify_task``).

Such a reader counts while deactivated too (on leave, or between the office's staff): the
office's petition task stays the office readers' and waits, said to have nobody to take it,
rather than pass to a supervisor or a designer of the office who would decide on the petition
seeing masks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import ProcessInstance, WorkItem
from storage.repositories import ItemRow

from .. import access
from ..access import Actor
from .confidentiality import case_confidential, confidential_fields, confidential_of_case
from .context import processes


def withheld_from(session: Session, actor: Actor) -> repo.Withheld | None:
    """What of the tasks offered to ``actor`` is kept for those who may read the confidential
    fields of its case: the unclaimed tasks of the processes with such fields, and of the
    called cases their callers gave such fields, that are offered to an active reader (by name
    or by one of the reader's groups). None when nothing is (the inbox's statements stay as
    they were): for whoever may read the fields, at no cost; for the others, three small
    indexed reads (the readers, their groups, the processes and called cases of what is
    offered both to them and to ``actor``: a handling unit's officer, offered nothing a reader
    is, keeps the inbox's statements as they were too), and for each caller of such a called
    case its own row."""
    if access.may_read_confidential(actor):
        return None
    readers = tuple(sorted(_readers(session)))
    if not readers:
        return None
    groups = tuple(sorted(repo.groups_of_users(session, readers)))
    offered = repo.cases_offered_to(session, groups, readers, claimable_by=(actor.username, actor.groups))
    # every case of a process with confidential fields of its own; of another process, the
    # called cases whose caller gave them some
    kept = tuple(
        sorted({o.definition_id for o in offered if confidential_fields(processes.get_by_id(session, o.definition_id))})
    )
    called = tuple(
        o.id for o in offered if o.id is not None and o.definition_id not in kept and case_confidential(session, o)
    )
    if not kept and not called:
        return None
    return repo.Withheld(definition_ids=kept, groups=groups, users=readers, instance_ids=called)


def readers_offered(session: Session, item: WorkItem | ItemRow, case: ProcessInstance | None = None) -> bool:
    """Whether ``item`` is of a case with confidential fields (``case``, when the caller holds
    it: its process's, or its caller's) and offered to someone who may read them (named, or in
    one of its groups), active or not: then only such people take it, are handed it, are listed
    to be handed it, or are told it arrived (``takers``)."""
    return takers(session, item, case) is not None


def takers(session: Session, item: WorkItem | ItemRow, case: ProcessInstance | None = None) -> frozenset[str] | None:
    """The active readers who alone may take ``item`` when it is kept for them
    (``readers_offered``); None when it is not (anyone offered it may take it). Two small
    queries (the readers, their groups), and only on a case with confidential fields; what
    those are costs none for a ``case`` given that no call activity started, one to read its
    case's process and caller when none is given."""
    confidential = (
        case_confidential(session, case) if case is not None else confidential_of_case(session, item.instance_id)
    )
    if not confidential:
        return None
    readers = _readers(session)
    if not readers:
        return None
    offered = bool(set(readers).intersection(item.candidate_users)) or bool(
        repo.groups_of_users(session, readers).intersection(item.candidate_groups)
    )
    return frozenset(name for name, active in readers.items() if active) if offered else None


def _readers(session: Session) -> dict[str, bool]:
    """Everyone who may read confidential fields (by their roles), active or not: name → active."""
    return repo.users_in_roles(session, sorted(access.roles_reading_confidential()))
