"""/api/v1/audit: the audit log by person, action and period (engine.usecases.audit_log)."""

from __future__ import annotations

from engine.usecases import audit_log

from .common import actor, make_blueprint, reader
from .schemas import AuditArgs, AuditPageSchema
from .statistics import period_of

bp = make_blueprint("audit", "/audit", "The audit log: who did what, when, on which case")


@bp.get("")
@bp.arguments(AuditArgs, location="query")
@bp.response(200, AuditPageSchema)
def audit(args: dict):
    """The audit log, newest first: by person, action and period (who, what, when, which case;
    never what an action carried). Needs the export permission."""
    period = period_of(args) if args["start"] or args["end"] else None
    return audit_log.audit_page(
        reader(), actor(), args["user"], args["action"], period, page=args["page"], per_page=args["per_page"]
    )
