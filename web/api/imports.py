"""/api/v1/imports/{kind}: units and people from a spreadsheet (.xlsx, or .csv in UTF-8 or
GB18030), as the admin's import page does it (engine.usecases.onboarding). ``dry_run=true``
answers what would be created and changed; otherwise all or nothing, and the new people's
initial passwords come back in this answer only. A file with problems: 422, each problem
under ``"row N, column"`` in ``fields`` and ``codes``.

GET /api/v1/imports/{kind}/export: the current units or people as an .xlsx in the import
template's shape (round trip: export, edit, import; unchanged, it changes nothing).

/api/v1/imports/ledger/{kind}: this year's ledger of proposals or petitions, each row replayed
as a case at its recorded dates (engine.usecases.ledger); GET .../export: the year's ledger as
it stands, in the same columns (engine.usecases.ledger_export)."""

from __future__ import annotations

from io import BytesIO

import marshmallow as ma
from flask import send_file
from flask_smorest.fields import Upload
from marshmallow import fields

from engine.usecases import ledger, onboarding

from ..views.imports import ledger_export_said, roster_export
from .common import actor, make_blueprint, reader, writer
from .schemas import WholeNumber

bp = make_blueprint("imports", "/imports", "Importing units and people from spreadsheets (导入)")

KIND = "/<any(units, people):kind>"


class ImportArgs(ma.Schema):
    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "true: only say what would change; write nothing"}
    )


class ImportUploadSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": ".xlsx, or .csv in UTF-8 (with or without BOM) or GB18030"})


class ChangeSchema(ma.Schema):
    row = WholeNumber(required=True, metadata={"description": "the row as Excel numbers it"})
    key = fields.String(required=True, metadata={"description": "the unit's code, the person's user name"})
    name = fields.String(required=True)
    created = fields.Boolean(required=True)
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String(allow_none=True)),
        attribute="fields",
        metadata={"description": "column → [before, after]; before is null when created"},
    )


class SheetChoiceSchema(ma.Schema):
    name = fields.String(required=True, metadata={"description": "the worksheet read"})
    searched = fields.List(fields.String(), required=True, metadata={"description": "every worksheet, in order"})
    has_header = fields.Boolean(
        required=True,
        metadata={"description": "the worksheet read holds every required column (else: none did; the nearest read)"},
    )
    also = fields.List(
        fields.String(), required=True, metadata={"description": "later worksheets with the same header: not read"}
    )


class PlanSchema(ma.Schema):
    kind = fields.String(required=True)
    sheet = fields.Nested(
        SheetChoiceSchema, allow_none=True, metadata={"description": "the worksheet read (null: a .csv)"}
    )
    rows = WholeNumber(required=True)
    created = WholeNumber(required=True)
    updated = WholeNumber(required=True)
    unchanged = WholeNumber(required=True)
    changes = fields.List(fields.Nested(ChangeSchema), required=True)


class InitialPasswordSchema(ma.Schema):
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    password = fields.String(required=True, metadata={"description": "shown this once; changed at the first sign-in"})


class ImportResultSchema(ma.Schema):
    plan = fields.Nested(PlanSchema, required=True)
    passwords = fields.List(fields.Nested(InitialPasswordSchema), required=True)


@bp.post(KIND)
@bp.arguments(ImportArgs, location="query")
@bp.arguments(ImportUploadSchema, location="files")
@bp.response(200, ImportResultSchema)
def import_file(args: dict, files: dict, kind: str):
    """Import units or people (needs admin.users). With ``dry_run=true`` nothing is written and
    ``passwords`` is empty. Order on day one: units, people, then the units again with heads."""
    upload = files["file"]
    content = upload.read()
    if args["dry_run"]:
        plan = onboarding.plan(reader(), actor(), kind, upload.filename or "", content)
        if plan.problems:
            raise onboarding.ImportRefused(plan)
        return onboarding.Result(plan, [])
    with writer() as s:
        return onboarding.apply(s, actor(), kind, upload.filename or "", content)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get(KIND + "/export")
@bp.doc(
    responses={
        "200": {
            "description": "the .xlsx: the import template's columns, one row per unit or active person (no passwords)",
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
def export_file(kind: str):
    """Export the current units or people (needs admin.users, as importing does) in exactly the
    import template's columns: people's roles by their Chinese names joined with 、. Edit it and
    POST it back to /imports/{kind}: only what was edited changes."""
    # its notes sheet in the request's language, as the page's download (its headers as the import reads them)
    content = roster_export(reader(), actor(), kind)
    name = "units.xlsx" if kind == "units" else "people.xlsx"
    response = send_file(BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


class LapseSchema(ma.Schema):
    task = fields.String(required=True, metadata={"description": "a task the case waits at, its period over"})
    due_at = fields.DateTime(required=True, metadata={"description": "when its period ended"})
    ends_by = fields.String(
        required=True,
        metadata={
            "description": "the boundary timer that ends it on import (逾期未反馈), else empty: it stays overdue"
        },
    )
    supervised_by = fields.String(
        required=True, metadata={"description": "the boundary timer that raises a 督办 on it on import, else empty"}
    )


class RowOutcomeSchema(ma.Schema):
    row = WholeNumber(required=True, metadata={"description": "the row as Excel numbers it"})
    title = fields.String(required=True)
    instance_id = WholeNumber(
        allow_none=True, metadata={"description": "the case made of the row (in a dry run, rolled back)"}
    )
    closed = fields.Boolean(required=True, metadata={"description": "the row's case ended"})
    waiting_at = fields.List(fields.String(), required=True, metadata={"description": "the tasks it waits at"})
    lapsed = fields.List(
        fields.Nested(LapseSchema),
        required=True,
        metadata={"description": "of the tasks it waits at, those whose period is over already"},
    )
    existing = fields.Boolean(
        required=True, metadata={"description": "its 编号 was imported before: left as it is (unchanged)"}
    )
    supervised = fields.Boolean(
        required=True,
        metadata={
            "description": "the import puts its case under a 督办 at once: a task it waits at, its period over, has "
            "a 督办 timer due (答复期满), fired at the scheduler's first sweep"
        },
    )
    differs = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "of a row left as it is (existing), the columns (by their headers, as in the file) whose "
            "cells say otherwise than the case as it stands: not imported, the case keeps what it has (correct it "
            "in the case); empty when the row agrees, or is a new case"
        },
    )


class LedgerPlanSchema(ma.Schema):
    kind = fields.String(required=True)
    sheet = fields.Nested(
        SheetChoiceSchema, allow_none=True, metadata={"description": "the worksheet read (null: a .csv)"}
    )
    rows = WholeNumber(required=True)
    outcomes = fields.List(fields.Nested(RowOutcomeSchema), required=True)
    example_rows = fields.List(
        WholeNumber(),
        required=True,
        metadata={"description": "the template's example row, left in the file as handed out: skipped, never a case"},
    )


class LedgerExportArgs(ma.Schema):
    year = WholeNumber(
        load_default=None,
        validate=ma.validate.Range(1900, 2099),
        metadata={"description": "the year whose cases (by registration or receipt) are listed; this year by default"},
    )


@bp.get("/ledger/<any(proposals, petitions):kind>/export")
@bp.arguments(LedgerExportArgs, location="query")
@bp.doc(
    responses={
        "200": {
            "description": "the .xlsx: the ledger template's columns, one row per case of the year as it stands, "
            "then columns marked （只读） (status, the tasks it waits at) that the import does not read",
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
def export_ledger(args: dict, kind: str):
    """Export this year's ledger (needs case.import, as importing it does) in the import
    template's columns, each case as it stands; a petitioner's identity masked for whoever may
    not read it. POSTed back to /imports/ledger/{kind}, it changes nothing."""
    exported = ledger_export_said(reader(), actor(), kind, args["year"])
    name = f"ledger-{kind}-{exported.year}.xlsx"
    response = send_file(BytesIO(exported.content), mimetype=XLSX, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/ledger/<any(proposals, petitions):kind>")
@bp.arguments(ImportArgs, location="query")
@bp.arguments(ImportUploadSchema, location="files")
@bp.response(200, LedgerPlanSchema)
def import_ledger(args: dict, files: dict, kind: str):
    """Import this year's ledger (needs case.import): each row becomes a case of the current
    process version, replayed at the dates it records; finished rows closed, the others waiting
    at the task they reached. With ``dry_run=true`` every row is replayed and rolled back."""
    upload = files["file"]
    content = upload.read()
    if args["dry_run"]:
        # replayed in the database and rolled back: a writer's transaction, not a read
        with writer() as s:
            plan = ledger.plan(s, actor(), kind, upload.filename or "", content)
        if plan.problems:
            raise ledger.LedgerRefused(plan)
        return plan
    with writer() as s:
        return ledger.apply(s, actor(), kind, upload.filename or "", content)
