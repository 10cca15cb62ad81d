"""/api/v1/instances: start, list, look at and cancel cases (案件)."""

from __future__ import annotations

from engine.usecases import case_list, cases

from .common import actor, make_blueprint, reader, writer
from .schemas import (
    CancelSchema,
    InstanceDetailSchema,
    InstanceListArgs,
    InstancePageSchema,
    StartedSchema,
    StartSchema,
)

bp = make_blueprint("instances", "/instances", "Cases: process instances (案件)")

CASE = "/<int(max=2147483647):instance_id>"


@bp.get("")
@bp.arguments(InstanceListArgs, location="query")
@bp.response(200, InstancePageSchema)
def list_instances(args: dict):
    """The cases you may see, newest first (supervisors and admins: all)."""
    per_page, page = args["per_page"], args["page"]
    flt = case_list.CaseFilter(
        status=args.get("status"),
        process_key=args.get("process") or None,
        text=(args.get("text") or "").strip() or None,
        started_by_me=args["mine"],
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    rows, total = case_list.list_cases(reader(), actor(), flt)
    return {"total": total, "page": page, "per_page": per_page, "items": rows}


@bp.post("")
@bp.arguments(StartSchema)
@bp.response(201, StartedSchema)
def start(args: dict):
    """Start the latest version of a process with its start form's data (422 per field)."""
    with writer() as s:
        detail = cases.start_instance(
            s,
            actor(),
            args["process_key"],
            args["data"],
            title=args.get("title"),
            business_key=args.get("business_key"),
        )
    return {
        "id": detail.id,
        "title": detail.title,
        "process_key": detail.process_key,
        "version": detail.version,
        "status": detail.status,
        "open_tasks": detail.open_tasks,
        "nobody_to_take": sorted(t.task_id for t in detail.open_tasks if t.nobody_to_take),
    }


@bp.get(CASE)
@bp.response(200, InstanceDetailSchema)
def detail(instance_id: int):
    """A case: status, variables (labelled), history, open tasks and what to highlight on
    its diagram; confidential fields removed unless you may see them."""
    page = cases.case_page(reader(), actor(), instance_id)
    d = page.detail
    return {
        **{k: getattr(d, k) for k in InstanceDetailSchema().fields if hasattr(d, k)},
        "labels": page.labels,
        "hidden": sorted(page.hidden),
        "element_names": page.element_names,
        "comments": page.comments,
        "attachments": page.attachments,
        "caller": page.caller,
        "called": page.called,
    }


@bp.post(CASE + "/cancel")
@bp.arguments(CancelSchema)
@bp.response(204)
def cancel(args: dict, instance_id: int):
    """Cancel a running case with a reason (the office it was started from, and
    administrators); 404 for a case you may not see, 403 for one you may see but not cancel."""
    with writer() as s:
        cases.cancel_instance(s, actor(), instance_id, args["reason"])
