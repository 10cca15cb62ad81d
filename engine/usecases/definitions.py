"""Deploy BPMN: validate, then store one new version per changed process."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import ProcessDefinition

from .. import access, clock
from ..access import Actor
from ..bpmn.parsing import parse_bpmn
from ..bpmn.serialization import dump_process
from .context import audit
from .start_timers import schedule_start_timers


@dataclass(frozen=True)
class Deployed:
    key: str
    name: str
    version: int
    definition_id: int
    created: bool  # False: the same content was already deployed


def deploy(session: Session, source: bytes | str, file: str, actor: Actor) -> list[Deployed]:
    """Deploy every executable process of one BPMN document; all or nothing.

    Raises InvalidBpmn (nothing stored) when the document is not fit to run."""
    access.require(actor, access.Permission.PROCESS_DEPLOY, "deploy processes")
    xml = source.decode("utf-8") if isinstance(source, bytes) else source
    results = []
    for process in parse_bpmn(source, file):
        content_hash = hashlib.sha256(f"{process.key}\n{xml}".encode()).hexdigest()
        existing = repo.definition_by_hash(session, process.key, content_hash)
        if existing is not None:
            results.append(Deployed(existing.key, existing.name, existing.version, existing.id, False))
            continue
        latest = repo.latest_definition(session, process.key)
        definition = ProcessDefinition(
            key=process.key, version=(latest.version + 1) if latest else 1, name=process.name, bpmn_xml=xml,
            content_hash=content_hash, spec_json=dump_process(process), source_file=file,
            deployed_by=actor.username, deployed_at=clock.now())
        session.add(definition)
        session.flush()
        schedule_start_timers(session, definition, process)
        audit(session, actor, "deploy", data={"key": process.key, "version": definition.version, "file": file})
        results.append(Deployed(definition.key, definition.name, definition.version, definition.id, True))
    return results
