"""The process library (流程库) for designers: every process with its versions (who deployed
each, when, why, how many cases run and have finished on it), offering a process for new
cases or not, a version's BPMN, and a rollback: an old version's content deployed again as
the newest version. Designers and administrators only (process.deploy)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import InstanceStatus
from storage.models import DefinitionNote, ProcessDefinition, ProcessInstance, ProcessOffering

from .. import clock
from ..access import Actor
from ..bpmn.layout import with_diagram
from ..errors import FieldError, InvalidData, NotFound
from .context import audit
from .definitions import Deployed, deploy, require_designer
from .labels import people_names
from .offering import refuse_if_already


@dataclass(frozen=True)
class VersionRow:
    definition_id: int
    key: str
    name: str
    version: int
    deployed_by: str
    deployed_at: datetime
    source_file: str
    note: str
    rolled_back_from: int | None  # the version whose content this one deployed again
    running: int  # cases running on this version
    finished: int  # completed or cancelled
    latest: bool


@dataclass(frozen=True)
class LibraryProcess:
    key: str
    name: str  # the newest version's
    offered: bool  # offered for new cases (发起)
    offering_changed_by: str | None
    offering_changed_at: datetime | None
    versions: tuple[VersionRow, ...]  # newest first
    people: Mapping[str, str] = field(default_factory=dict)  # user name → display name, of those it names

    @property
    def latest(self) -> VersionRow:
        return self.versions[0]

    @property
    def running(self) -> int:
        return sum(v.running for v in self.versions)

    @property
    def finished(self) -> int:
        return sum(v.finished for v in self.versions)


def _rows(session: Session, key: str | None) -> list[VersionRow]:
    """Every version (of ``key``, or of every process), newest first, with its case counts
    counted by the database: one query, however many cases there are."""
    running = func.count(case((ProcessInstance.status == InstanceStatus.RUNNING, 1)))
    finished = func.count(case((ProcessInstance.status != InstanceStatus.RUNNING, 1)))
    counts = (
        select(ProcessInstance.definition_id, running.label("running"), finished.label("finished"))
        .group_by(ProcessInstance.definition_id)
        .subquery()
    )
    query = (
        select(
            ProcessDefinition.id,
            ProcessDefinition.key,
            ProcessDefinition.name,
            ProcessDefinition.version,
            ProcessDefinition.deployed_by,
            ProcessDefinition.deployed_at,
            ProcessDefinition.source_file,
            DefinitionNote.note,
            DefinitionNote.rolled_back_from,
            func.coalesce(counts.c.running, 0),
            func.coalesce(counts.c.finished, 0),
        )
        .outerjoin(DefinitionNote, DefinitionNote.definition_id == ProcessDefinition.id)
        .outerjoin(counts, counts.c.definition_id == ProcessDefinition.id)
        .order_by(ProcessDefinition.key, ProcessDefinition.version.desc())
    )
    if key is not None:
        query = query.where(ProcessDefinition.key == key)
    rows: list[VersionRow] = []
    for r in session.execute(query):
        latest = not rows or rows[-1].key != r[1]
        rows.append(VersionRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] or "", r[8], r[9], r[10], latest))
    return rows


def _offerings(session: Session, key: str | None = None) -> dict[str, ProcessOffering]:
    query = select(ProcessOffering)
    if key is not None:
        query = query.where(ProcessOffering.key == key)
    return {o.key: o for o in session.scalars(query)}


def _group(session: Session, rows: list[VersionRow], offerings: dict[str, ProcessOffering]) -> list[LibraryProcess]:
    by_key: dict[str, list[VersionRow]] = {}
    for row in rows:
        by_key.setdefault(row.key, []).append(row)
    # the few designers who deployed or stopped a process, read once for every process listed
    names = people_names(
        session, {r.deployed_by for r in rows} | {o.changed_by for o in offerings.values() if o.changed_by}
    )
    result = []
    for key, versions in by_key.items():
        offering = offerings.get(key)
        result.append(
            LibraryProcess(
                key,
                versions[0].name,
                offering is None or offering.offered,
                offering.changed_by if offering else None,
                offering.changed_at if offering else None,
                tuple(versions),
                names,
            )
        )
    return result


def process_library(session: Session, actor: Actor) -> list[LibraryProcess]:
    """Every deployed process with all its versions, by key."""
    require_designer(actor)
    return _group(session, _rows(session, None), _offerings(session))


def process_versions(session: Session, actor: Actor, key: str) -> LibraryProcess:
    require_designer(actor)
    rows = _rows(session, key)
    if not rows:
        raise NotFound(f"no process {key!r} is deployed")
    return _group(session, rows, _offerings(session, key))[0]


def definition_of(session: Session, key: str, version: int) -> ProcessDefinition:
    """One version; NotFound names the process and the versions it has."""
    definition = session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == version)
    ).first()
    if definition is not None:
        return definition
    latest = repo.latest_definition(session, key)
    if latest is None:
        raise NotFound(f"no process {key!r} is deployed")
    raise NotFound(f"process {key!r} has no version {version}: its versions are 1 to {latest.version}")


def version_document(session: Session, actor: Actor, key: str, version: int) -> tuple[str, str]:
    """(file name, XML) of one version exactly as it was deployed, for a download."""
    require_designer(actor)
    definition = definition_of(session, key, version)
    return f"{key}-v{version}.bpmn", definition.bpmn_xml


def version_diagram(session: Session, actor: Actor, key: str, version: int) -> str:
    """One version's XML for the read-only viewer: a generated layout when it has none."""
    require_designer(actor)
    return with_diagram(definition_of(session, key, version).bpmn_xml)


def rollback(session: Session, actor: Actor, key: str, version: int, note: str = "") -> Deployed:
    """Deploy ``version``'s content again as the newest version, with a note saying from
    which version. Cases running on any version go on on theirs."""
    require_designer(actor)
    definition = definition_of(session, key, version)
    latest = repo.latest_definition(session, key)
    if latest is not None and latest.version == version:
        raise InvalidData({"version": FieldError("already_newest", {"version": version, "key": key})})
    note = f"回滚：重新部署 v{version}" + (f"。{note.strip()}" if note.strip() else "")
    results = deploy(
        session,
        definition.bpmn_xml,
        definition.source_file,
        actor,
        note=note,
        keys=frozenset({key}),
        again_from=version,
    )
    return results[0]


def _first_offering(session: Session, key: str, actor: Actor) -> ProcessOffering:
    """The row of ``key``, which had none (no row: offered), locked: a new one saying offered;
    or, when another designer's first stop inserted it at the same moment (on PostgreSQL both
    saw no row and the second insert waited for the first to commit), theirs as committed, so
    that the caller tells this designer who stopped it instead of failing on the duplicate."""
    offering = ProcessOffering(key=key, offered=True, changed_by=actor.username, changed_at=clock.now())
    try:
        with session.begin_nested():  # only the insert is undone, not the caller's transaction
            session.add(offering)
    except IntegrityError:
        theirs = session.get(ProcessOffering, key, with_for_update=True, populate_existing=True)
        if theirs is None:  # no duplicate after all: a database error of another kind
            raise
        return theirs
    return offering


def set_offered(session: Session, actor: Actor, key: str, offered: bool) -> LibraryProcess:
    """Start or stop offering a process for new cases; AlreadySo when it already is (the
    record keeps who made it so)."""
    require_designer(actor)
    if repo.latest_definition(session, key) is None:
        raise NotFound(f"no process {key!r} is deployed")
    offering = session.get(ProcessOffering, key, with_for_update=True)
    refuse_if_already(key, offering, offered)
    if offering is None:
        offering = _first_offering(session, key, actor)
        refuse_if_already(key, offering, offered)  # another designer's first stop committed meanwhile
    offering.offered, offering.changed_by, offering.changed_at = offered, actor.username, clock.now()
    session.flush()
    audit(session, actor, "offer_process" if offered else "stop_process", data={"key": key})
    return process_versions(session, actor, key)
