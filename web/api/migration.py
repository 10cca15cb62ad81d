"""/api/v1/designer/processes/{key}/migrations: moving running cases from one version of a
process to another (engine.usecases.case_migration), as the process library page does it: a
dry run (each case running on the old version, whether it can move and why not; nothing is
written), then the move (each case in its own transaction; what became of each). Designers
and administrators (process.migrate)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import marshmallow as ma
from marshmallow import fields, validate
from marshmallow.fields import Field as MarshmallowField

from engine.errors import FieldError, InvalidData
from engine.usecases import case_migration

from .. import database
from .common import actor, make_blueprint, reader, said_as
from .schemas import WholeNumber

bp = make_blueprint("migration", "/designer", "Moving running cases to another version (迁移运行中的案件)")

MIGRATIONS = "/processes/<string(maxlength=200):key>/migrations"
_POSITIVE = validate.Range(1, 2147483647)  # a version number, a case id


MAX_MAP_ENTRIES = 2000
MAX_ELEMENT_ID = 200
TOO_MANY_ENTRIES = said_as(f"at most {MAX_MAP_ENTRIES} entries", FieldError("max_items", {"max": MAX_MAP_ENTRIES}))


def _at_most_entries(mapping: dict) -> None:
    """The map's size in entries (a Length validator would be declared as a text's maxLength)."""
    if len(mapping) > MAX_MAP_ENTRIES:
        raise ma.ValidationError(TOO_MANY_ENTRIES)


class MigrationPlanInSchema(ma.Schema):
    from_version = WholeNumber(required=True, validate=_POSITIVE, metadata={"description": "the cases run on it"})
    to_version = WholeNumber(required=True, validate=_POSITIVE, metadata={"description": "the cases move to it"})
    map = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=MAX_ELEMENT_ID)),
        values=fields.String(validate=validate.Length(max=MAX_ELEMENT_ID)),
        load_default=dict,
        validate=_at_most_entries,
        metadata={
            "maxProperties": MAX_MAP_ENTRIES,
            "description": f"old element id (1 to {MAX_ELEMENT_ID} characters): new element id (at most "
            f"{MAX_ELEMENT_ID}), over the default (the same id); an empty id: none (a case standing there cannot "
            f"move); at most {MAX_MAP_ENTRIES} entries",
        },
    )


# a case named both by instance_id and by its old name id
BOTH_NAMES = said_as(
    "give instance_id or id (its old name), not both", FieldError("repeats_field", {"field": "instance_id"})
)


class MigrationCaseRefSchema(ma.Schema):
    """A case to move, as the dry run lists it: its ``instance_id`` and ``revision`` (the dry
    run's other fields of it are taken and ignored, so that its list can be sent back as it is)."""

    instance_id = WholeNumber(validate=_POSITIVE, metadata={"description": "the case (required unless id is given)"})
    id = WholeNumber(
        validate=_POSITIVE,
        metadata={"deprecated": True, "description": "the old name of instance_id: give one of them"},
    )
    revision = WholeNumber(
        load_default=None,
        allow_none=True,
        validate=validate.Range(0, 2147483647),
        metadata={"description": "the revision the dry run showed: a case changed since is not moved"},
    )
    # the dry run's (MigrationCaseCheckSchema), ignored: whatever they hold, null too
    title = fields.Raw(load_only=True, allow_none=True, metadata={"description": "the dry run's, ignored"})
    steps = fields.Raw(load_only=True, allow_none=True, metadata={"description": "the dry run's, ignored"})
    movable = fields.Raw(load_only=True, allow_none=True, metadata={"description": "the dry run's, ignored"})
    reasons = fields.Raw(load_only=True, allow_none=True, metadata={"description": "the dry run's, ignored"})

    @ma.validates_schema
    def _one_name(self, data: dict, **_kwargs: object) -> None:
        if "instance_id" in data and "id" in data:
            raise ma.ValidationError(BOTH_NAMES, "id")
        if "instance_id" not in data and "id" not in data:
            raise ma.ValidationError(MarshmallowField.default_error_messages["required"], "instance_id")

    @ma.post_load
    def _the_case(self, data: dict, **_kwargs: object) -> dict:
        return {"instance_id": data.get("instance_id", data.get("id")), "revision": data["revision"]}


class MigrateInSchema(MigrationPlanInSchema):
    cases = fields.List(
        fields.Nested(MigrationCaseRefSchema),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=10000),
        metadata={
            "description": "the cases to move (absent: every case running on from_version); the dry run's "
            "cases can be sent as they are"
        },
    )


class MigrationElementSchema(ma.Schema):
    bpmn_id = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"description": "e.g. UserTask, ScriptTask, BoundaryEvent"})
    multi = fields.Boolean(metadata={"description": "a multi-instance"})


class MigrationMapEntrySchema(ma.Schema):
    bpmn_id = fields.String(metadata={"description": "the old version's element"})
    name = fields.String()
    kind = fields.String()
    target = fields.String(allow_none=True, metadata={"description": "where it goes; null: nowhere"})
    suggested = fields.String(
        allow_none=True, metadata={"description": "the element SpiffWorkflow's diff finds in its place (offered)"}
    )


class MigrationPlanSchema(ma.Schema):
    key = fields.String()
    name = fields.String()
    from_version = WholeNumber()
    to_version = WholeNumber()
    mapping = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "every old element with a target"}
    )
    unmatched = fields.List(
        fields.Nested(MigrationMapEntrySchema),
        metadata={"description": "the old elements whose id is gone or go elsewhere"},
    )
    targets = fields.List(fields.Nested(MigrationElementSchema), metadata={"description": "the new version's elements"})


class MigrationReasonSchema(ma.Schema):
    code = fields.String(
        metadata={
            "description": "task_removed | waiting_removed | active_removed | passed_removed | type_changed | "
            "field_removed | field_required (blocking); timer_recounted (a note)"
        }
    )
    bpmn_id = fields.String()
    name = fields.String()
    target = fields.String()
    target_name = fields.String()
    kind = fields.String()
    target_kind = fields.String()
    field_labels = fields.List(fields.String())
    # "fields" is the name marshmallow gives a schema's own fields: declared under another
    field_ids = fields.List(
        fields.String(), attribute="fields", data_key="fields", metadata={"description": "form field ids"}
    )
    blocking = fields.Boolean()
    message = fields.String(metadata={"description": "in Chinese"})


class MigrationCaseCheckSchema(ma.Schema):
    instance_id = WholeNumber()
    title = fields.String()
    revision = WholeNumber()
    steps = fields.List(fields.String(), metadata={"description": "where it stands: open tasks, awaited events"})
    movable = fields.Boolean()
    reasons = fields.List(fields.Nested(MigrationReasonSchema))


class MigrationDryRunSchema(ma.Schema):
    plan = fields.Nested(MigrationPlanSchema)
    cases = fields.List(fields.Nested(MigrationCaseCheckSchema))
    movable = WholeNumber()
    refused = WholeNumber()


class MigrationCaseOutcomeSchema(ma.Schema):
    instance_id = WholeNumber()
    title = fields.String()
    outcome = fields.String(metadata={"description": "moved | refused | failed (nothing of it written)"})
    reasons = fields.List(fields.Nested(MigrationReasonSchema))
    message = fields.String(metadata={"description": "failed: what went wrong"})


class MigrationReportSchema(ma.Schema):
    plan = fields.Nested(MigrationPlanSchema)
    cases = fields.List(fields.Nested(MigrationCaseOutcomeSchema))


# the use case names the versions as the library page's form does (from, to)
_REQUEST_FIELDS = {"from": "from_version", "to": "to_version"}


@contextmanager
def _named_as_requested() -> Iterator[None]:
    """The use case's refusals with each field named as this request names it."""
    try:
        yield
    except InvalidData as exc:
        if not _REQUEST_FIELDS.keys() & exc.codes.keys():
            raise
        raise InvalidData({_REQUEST_FIELDS.get(name, name): error for name, error in exc.codes.items()}) from exc


@bp.post(MIGRATIONS + "/dry-run")
@bp.arguments(MigrationPlanInSchema)
@bp.response(200, MigrationDryRunSchema)
def dry_run(body: dict, key: str):
    """Each case running on ``from_version``: whether it can move to ``to_version`` under the
    plan and, if not, why. Nothing is written."""
    with _named_as_requested():
        return case_migration.dry_run(reader(), actor(), key, body["from_version"], body["to_version"], body["map"])


@bp.post(MIGRATIONS)
@bp.arguments(MigrateInSchema)
@bp.response(200, MigrationReportSchema)
def migrate(body: dict, key: str):
    """Move the cases (each in its own transaction): moved, refused (with the reasons) or
    failed (rolled back, with the error), case by case."""
    chosen = body["cases"]
    only = {c["instance_id"]: c["revision"] for c in chosen} if chosen is not None else None
    with _named_as_requested():
        return case_migration.migrate_cases(
            database.session_factory(), actor(), key, body["from_version"], body["to_version"], body["map"], only
        )
