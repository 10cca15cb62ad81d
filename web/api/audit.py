"""/api/v1/audit: the audit log by person, action and period (engine.usecases.audit_log)."""

from __future__ import annotations

import dataclasses
from typing import Any

from engine.usecases import audit_log

from ..audit_text import said
from .common import actor, make_blueprint, reader
from .schemas import AuditArgs, AuditPageSchema
from .statistics import period_of

bp = make_blueprint("audit", "/audit", "The audit log: who did what, when, on which case")


@bp.get("")
@bp.arguments(AuditArgs, location="query")
@bp.response(200, AuditPageSchema)
def audit(args: dict):
    """The audit log, newest first: by person, action and period (who, what, when, which case;
    never what an action carried), each entry with what the 审计日志 page says of it (``said``)
    in the request's language. Needs the export permission."""
    period = period_of(args) if args["start"] or args["end"] else None
    log = audit_log.audit_page(
        reader(), actor(), args["user"], args["action"], period, page=args["page"], per_page=args["per_page"]
    )
    rows: list[dict[str, Any]] = [
        {f.name: getattr(row, f.name) for f in dataclasses.fields(row)} | {"said": said(row, log) or None}
        for row in log.rows
    ]
    return {"total": log.total, "page": log.page, "pages": log.pages, "rows": rows}
