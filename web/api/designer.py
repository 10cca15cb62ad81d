"""/api/v1/designer: the designer's workbench for scripts and other tools, as the pages do it
(engine.usecases.library, drafts, version_diff): every process with its versions and case
counts, a version's .bpmn, a rollback, offering a process for new cases or not, the diff of
two versions, drafts (create, read, save with a revision check, upload, deploy, discard), and
what the modeler asks while one edits: the deploy checks on a document (storing nothing) and
the date helpers a due date may use. Designers and administrators only (process.deploy)."""

from __future__ import annotations

import marshmallow as ma
from flask import Response
from flask_babel import gettext
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from engine.access import Permission
from engine.bpmn.stored_lengths import NAME_LENGTH
from engine.usecases import design_checks, drafts, library, version_diff

from ..auth import permission_required
from ..i18n import current_locale
from ..views.designer import templates_dir
from .common import FORM_AND_FILES, actor, make_blueprint, reader, writer
from .schemas import Boolean, WholeNumber, datetime_arg

bp = make_blueprint("designer", "/designer", "The designer's process library and drafts (流程设计)")


@bp.before_request
@permission_required(Permission.PROCESS_DEPLOY)
def _designers_only() -> None:
    """The whole area is the designers' (each use case behind it asks too), as the designer's
    pages are: refused before a body is read, so that whoever may not design hears 403, not
    what the body they sent lacks (after ``authenticate``, which names who asks)."""
    return None


KEY = "/processes/<string(maxlength=200):key>"
VERSION = KEY + "/versions/<int(max=2147483647):version>"
DRAFT = "/drafts/<int(max=2147483647):draft_id>"
NOTE = fields.String(load_default="", validate=validate.Length(max=1000), metadata={"description": "why (optional)"})


def draft_stamp_field() -> fields.AwareDateTime:
    """The creation stamp of the draft the caller read, as the modeler's page sends it."""
    return datetime_arg(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "the draft's created_at as you read it (optional): when that draft was deployed or "
            "discarded meanwhile, refused with 404 saying who did it and when, and nothing is written"
        },
    )


class VersionSchema(ma.Schema):
    definition_id = WholeNumber()
    version = WholeNumber()
    name = fields.String()
    deployed_by = fields.String()
    deployed_at = fields.AwareDateTime()
    source_file = fields.String()
    note = fields.String()
    rolled_back_from = WholeNumber(allow_none=True, metadata={"description": "a rollback: the version deployed again"})
    running = WholeNumber(metadata={"description": "cases running on this version"})
    finished = WholeNumber(metadata={"description": "cases completed or cancelled on this version"})
    latest = fields.Boolean()


class LibraryProcessSchema(ma.Schema):
    key = fields.String()
    name = fields.String()
    offered = fields.Boolean(metadata={"description": "offered for new cases"})
    offering_changed_by = fields.String(allow_none=True)
    offering_changed_at = fields.AwareDateTime(allow_none=True)
    versions = fields.List(fields.Nested(VersionSchema), metadata={"description": "newest first"})


class DeployedSchema(ma.Schema):
    key = fields.String()
    name = fields.String()
    version = WholeNumber()
    definition_id = WholeNumber()
    created = fields.Boolean(metadata={"description": "false: the same content was already deployed"})
    warnings = fields.List(fields.String())


class NoteSchema(ma.Schema):
    note = NOTE


class OfferingSchema(ma.Schema):
    offered = Boolean(required=True, metadata={"description": "false: stop offering it for new cases"})


class DiffArgs(ma.Schema):
    old = WholeNumber(required=True, validate=validate.Range(1, 2147483647))
    new = WholeNumber(required=True, validate=validate.Range(1, 2147483647))


class DiffChangeSchema(ma.Schema):
    what = fields.String()
    old = fields.String(allow_none=True)
    new = fields.String(allow_none=True)


class ElementDiffSchema(ma.Schema):
    bpmn_id = fields.String()
    type = fields.String()
    name = fields.String()
    status = fields.String(metadata={"description": "added | removed | changed"})
    old_name = fields.String()
    attributes = fields.List(fields.Nested(DiffChangeSchema))
    form_fields = fields.List(fields.Nested(DiffChangeSchema))
    expressions = fields.List(fields.Nested(DiffChangeSchema))


class VersionDiffSchema(ma.Schema):
    key = fields.String()
    old_version = WholeNumber(allow_none=True)
    new_version = WholeNumber(allow_none=True, metadata={"description": "null: the draft"})
    draft_id = WholeNumber(allow_none=True)
    elements = fields.List(fields.Nested(ElementDiffSchema))


class ProcessDraftSchema(ma.Schema):
    id = WholeNumber()
    key = fields.String()
    name = fields.String()
    owner = fields.String()
    note = fields.String()
    filename = fields.String()
    base_version = WholeNumber(allow_none=True)
    revision = WholeNumber(metadata={"description": "send it back when saving: a save over a newer one is refused"})
    created_at = fields.AwareDateTime(
        metadata={
            "description": "send it back as draft_created: a save to a draft since deployed or discarded is refused"
        }
    )
    updated_at = fields.AwareDateTime()
    updated_by = fields.String()


class DraftDocumentSchema(ma.Schema):
    draft = fields.Nested(ProcessDraftSchema)
    xml = fields.String()


def based_on_field(description: str) -> fields.Dict:
    """Process key → version: the version an edit began from, as the modeler's page sends it."""
    return fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=200)),
        values=WholeNumber(validate=validate.Range(1, 2147483647)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"description": description, "example": {"review": 3}},
    )


class DraftInSchema(ma.Schema):
    xml = fields.String(required=True, validate=validate.Length(min=1, max=2_000_000))
    filename = fields.String(load_default="process.bpmn", validate=validate.Length(max=500))
    note = NOTE
    based_on = based_on_field(
        "the version your edit began from (process key → version, as you read it): the draft's base_version, "
        "so that deploying it after someone deployed a newer version is refused (409, naming who deployed which "
        "version when) instead of "
        "undoing their changes unseen; default: the latest version when the draft is saved"
    )


class DraftSaveSchema(ma.Schema):
    xml = fields.String(required=True, validate=validate.Length(min=1, max=2_000_000))
    revision = WholeNumber(required=True, validate=validate.Range(0, 2147483647))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    draft_created = draft_stamp_field()


class RevisionArgs(ma.Schema):
    revision = WholeNumber(load_default=None, validate=validate.Range(0, 2147483647))
    draft_created = draft_stamp_field()


class DraftDeploySchema(ma.Schema):
    revision = WholeNumber(required=True, validate=validate.Range(0, 2147483647))
    note = NOTE
    draft_created = draft_stamp_field()
    based_on = based_on_field(
        "to deploy over a version deployed after the draft's base_version, knowingly: process key → that version "
        "(the one a 409 named); a version deployed after it is refused in turn. Default: the "
        "draft's base_version"
    )


class DraftUploadSchema(ma.Schema):
    """A multipart/form-data body: the file and its note."""

    file = Upload(required=True, metadata={"description": "a .bpmn file (BPMN 2.0 XML in UTF-8)"})
    note = NOTE


class TemplateInSchema(ma.Schema):
    """The key and the name are checked as they are stored, without the spaces around them
    (drafts.draft_from_template, as for the designer's page): a name of 500 characters sent
    with a space after it fits."""

    template = fields.String(required=True, validate=validate.Length(max=100))
    key = fields.String(
        required=True,
        metadata={
            "description": f"the new process's id: at most {drafts.KEY_LENGTH} characters, spaces around it aside"
        },
    )
    name = fields.String(
        required=True,
        metadata={"description": f"the process's name: at most {NAME_LENGTH} characters, spaces around it aside"},
    )
    note = NOTE


@bp.get("/processes")
@bp.response(200, LibraryProcessSchema(many=True))
def processes():
    """Every deployed process with all its versions, their notes and case counts."""
    return library.process_library(reader(), actor())


@bp.get(KEY)
@bp.response(200, LibraryProcessSchema)
def versions(key: str):
    """One process: whether it is offered, and its versions with their notes and case counts."""
    return library.process_versions(reader(), actor(), key)


@bp.get(VERSION + "/bpmn")
@bp.doc(
    responses={
        "200": {"description": "the .bpmn as deployed", "content": {"application/xml": {"schema": {"type": "string"}}}}
    }
)
def download(key: str, version: int):
    """One version's BPMN file, exactly as it was deployed."""
    filename, xml = library.version_document(reader(), actor(), key, version)
    return Response(
        xml, mimetype="application/xml", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.post(VERSION + "/rollback")
@bp.arguments(NoteSchema)
@bp.response(201, DeployedSchema)
def rollback(body: dict, key: str, version: int):
    """Deploy this version's content again as the newest version (the note says from which)."""
    with writer() as s:
        return library.rollback(s, actor(), key, version, body["note"])


@bp.put(KEY + "/offering")
@bp.arguments(OfferingSchema)
@bp.response(200, LibraryProcessSchema)
def offering(body: dict, key: str):
    """Start or stop offering the process for new cases; running cases go on either way."""
    with writer() as s:
        return library.set_offered(s, actor(), key, body["offered"])


@bp.get(KEY + "/diff")
@bp.arguments(DiffArgs, location="query")
@bp.response(200, VersionDiffSchema)
def diff(args: dict, key: str):
    """The elements added, removed and changed from version ``old`` to version ``new``."""
    return version_diff.compare_versions(reader(), actor(), key, args["old"], args["new"])


@bp.get("/drafts")
@bp.response(200, ProcessDraftSchema(many=True))
def list_drafts():
    """Every draft, last saved first."""
    return drafts.list_drafts(reader(), actor())


@bp.post("/drafts")
@bp.arguments(DraftInSchema)
@bp.response(201, ProcessDraftSchema)
def create_draft(body: dict):
    """Save a document as a new draft (it must be BPMN; the deploy checks wait for deploy), based on
    the version ``based_on`` names (else the latest)."""
    with writer() as s:
        return drafts.create_draft(s, actor(), body["xml"], body["filename"], body["note"], body["based_on"])


@bp.post("/drafts/upload")
@bp.arguments(DraftUploadSchema, location=FORM_AND_FILES)
@bp.response(201, ProcessDraftSchema)
def upload_draft(body: dict):
    """A .bpmn file (multipart field ``file``) as a new draft."""
    upload = body["file"]
    with writer() as s:
        return drafts.upload_draft(s, actor(), upload.read(), upload.filename or "", body["note"])


@bp.post("/drafts/from-template")
@bp.arguments(TemplateInSchema)
@bp.response(201, ProcessDraftSchema)
def from_template(body: dict):
    """A new process begun from a template of bpmn/templates/ (approval, deadline_supervision, unit_round)."""
    with writer() as s:
        return drafts.draft_from_template(
            s, actor(), templates_dir(), body["template"], body["key"], body["name"], body["note"]
        )


@bp.get(DRAFT)
@bp.response(200, DraftDocumentSchema)
def get_draft(draft_id: int):
    """A draft with its XML."""
    return drafts.get_draft(reader(), actor(), draft_id)


@bp.put(DRAFT)
@bp.arguments(DraftSaveSchema)
@bp.response(200, ProcessDraftSchema)
def save_draft(body: dict, draft_id: int):
    """Save over a draft; 409 when someone saved it after ``revision``; 404 when it was deployed
    or discarded (given ``draft_created``: the draft of that stamp), saying who did it and when."""
    with writer() as s:
        return drafts.save_draft(
            s, actor(), draft_id, body["xml"], body["revision"], body["note"], body["draft_created"]
        )


@bp.delete(DRAFT)
@bp.arguments(RevisionArgs, location="query")
@bp.response(204)
def discard_draft(args: dict, draft_id: int):
    """Discard a draft (given ``revision``: only if nobody saved it since; given
    ``draft_created``: only the draft of that stamp); 404 saying who deployed or discarded it
    and when, when it is gone already."""
    with writer() as s:
        drafts.discard_draft(s, actor(), draft_id, args["revision"], args["draft_created"])


@bp.post(DRAFT + "/deploy")
@bp.arguments(DraftDeploySchema)
@bp.response(201, DeployedSchema(many=True))
def deploy_draft(body: dict, draft_id: int):
    """Deploy the draft as saved at ``revision`` (422 with the problems when it is not fit to run;
    404 saying who did it and when, when it was deployed or discarded meanwhile; 409
    naming who deployed which version when, when one was deployed after the
    draft's base: send ``based_on`` to deploy over it)."""
    with writer() as s:
        return drafts.deploy_draft(
            s,
            actor(),
            draft_id,
            body["revision"],
            body["note"],
            based_on=body["based_on"],
            created_at=body["draft_created"],
        )


@bp.get(DRAFT + "/diff")
@bp.response(200, VersionDiffSchema)
def draft_diff(draft_id: int):
    """What deploying the draft would change from the newest deployed version."""
    return version_diff.compare_draft(reader(), actor(), draft_id)


class CheckInSchema(ma.Schema):
    xml = fields.String(required=True, validate=validate.Length(max=2_000_000))
    filename = fields.String(load_default="process.bpmn", validate=validate.Length(max=500))


class CheckedProblemSchema(ma.Schema):
    severity = fields.String(metadata={"description": "error (deploy refuses) | warning (deploy goes ahead)"})
    message = fields.String(metadata={"description": "the engine's words, as deploy says them"})
    line = WholeNumber(allow_none=True)
    element_id = fields.String(allow_none=True)
    element_name = fields.String(metadata={"description": "the element's name; empty when it has none"})
    element_type = fields.String(metadata={"description": "its BPMN element: userTask, sequenceFlow..."})


class DocumentCheckSchema(ma.Schema):
    deployable = fields.Boolean(metadata={"description": "false: deploy would refuse it"})
    processes = fields.List(fields.String(), metadata={"description": "the keys deploy would store"})
    problems = fields.List(fields.Nested(CheckedProblemSchema))


class DrawableSchema(ma.Schema):
    xml = fields.String(metadata={"description": "the document as the modeler draws it"})
    laid_out = fields.Boolean(
        metadata={"description": "true: a generated layout was added, or shapes for elements the diagram lacked"}
    )


class DateHelperSchema(ma.Schema):
    expression = fields.String(metadata={"description": "as a due date takes it; a timer takes what is in ${...}"})
    label = fields.String(metadata={"description": "what it gives, in the caller's language (Accept-Language)"})


@bp.post("/check")
@bp.arguments(CheckInSchema)
@bp.response(200, DocumentCheckSchema)
def check(body: dict):
    """Run deploy's checks on a document without storing anything: every problem (with the
    element's id and name) that would refuse it, and the warnings deploy would give."""
    return design_checks.check_document(reader(), actor(), body["xml"], body["filename"])


@bp.post("/drawable")
@bp.arguments(CheckInSchema)
@bp.response(200, DrawableSchema)
def drawable(body: dict):
    """The document as the modeler can draw it (storing nothing): a file without a diagram laid
    out, one whose diagram lacks elements (an id written twice, given one of its own since) with
    shapes for them; anything else, or what does not load, as it is."""
    return design_checks.drawable(body["xml"], body["filename"])


@bp.get("/date-helpers")
@bp.response(200, DateHelperSchema(many=True))
def date_helpers():
    """The date functions and the deadline settings a due date or a timer may use, labelled in
    the caller's language (the page's; Accept-Language for a script)."""
    return design_checks.date_helpers(actor(), current_locale(), gettext)
