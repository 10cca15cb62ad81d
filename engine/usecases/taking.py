"""Which offered tasks a reader may not take, as the inbox lists them: on a case with
confidential fields, a task offered to someone who may read them is taken only by such people
(``access.may_take``; one task at a time: ``tasks._readers_offered``). A claimable list (the
inbox's 可签收 tab and its open scope, the API's and the command line's task lists) leaves
those out for whoever may not read them, rather than offer what claiming would refuse."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage import repositories as repo

from .. import access
from ..access import Actor
from .confidentiality import confidential_fields
from .context import processes


def withheld_from(session: Session, actor: Actor) -> repo.Withheld | None:
    """What of the tasks offered to ``actor`` is kept for those who may read the confidential
    fields of its case: the unclaimed tasks of the processes with such fields that are offered
    to an active reader (by name or by one of the reader's groups). None when nothing is (the
    inbox's statements stay as they were): for whoever may read the fields, at no cost; for
    the others, three small indexed reads (the readers, their groups, the processes of what is
    offered both to them and to ``actor``: a handling unit's officer, offered nothing a reader
    is, keeps the inbox's statements as they were too)."""
    if access.may_read_confidential(actor):
        return None
    readers = _active_readers(session)
    if not readers:
        return None
    groups = tuple(sorted(repo.groups_of_users(session, readers)))
    offered = repo.definitions_offered_to(session, groups, readers, claimable_by=(actor.username, actor.groups))
    kept = tuple(d for d in offered if confidential_fields(processes.get_by_id(session, d)))
    if not kept:
        return None
    return repo.Withheld(definition_ids=kept, groups=groups, users=readers)


def _active_readers(session: Session) -> tuple[str, ...]:
    """The active people who may read confidential fields (by their roles), by user name."""
    roles = sorted(access.roles_reading_confidential())
    return tuple(sorted({name for name, _role in repo.active_users_in_roles(session, roles)}))
