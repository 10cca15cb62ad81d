"""/api/v1/board and a case's /supervisions: the overdue board (督查台) and 督办, as the
pages show them (engine.usecases.supervision)."""

from __future__ import annotations

from flask import Response

from engine.errors import LostRace
from engine.usecases import supervision

from ..errors import Said, json_error
from ..views.board import refusal_summary
from .common import REFUSED, actor, make_blueprint, reader, writer
from .schemas import BoardArgs, BoardSchema, ErrorSchema, SupervisionInSchema, SupervisionSchema

bp = make_blueprint("board", "", "The overdue board and supervision notices (督办)")


@bp.get("/board")
@bp.arguments(BoardArgs, location="query")
@bp.response(200, BoardSchema)
def board(args: dict):
    """Every open task that is overdue or due within three days, with its unit, holder and
    督办; counts per unit; the 督办 not yet answered (needs the supervise permission)."""
    return supervision.board(
        reader(),
        actor(),
        unit=args["unit"],
        process_key=args["process"],
        sort=args["sort"],
        deputy=args["deputy"],
        category=args["category"],
    )


@bp.get("/instances/<int(max=2147483647):instance_id>/supervisions")
@bp.response(200, SupervisionSchema(many=True))
def list_supervisions(instance_id: int):
    """The case's 督办, oldest first."""
    return supervision.of_case(reader(), actor(), instance_id)


LOST_RACE = (
    "The task was completed or withdrawn, or the case ended, since the caller read it (code "
    "``conflict``): ``codes`` says which, ``task_id`` ``task_completed`` (params: the task's name, "
    "``by`` the user name who completed it, ``at`` when, ISO 8601 UTC) or ``task_withdrawn``, "
    "``instance`` ``case_ended`` (``status``: completed or cancelled), with any other field's "
    "refusal; ``said`` says it as the page does (the person by name, the time in the reader's zone)."
)


@bp.post("/instances/<int(max=2147483647):instance_id>/supervisions")
@bp.arguments(SupervisionInSchema)
@bp.response(201, SupervisionSchema)
@bp.alt_response(409, schema=ErrorSchema, description=LOST_RACE)
def issue_supervision(args: dict, instance_id: int):
    """Issue a 督办 on the case (its open task ``task_id``): told to the holders; 422 names
    every wrong field at once (opinion, respond_by, task_id, ...). A 督办 that lost its race
    (the task done or withdrawn, the case ended, since it was read) is a conflict, 409, as a
    completion's lost race is: sent again as it stands it would be refused again; the 督办 on
    the case as a whole (no ``task_id``) is what is left to send."""
    try:
        with writer() as s:
            return supervision.issue(
                s,
                actor(),
                instance_id,
                args.get("task_id"),
                args.get("opinion", ""),
                args.get("respond_by"),
                escalate=args.get("escalate", False),
                refused=args[REFUSED],
            )
    except LostRace as exc:  # a 409 as any LostRace is, said as the page says it
        return _conflict(instance_id, exc)


def _conflict(instance_id: int, exc: LostRace) -> Response:
    """The lost race as a 409 with the refusal's codes, and said as the page says it."""
    return json_error(409, "conflict", exc.message, exc.codes, said=Said(refusal_summary(instance_id, exc.codes)))
