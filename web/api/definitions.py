"""/api/v1/definitions: the deployed processes, their versions and BPMN XML."""

from __future__ import annotations

from flask import Response

from engine.usecases import cases, definitions

from .common import actor, make_blueprint, reader
from .forms import answered_form
from .schemas import DefinitionSchema, StartFormSchema

bp = make_blueprint("definitions", "/definitions", "Deployed processes (流程定义)")


@bp.get("")
@bp.response(200, DefinitionSchema(many=True))
def list_definitions():
    """The latest version of every process, and whether you may start it."""
    return definitions.list_definitions(reader(), actor())


@bp.get("/<string(maxlength=200):key>/versions")
@bp.response(200, DefinitionSchema(many=True))
def versions(key: str):
    """Every deployed version of one process, newest first."""
    return definitions.definition_versions(reader(), actor(), key)


@bp.get("/<string(maxlength=200):key>/form")
@bp.response(200, StartFormSchema)
def start_form(key: str):
    """The start form of the latest version, as the start page offers it to you: its fields
    (enum options, visible_when rules, constraints) and the run-time option lists they take
    (departments, deputies). 404 for a process not deployed, 403 for one you may not start
    (or no longer offered for new cases), as starting it would answer."""
    option = cases.start_option(reader(), actor(), key)
    return {
        "key": option.key,
        "name": option.name,
        "version": option.version,
        "definition_id": option.definition_id,
        "documentation": option.documentation,
        "form": answered_form(option.form),
        "choices": option.choices,
    }


@bp.get("/<int(max=2147483647):definition_id>/xml")
@bp.doc(
    responses={
        "200": {"description": "the BPMN 2.0 XML", "content": {"application/xml": {"schema": {"type": "string"}}}}
    }
)
def bpmn_xml(definition_id: int):
    """The BPMN XML of one deployed version (for a diagram viewer)."""
    filename, xml = definitions.definition_xml(reader(), actor(), definition_id)
    return Response(xml, mimetype="application/xml", headers={"Content-Disposition": f'inline; filename="{filename}"'})
