"""Drafts (草稿): a process saved without deploying, resumed later, deployed or discarded;
a .bpmn file uploaded into one; a new process begun from a template of bpmn/templates/.

A draft only needs to be BPMN (well-formed, a <definitions> with a <process>): it is work in
progress, so the deploy checks run when it is deployed, not when it is saved. Every designer
sees every draft (with who began it); each save names the revision it started from, so when
two designers save the same draft the later save is refused, saying who saved it first,
instead of overwriting their work. A page also names the draft's creation stamp: a save to a
draft since deployed or discarded is refused (DraftGone, saying who did it and when), never
written over another draft (a draft's id is never given out twice: storage.models.ProcessDraft)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from lxml import etree
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import AuditEntry, ProcessDraft

from .. import clock
from ..access import Actor
from ..bpmn.camunda import NSMAP
from ..bpmn.checks import name_problems
from ..bpmn.documents import load_xml
from ..bpmn.layout import with_diagram
from ..bpmn.stored_lengths import NAME_LENGTH
from ..errors import Conflict, FieldError, InvalidBpmn, InvalidData, NotFound, Problem
from ..text import control_character
from .context import audit
from .definitions import (
    Deployed,
    check_note,
    check_size,
    checked_filename,
    deploy,
    read_bpmn_file,
    require_designer,
)
from .labels import people_names

KEY_LENGTH = 200
KEY = re.compile(rf"[A-Za-z_][A-Za-z0-9_.-]{{0,{KEY_LENGTH - 1}}}")  # an xsd:ID, as a process id must be


@dataclass(frozen=True)
class DraftView:
    id: int
    key: str
    name: str
    owner: str
    note: str
    filename: str
    base_version: int | None
    revision: int
    created_at: datetime
    updated_at: datetime
    updated_by: str
    people: Mapping[str, str] = field(default_factory=dict)  # user name → display name, of its owner and last saver


@dataclass(frozen=True)
class DraftDocument:
    draft: DraftView
    xml: str


@dataclass(frozen=True)
class Template:
    name: str  # the file's stem: approval, deadline_supervision...
    title: str  # the process's name in the file
    description: str  # its <documentation>


def _view(session: Session, draft: ProcessDraft) -> DraftView:
    return _views(session, [draft])[0]


def _views(session: Session, found: Sequence[ProcessDraft]) -> list[DraftView]:
    """The drafts as shown, with the names of their owners and last savers read at once."""
    names = people_names(session, {u for d in found for u in (d.owner, d.updated_by)})
    return [
        DraftView(
            d.id,
            d.key,
            d.name,
            d.owner,
            d.note,
            d.filename,
            d.base_version,
            d.revision,
            d.created_at,
            d.updated_at,
            d.updated_by,
            names,
        )
        for d in found
    ]


class DraftGone(NotFound):
    """The draft a page had open is not there any more: ``how`` it went ("deployed" or
    "discarded"; None when the audit log does not say), ``by`` whom, ``at`` when, and for a
    deploy the versions it became (``key vN``). What the page's designer had is not saved;
    ``discarding``: they were discarding it, so that nothing of theirs was lost."""

    def __init__(
        self,
        draft_id: int,
        how: str | None = None,
        by: str | None = None,
        at: datetime | None = None,
        versions: tuple[str, ...] = (),
        discarding: bool = False,
    ):
        if how is None or at is None:
            what = f"draft {draft_id} no longer exists: it was deployed or discarded"
        else:
            what = f"draft {draft_id} was {how} by {by} at {at:%Y-%m-%d %H:%M} UTC"
            if versions:
                what += f" (as {', '.join(versions)})"
        outcome = (
            "there is nothing left to discard"
            if discarding
            else "your changes were not saved: save them as a new draft"
        )
        super().__init__(f"{what}; {outcome}")
        self.draft_id = draft_id
        self.how = how
        self.by = by
        self.at = at
        self.versions = versions
        self.discarding = discarding


ONE_DEPLOY = timedelta(minutes=1)  # the deploy entries of one document's processes are written together
# the audit actions that end a draft (a deploy's entry names the draft it deployed)
_ENDED_BY = {"discard_draft": "discarded", "deploy": "deployed"}


def _gone(session: Session, draft_id: int, created_at: datetime | None, discarding: bool = False) -> DraftGone:
    """Why the draft a page opened (made at ``created_at``, when the page said) is gone, from
    the audit log: the first end of a draft of that id after it was made, else the latest.
    Read only when a save is refused, so a scan of the log's entries of these actions is fine."""
    query = select(AuditEntry.action, AuditEntry.actor, AuditEntry.at, AuditEntry.data).where(
        AuditEntry.action.in_(tuple(_ENDED_BY))
    )
    if created_at is not None:
        query = query.where(AuditEntry.at >= created_at).order_by(AuditEntry.id)
    else:
        query = query.order_by(AuditEntry.id.desc())
    ended: tuple[str, str, datetime] | None = None
    versions: list[str] = []
    for action, actor, at, data in session.execute(query):
        if not isinstance(data, dict) or data.get("draft") != draft_id:
            continue
        if ended is None:
            ended = (_ENDED_BY[action], actor, at)
        elif action != "deploy" or ended[0] != "deployed" or actor != ended[1] or abs(at - ended[2]) > ONE_DEPLOY:
            break  # past the entries of the one deploy (a document of several processes writes one each)
        if action == "deploy":
            versions.append(f"{data.get('key')} v{data.get('version')}")
    if ended is None:
        return DraftGone(draft_id, discarding=discarding)
    how, by, at = ended
    return DraftGone(draft_id, how, by, at, tuple(versions), discarding)


def _process_of(xml: str, file: str) -> tuple[str, str]:
    """(key, name) of the document's first process; InvalidBpmn names the file (and the
    line) when it is not a BPMN document at all, or when the name the drafts' list would show
    holds a control or a direction character (as deploy refuses it: ``name_problems``)."""
    check_size(xml, file)
    root = load_xml(xml, file)
    process = root.find("bpmn:process", NSMAP)
    if process is None or not process.get("id"):
        raise InvalidBpmn([Problem("the document has no <process> with an id: nothing to save", file, root.sourceline)])
    if problems := name_problems(process, file):
        raise InvalidBpmn(problems)
    key = process.get("id") or ""
    return key, process.get("name") or key


def _draft(session: Session, draft_id: int) -> ProcessDraft:
    draft = session.get(ProcessDraft, draft_id)
    if draft is None:
        raise NotFound(f"no draft {draft_id}: it was deployed or discarded, or never existed")
    return draft


def _opened_draft(
    session: Session, draft_id: int, created_at: datetime | None, discarding: bool = False
) -> ProcessDraft:
    """The draft a page opened, made at ``created_at`` (None: the caller does not say, and
    any draft of that id is taken); DraftGone when it is not there any more."""
    draft = session.get(ProcessDraft, draft_id)
    if draft is None or (created_at is not None and draft.created_at != created_at):
        raise _gone(session, draft_id, created_at, discarding)
    return draft


def list_drafts(session: Session, actor: Actor, key: str | None = None) -> list[DraftView]:
    require_designer(actor)
    query = select(ProcessDraft).order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc())
    if key is not None:
        query = query.where(ProcessDraft.key == key)
    return _views(session, list(session.scalars(query)))


def get_draft(session: Session, actor: Actor, draft_id: int) -> DraftDocument:
    require_designer(actor)
    draft = _draft(session, draft_id)
    return DraftDocument(_view(session, draft), draft.bpmn_xml)


def draft_diagram(session: Session, actor: Actor, draft_id: int) -> str:
    """A draft's XML for a read-only viewer (the diff): a generated layout when it has none
    (a file uploaded without one); as it is when it cannot be read (a draft may be saved
    unfinished)."""
    require_designer(actor)
    xml = _draft(session, draft_id).bpmn_xml
    try:
        return with_diagram(xml)
    except (etree.XMLSyntaxError, ValueError):
        return xml


def create_draft(
    session: Session, actor: Actor, xml: str, filename: str, note: str = "", based_on: Mapping[str, int] | None = None
) -> DraftView:
    """A new draft of the document's process (a deployed one, or a new one), based on the
    version the edit began from (``based_on``: key → version), else on the latest."""
    require_designer(actor)
    filename = checked_filename(filename)
    note = check_note(note)
    key, name = _process_of(xml, filename)
    latest = repo.latest_definition(session, key)
    base_version = (based_on or {}).get(key, latest.version if latest else None)
    now = clock.now()
    draft = ProcessDraft(
        key=key,
        name=name,
        owner=actor.username,
        note=note,
        filename=filename,
        bpmn_xml=xml,
        base_version=base_version,
        revision=1,
        created_at=now,
        updated_at=now,
        updated_by=actor.username,
    )
    session.add(draft)
    session.flush()
    audit(session, actor, "save_draft", data={"draft": draft.id, "key": key, "revision": 1})
    return _view(session, draft)


def _conflict(session: Session, draft_id: int, revision: int, discarding: bool = False) -> Conflict:
    """Someone saved the draft after the page opened ``revision``: nothing was saved or, when
    ``discarding``, the draft was not discarded (its newer revision is theirs, unread)."""
    draft = _draft(session, draft_id)
    saved = (
        f"draft {draft_id} was saved by {draft.updated_by} at {draft.updated_at:%Y-%m-%d %H:%M} UTC "
        f"(revision {draft.revision}) after you opened revision {revision}"
    )
    outcome = (
        "it was not discarded: open its latest revision before deciding again"
        if discarding
        else "your changes were not saved; open the draft again (or save yours as a new draft) and make them there"
    )
    return Conflict(
        f"{saved}: {outcome}",
        "draft_discard_saved_meanwhile" if discarding else "draft_saved_meanwhile",
        draft=draft_id,
        by=draft.updated_by,
        at=draft.updated_at,
        revision=draft.revision,
        opened=revision,
    )


def save_draft(
    session: Session,
    actor: Actor,
    draft_id: int,
    xml: str,
    revision: int,
    note: str | None = None,
    created_at: datetime | None = None,
) -> DraftView:
    """Save over a draft, if nobody saved it since ``revision``; otherwise Conflict. Given
    ``created_at`` (the creation stamp of the draft the page opened), DraftGone when that
    draft was deployed or discarded meanwhile."""
    require_designer(actor)
    draft = _opened_draft(session, draft_id, created_at)
    key, name = _process_of(xml, draft.filename)
    values: dict[str, object] = {
        "bpmn_xml": xml,
        "key": key,
        "name": name,
        "revision": revision + 1,
        "updated_at": clock.now(),
        "updated_by": actor.username,
    }
    if note is not None:
        values["note"] = check_note(note)
    # one statement compares and writes: two saves of the same revision cannot both pass
    done = session.execute(
        update(ProcessDraft)
        .where(ProcessDraft.id == draft_id, ProcessDraft.revision == revision)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise _conflict(session, draft_id, revision)
    session.refresh(draft)
    audit(session, actor, "save_draft", data={"draft": draft_id, "key": key, "revision": revision + 1})
    return _view(session, draft)


def discard_draft(
    session: Session, actor: Actor, draft_id: int, revision: int | None = None, created_at: datetime | None = None
) -> None:
    """Discard a draft (given ``revision``: only if nobody saved it since; given ``created_at``:
    only the draft the page opened). DraftGone, saying who deployed or discarded it and when,
    when it is gone already."""
    require_designer(actor)
    draft = _opened_draft(session, draft_id, created_at, discarding=True)
    if revision is not None and draft.revision != revision:
        raise _conflict(session, draft_id, revision, discarding=True)
    audit(session, actor, "discard_draft", data={"draft": draft_id, "key": draft.key})
    session.delete(draft)
    session.flush()


def upload_draft(session: Session, actor: Actor, data: bytes, filename: str, note: str = "") -> DraftView:
    """A .bpmn file (Camunda Modeler's, bpmn.io's...) as a new draft."""
    filename, xml = read_bpmn_file(actor, data, filename)
    return create_draft(session, actor, xml, filename, note)


def deploy_draft(
    session: Session,
    actor: Actor,
    draft_id: int,
    revision: int,
    note: str = "",
    xml: str | None = None,
    based_on: Mapping[str, int] | None = None,
    created_at: datetime | None = None,
) -> list[Deployed]:
    """Deploy a draft as it was saved at ``revision`` (or, given ``xml``, as the designer
    has it now: saved over that revision first); the draft is gone once deployed. When the
    deploy is refused the caller's transaction rolls back, the save with it. A version
    deployed after the one the draft is based on (its ``base_version``, or ``based_on`` when
    the designer chose to deploy over a newer one) refuses it: Conflict. Given ``created_at``,
    DraftGone when the draft the page opened was deployed or discarded meanwhile."""
    require_designer(actor)
    if xml is not None:
        revision = save_draft(session, actor, draft_id, xml, revision, note, created_at).revision
    draft = _opened_draft(session, draft_id, created_at)
    if draft.revision != revision:
        raise _conflict(session, draft_id, revision)
    if based_on is None and draft.base_version is not None:
        based_on = {draft.key: draft.base_version}
    results = deploy(
        session,
        draft.bpmn_xml,
        draft.filename,
        actor,
        note=note or draft.note,
        based_on=based_on,
        from_draft=draft_id,
    )
    session.delete(draft)
    session.flush()
    return results


# -- templates -------------------------------------------------------------------------
def templates(folder: Path) -> list[Template]:
    """The templates in ``folder`` (bpmn/templates/), by name."""
    found = []
    for path in sorted(folder.glob("*.bpmn")):
        root = load_xml(path.read_bytes(), path.name)
        process = root.find("bpmn:process", NSMAP)
        if process is None:
            continue
        doc = process.find("bpmn:documentation", NSMAP)
        found.append(
            Template(path.stem, process.get("name") or path.stem, (doc.text or "").strip() if doc is not None else "")
        )
    return found


def _template_errors(folder: Path, template: str, key: str, name: str) -> dict[str, FieldError]:
    """Every field's problem at once (the template, the key, the name), so that a form refused
    says them all, not one field's after another's is fixed. The name is stored stripped, in
    the drafts' list and the process's row: no longer than they keep it (NAME_LENGTH)."""
    errors: dict[str, FieldError] = {}
    known = [t.name for t in templates(folder)]
    if template not in known:
        errors["template"] = FieldError("no_template", {"template": template, "known": ", ".join(known)})
    if not KEY.fullmatch(key or ""):
        errors["key"] = FieldError("process_key", {"max": KEY_LENGTH})
    stored = (name or "").strip()
    if not stored:
        errors["name"] = FieldError("required")
    elif (refused := control_character(name)) is not None:
        errors["name"] = refused
    elif len(stored) > NAME_LENGTH:
        errors["name"] = FieldError("max_length", {"max": NAME_LENGTH})
    return errors


def template_document(folder: Path, template: str, key: str, name: str) -> str:
    """The template's XML with its process renamed to ``key`` / ``name``, with a diagram. The
    name is the process's, shown wherever it is: text (engine.text), which XML also holds
    (the key is an ASCII id, the template's documentation is its own)."""
    if errors := _template_errors(folder, template, key, name):
        raise InvalidData(errors)
    return _renamed(folder, template, key, name)


def _renamed(folder: Path, template: str, key: str, name: str) -> str:
    root = load_xml((folder / f"{template}.bpmn").read_bytes(), f"{template}.bpmn")
    process = root.find("bpmn:process", NSMAP)
    assert process is not None  # templates() listed it
    old = process.get("id")
    process.set("id", key)
    process.set("name", name.strip())
    for node in root.iter():
        if node.get("bpmnElement") == old:
            node.set("bpmnElement", key)
    return with_diagram(etree.tostring(root, encoding="unicode"))


def draft_from_template(
    session: Session, actor: Actor, folder: Path, template: str, key: str, name: str, note: str = ""
) -> DraftView:
    """A new process, begun from a template, as a draft under a key no process has yet; refused
    with every field's problem at once (a key taken too, whatever the template). The key and
    the name are read without the spaces around them, as they are stored (the designer's page
    and the API send them as typed)."""
    require_designer(actor)
    key = key.strip()
    errors = _template_errors(folder, template, key, name)
    if "key" not in errors and repo.latest_definition(session, key) is not None:
        errors["key"] = FieldError("key_taken", {"key": key})
    if errors:
        raise InvalidData(errors)
    return create_draft(session, actor, _renamed(folder, template, key, name), f"{key}.bpmn", note)
