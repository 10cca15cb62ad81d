"""Process definitions: deploying BPMN (validate, then store one new version per changed
process), the deployed processes and their versions, a version's XML for the diagram and
the designer's modeler (designers and administrators deploy)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from xml.sax.saxutils import quoteattr

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import advisory_locks
from storage import repositories as repo
from storage.models import DefinitionNote, ProcessDefinition

from .. import access, clock
from ..access import Actor
from ..bpmn.camunda import NSMAP
from ..bpmn.default_group import with_default_group
from ..bpmn.documents import load_xml
from ..bpmn.layout import with_diagram
from ..bpmn.parsing import ParsedProcess, parse_bpmn
from ..bpmn.serialization import dump_process
from ..bpmn.waiting_tasks import CaseCall
from ..errors import Conflict, FieldError, InvalidBpmn, InvalidData, NotFound, Problem
from ..notifications.texts import Translate, chinese
from ..text import control_character
from .context import audit, processes
from .holder_checks import holder_warnings
from .start_timers import schedule_start_timers


@dataclass(frozen=True)
class Deployed:
    key: str
    name: str
    version: int
    definition_id: int
    created: bool  # False: the same content was already deployed
    # what deploy read in a way the designer should know (a sequence flow without an id, given
    # one): the engine's problems (message, file, line, element), which the designer's page
    # says in its reader's language
    warning_problems: tuple[Problem, ...] = ()

    @property
    def warnings(self) -> tuple[str, ...]:
        """One line each with file, line and element, as the CLI and the API print them."""
        return tuple(str(w) for w in self.warning_problems)


MAX_NOTE_CHARS = 1000  # process_definition_notes.note, process_drafts.note


def check_note(note: str) -> str:
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidData({"note": FieldError("max_length", {"max": MAX_NOTE_CHARS})})
    if (refused := control_character(note)) is not None:
        raise InvalidData({"note": refused})
    return note


def deploy(
    session: Session,
    source: bytes | str,
    file: str,
    actor: Actor,
    *,
    note: str = "",
    keys: frozenset[str] | None = None,
    again_from: int | None = None,
    also_deploying: frozenset[str] = frozenset(),
    default_group: str = "",
    based_on: Mapping[str, int] | None = None,
    deployed_at: datetime | None = None,
    from_draft: int | None = None,
) -> list[Deployed]:
    """Deploy every executable process of one BPMN document (or those of ``keys``); all or
        nothing. ``note`` says why (shown in the process library). ``again_from``: a rollback,
        the content of that version deployed again as the newest, which the same-content check
        would otherwise call unchanged. ``also_deploying``: the processes other documents of the
        same command deploy, which a call activity of this one may call. ``default_group``: the
    group that holds the user tasks naming nobody, for the processes that name none (written
    into the stored file: engine/bpmn/default_group.py). ``based_on``: process key → the
    version the designer's edit began from; a newer version deployed meanwhile is not
    silently undone (Conflict, ``newer_version``). ``deployed_at``: the moment of the whole
    deployment when it deploys several documents (deploy_documents). ``from_draft``: the id
    of the draft deployed, in the audit entry, so that a page still open on it can say who
    deployed it (engine/usecases/drafts.py).

        Raises InvalidBpmn (nothing stored) when the document is not fit to run."""
    access.require(actor, access.Permission.PROCESS_DEPLOY, "deploy processes")
    note = check_note(note)
    xml = source.decode("utf-8") if isinstance(source, bytes) else source
    if default_group:
        xml = source = with_default_group(xml, file, check_group(default_group))
    # one moment for every version of this deployment: a call activity bound to its
    # "deployment" calls the version deployed with it, whichever was stored first (calls.py)
    moment = deployed_at or clock.now()
    results = []
    parsed = parse_bpmn(source, file)
    _require_called(session, parsed, file, also_deploying | {p.key for p in parsed})
    _one_deployment_at_a_time(session, {p.key for p in parsed if keys is None or p.key in keys})
    for process in parsed:
        if keys is not None and process.key not in keys:
            continue
        content_hash = hashlib.sha256(f"{process.key}\n{xml}".encode()).hexdigest()
        existing = repo.definition_by_hash(session, process.key, content_hash) if again_from is None else None
        if existing is not None:
            results.append(
                Deployed(existing.key, existing.name, existing.version, existing.id, False, process.warnings)
            )
            continue
        latest = repo.latest_definition(session, process.key)
        if latest is not None and based_on and based_on.get(process.key, latest.version) != latest.version:
            raise _newer_version(latest, based_on[process.key])
        definition = ProcessDefinition(
            key=process.key,
            version=(latest.version + 1) if latest else 1,
            name=process.name,
            bpmn_xml=xml,
            content_hash=content_hash,
            spec_json=dump_process(process),
            source_file=file,
            deployed_by=actor.username,
            deployed_at=moment,
        )
        session.add(definition)
        session.flush()
        if note or again_from is not None:
            session.add(DefinitionNote(definition_id=definition.id, note=note, rolled_back_from=again_from))
        schedule_start_timers(session, definition, process)
        audit(
            session,
            actor,
            "deploy",
            data={"key": process.key, "version": definition.version, "file": file}
            | ({"note": note} if note else {})
            | ({"rolled_back_from": again_from} if again_from is not None else {})
            | ({"draft": from_draft} if from_draft is not None else {}),
        )
        warnings = process.warnings + holder_warnings(session, process, file)
        results.append(Deployed(definition.key, definition.name, definition.version, definition.id, True, warnings))
    return results


def _one_deployment_at_a_time(session: Session, keys: set[str]) -> None:
    """Lock ``keys`` until the transaction ends: two deployments of a process at once would
    both read the same latest version and insert the same next one (on PostgreSQL the second
    then fails on the unique key and version); the second waits, reads the first's, and is
    told of it (``_newer_version``) or deploys the version after it. Taken in the keys' order,
    so that two documents of the same processes never wait for each other in a circle."""
    for key in sorted(keys):
        advisory_locks.lock_until_transaction_ends(session, "deploy", key)


def _newer_version(latest: ProcessDefinition, based_on: int) -> Conflict:
    """Another designer deployed ``latest`` after this edit began from ``based_on``: deploying
    it as it stands would undo their changes, unseen."""
    return Conflict(
        f"{latest.key} v{latest.version} was deployed by {latest.deployed_by} at "
        f"{latest.deployed_at:%Y-%m-%d %H:%M} UTC after your edit began from v{based_on}: deploying it "
        f"now would undo the changes of v{latest.version}; compare the two, or deploy again knowingly",
        "newer_version",
        process=latest.name,
        key=latest.key,
        version=latest.version,
        based_on=based_on,
        by=latest.deployed_by,
        at=latest.deployed_at,
    )


def deploy_documents(
    session: Session,
    documents: list[tuple[bytes, str]],
    actor: Actor,
    *,
    default_group: str = "",
    note: str = "",
) -> list[Deployed]:
    """Deploy several documents (bytes, file: its path as given, or its name) in one
    transaction, all or nothing: their call activities may call processes of any of them,
    whatever the order. ``note`` says why, for every version deployed (checked as deploy
    checks it). Each is kept by the file's own name (see one_file_per_name)."""
    documents = one_file_per_name(documents)
    keys = frozenset(key for source, _file in documents for key in executable_keys(source))
    _one_deployment_at_a_time(session, set(keys))
    moment = clock.now()
    return [
        d
        for source, file in documents
        for d in deploy(
            session,
            source,
            file,
            actor,
            note=note,
            also_deploying=keys,
            default_group=default_group,
            deployed_at=moment,
        )
    ]


def one_file_per_name(documents: list[tuple[bytes, str]]) -> list[tuple[bytes, str]]:
    """(content, the file's own name) of each document given (content, path). The process
    library, the warnings and the problems know a file by its name alone (the server's folders
    are nothing to the designers), so two different files of one name from two folders are
    refused naming both paths, before anything is deployed: they would be two versions, or
    two processes, from one "x.bpmn" nobody could tell apart. The same file given twice is
    deployed once."""
    by_name: dict[str, list[tuple[bytes, str]]] = {}
    for source, path in documents:
        by_name.setdefault(plain_filename(path), []).append((source, path))
    problems = [
        Problem(
            f"{len(same)} different files are named {name!r}: {', '.join(path for _source, path in same)}; "
            "the process library knows a file by its name alone and could not tell them apart: "
            "rename one, or deploy them one at a time",
            name,
        )
        for name, same in by_name.items()
        if len({source for source, _path in same}) > 1
    ]
    if problems:
        raise InvalidBpmn(problems)
    return [(same[0][0], name) for name, same in by_name.items()]


MAX_GROUP_CHARS = 64


def check_group(group: str) -> str:
    """A group name as user tasks name them (a unit's code or a role)."""
    group = (group or "").strip()
    if not group or len(group) > MAX_GROUP_CHARS or any(c in group for c in ",${}"):
        raise InvalidData({"default_group": FieldError("group_name", {"max": MAX_GROUP_CHARS})})
    return group


def executable_keys(source: bytes) -> list[str]:
    """The executable processes a document declares (none if it cannot be read: deploy says why)."""
    try:
        root = load_xml(source, "")
    except InvalidBpmn:
        return []
    return [p.get("id") for p in root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NSMAP) if p.get("id")]


def _require_called(session: Session, parsed: list[ParsedProcess], file: str, deploying: frozenset[str]) -> None:
    """A call activity must call a process that is deployed, or deployed with it."""
    problems = []
    for process in parsed:
        for spec in (process.spec, *process.subprocess_specs.values()):
            for task_spec in spec.task_specs.values():
                if not isinstance(task_spec, CaseCall) or task_spec.called_element in deploying:
                    continue
                if repo.latest_definition(session, task_spec.called_element) is None:
                    problems.append(
                        Problem(
                            f"call activity calls process {task_spec.called_element!r}, which is not deployed: "
                            "deploy it first, or in the same command",
                            file,
                            None,
                            task_spec.bpmn_id,
                        )
                    )
    if problems:
        raise InvalidBpmn(problems)


MAX_BPMN_CHARS = 2_000_000


# {process_name} and {start_name}: the names offered, each a quoted XML attribute (new_process)
NEW_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="new_process_defs" targetNamespace="http://congressflow.example/bpmn">
  <bpmn:process id="new_process" name={process_name} isExecutable="true">
    <bpmn:startEvent id="start" name={start_name} />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="new_process_diagram">
    <bpmndi:BPMNPlane id="new_process_plane" bpmnElement="new_process">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def deployed_processes(session: Session, actor: Actor) -> list[ProcessDefinition]:
    require_designer(actor)
    return list(repo.latest_definitions(session))


@dataclass(frozen=True)
class OpenedDocument:
    """What the modeler opens: the file's name, its XML with a diagram, and the version an
    edit of it begins from (key → version; empty for a new process)."""

    filename: str
    xml: str
    based_on: dict[str, int]


def new_process(_: Translate = chinese) -> str:
    """A new process's document, its process and start event named by ``_`` (the web's gettext:
    the reader's language; Chinese by default). Only the names offered are translated: once
    saved they are the designer's own, kept as written whoever opens it next."""
    return NEW_PROCESS.format(process_name=quoteattr(_("新流程")), start_name=quoteattr(_("开始")))


def document(session: Session, actor: Actor, definition_id: int | None, _: Translate = chinese) -> OpenedDocument:
    """The document to open in the modeler: a deployed version, or a new process (named by
    ``_``: see new_process)."""
    require_designer(actor)
    if definition_id is None:
        return OpenedDocument("new_process.bpmn", new_process(_), {})
    definition = session.get(ProcessDefinition, definition_id)
    if definition is None:
        raise NotFound(f"no process definition {definition_id}")
    return OpenedDocument(
        PurePosixPath(definition.source_file).name or f"{definition.key}.bpmn",
        with_diagram(definition.bpmn_xml),
        {definition.key: definition.version},
    )


def plain_filename(file: str) -> str:
    """The file's own name, whatever path a browser or a client sent with it."""
    return PurePosixPath((file or "").replace("\\", "/")).name or "process.bpmn"


def checked_filename(file: str) -> str:
    """``plain_filename``, refused (InvalidData at ``filename``) when it holds a control or a
    direction character: the name is stored with the draft or the version and shown in the
    designer's lists, where evil\u202egnp.bpmn would read as another file."""
    file = plain_filename(file)
    if (refused := control_character(file)) is not None:
        raise InvalidData({"filename": refused})
    return file


def check_size(xml: str, file: str) -> None:
    if not xml.strip():
        raise InvalidBpmn([Problem("the document is empty", file)])
    if len(xml) > MAX_BPMN_CHARS:
        raise InvalidBpmn([Problem(f"the document is larger than {MAX_BPMN_CHARS} characters", file)])


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    """Where the byte at ``offset`` is, as an editor shows it: its line (1 first) and its column
    (1 first, in characters: the bytes before it on its line are UTF-8, having decoded)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def read_bpmn_file(actor: Actor, data: bytes, filename: str) -> tuple[str, str]:
    """(file name, XML) of an uploaded .bpmn file that is a BPMN document at all: UTF-8 text,
    not empty nor too large, well-formed XML whose root is BPMN's <definitions>. InvalidBpmn
    otherwise, naming the file (and the line): the page that took the file says so instead of
    opening a document nothing can show. The deploy checks are another matter (deploy's)."""
    require_designer(actor)
    filename = plain_filename(filename)
    try:
        xml = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _line_and_column(exc.object, exc.start)
        raise InvalidBpmn(
            [Problem(f"not UTF-8 text (line {line}, column {column}): a .bpmn file is XML in UTF-8", filename, line)]
        ) from None
    check_size(xml, filename)
    load_xml(xml, filename)
    return filename, xml


def deploy_document(
    session: Session, actor: Actor, xml: str, file: str, note: str = "", based_on: Mapping[str, int] | None = None
) -> list[Deployed]:
    """Validate and deploy an edited document: all or nothing (InvalidBpmn names file,
    line and element of every problem; Conflict when a newer version than the one the edit
    ``based_on`` was deployed meanwhile)."""
    require_designer(actor)
    file = checked_filename(file)
    check_size(xml, file)
    return deploy(session, xml, file, actor, note=note, based_on=based_on)


@dataclass(frozen=True)
class DefinitionView:
    id: int
    key: str
    name: str
    version: int
    deployed_at: datetime
    deployed_by: str
    source_file: str
    startable: bool


def _definition_view(actor: Actor, d: ProcessDefinition) -> DefinitionView:
    return DefinitionView(
        d.id,
        d.key,
        d.name,
        d.version,
        d.deployed_at,
        d.deployed_by,
        d.source_file,
        access.may_start(actor, processes.get(d).starter_groups),
    )


def list_definitions(session: Session, actor: Actor) -> list[DefinitionView]:
    """The latest version of every deployed process, and whether ``actor`` may start it."""
    return [_definition_view(actor, d) for d in repo.latest_definitions(session)]


def definition_versions(session: Session, actor: Actor, key: str) -> list[DefinitionView]:
    rows = session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == key).order_by(ProcessDefinition.version.desc())
    ).all()
    if not rows:
        raise NotFound(f"no process {key!r} is deployed")
    return [_definition_view(actor, d) for d in rows]


def definition_xml(session: Session, actor: Actor, definition_id: int) -> tuple[str, str]:
    """(file name, BPMN XML) of a deployed version for the diagram viewer (a generated
    layout when the file has no diagram of its own)."""
    definition = session.get(ProcessDefinition, definition_id)
    if definition is None:
        raise NotFound(f"no process definition {definition_id}")
    return f"{definition.key}-v{definition.version}.bpmn", with_diagram(definition.bpmn_xml)


def require_designer(actor: Actor) -> None:
    access.require(actor, access.Permission.PROCESS_DEPLOY, "open or deploy processes")
