"""Compare two versions of a process, or a draft with the deployed version it would replace:
the elements added, removed and changed (engine.bpmn.diff), for the designer's diff page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import ProcessDraft

from ..access import Actor
from ..bpmn.diff import ElementDiff, diff_documents
from ..errors import NotFound
from .definitions import require_designer
from .library import definition_of


@dataclass(frozen=True)
class VersionDiff:
    key: str
    name: str  # the process's name, as the newer side calls it
    old_version: int | None  # None: nothing deployed yet (a new process's draft)
    new_version: int | None  # None: the draft
    draft_id: int | None
    elements: tuple[ElementDiff, ...]

    def count(self, status: str) -> int:
        return sum(1 for e in self.elements if e.status == status)


EMPTY = '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="empty"/>'


def compare_versions(session: Session, actor: Actor, key: str, old: int, new: int) -> VersionDiff:
    """What changed from version ``old`` to version ``new`` of ``key``."""
    require_designer(actor)
    before, after = definition_of(session, key, old), definition_of(session, key, new)
    elements = diff_documents(before.bpmn_xml, after.bpmn_xml, f"{key}-v{old}.bpmn", f"{key}-v{new}.bpmn")
    return VersionDiff(key, after.name or key, old, new, None, tuple(elements))


def compare_draft(session: Session, actor: Actor, draft_id: int) -> VersionDiff:
    """What deploying the draft would change from the newest deployed version (everything
    is added when its process was never deployed)."""
    require_designer(actor)
    draft = session.get(ProcessDraft, draft_id)
    if draft is None:
        raise NotFound(f"no draft {draft_id}: it was deployed or discarded, or never existed")
    latest = repo.latest_definition(session, draft.key)
    old_xml = latest.bpmn_xml if latest else EMPTY
    old_file = f"{draft.key}-v{latest.version}.bpmn" if latest else "(nothing deployed)"
    elements = diff_documents(old_xml, draft.bpmn_xml, old_file, draft.filename)
    name = (latest.name if latest else None) or draft.key
    return VersionDiff(draft.key, name, latest.version if latest else None, None, draft_id, tuple(elements))
