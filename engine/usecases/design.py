"""The process designer's work: the deployed processes to open, and deploying an edited
document as a new version (designers and administrators only)."""
from __future__ import annotations

from pathlib import PurePosixPath

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import ProcessDefinition

from .. import access
from ..access import Actor
from ..bpmn.layout import with_diagram
from ..errors import InvalidBpmn, NotFound, Problem
from .definitions import Deployed, deploy

MAX_BPMN_CHARS = 2_000_000

NEW_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="new_process_defs" targetNamespace="http://congressflow.example/bpmn">
  <bpmn:process id="new_process" name="新流程" isExecutable="true">
    <bpmn:startEvent id="start" name="开始" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="new_process_diagram">
    <bpmndi:BPMNPlane id="new_process_plane" bpmnElement="new_process">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="180" y="160" width="36" height="36" /></bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def require_designer(actor: Actor) -> None:
    access.require(actor, access.Permission.PROCESS_DEPLOY, "open or deploy processes")


def deployed_processes(session: Session, actor: Actor) -> list[ProcessDefinition]:
    require_designer(actor)
    return list(repo.latest_definitions(session))


def document(session: Session, actor: Actor, definition_id: int | None) -> tuple[str, str]:
    """(file name, XML) to open in the modeler: a deployed version, or a new process."""
    require_designer(actor)
    if definition_id is None:
        return "new_process.bpmn", NEW_PROCESS
    definition = session.get(ProcessDefinition, definition_id)
    if definition is None:
        raise NotFound(f"no process definition {definition_id}")
    return PurePosixPath(definition.source_file).name or f"{definition.key}.bpmn", with_diagram(definition.bpmn_xml)


def deploy_document(session: Session, actor: Actor, xml: str, file: str) -> list[Deployed]:
    """Validate and deploy an edited document: all or nothing (InvalidBpmn names file,
    line and element of every problem)."""
    require_designer(actor)
    file = PurePosixPath((file or "").replace("\\", "/")).name or "process.bpmn"
    if not xml.strip():
        raise InvalidBpmn([Problem("the document is empty", file)])
    if len(xml) > MAX_BPMN_CHARS:
        raise InvalidBpmn([Problem(f"the document is larger than {MAX_BPMN_CHARS} characters", file)])
    return deploy(session, xml, file, actor)
