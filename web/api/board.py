"""/api/v1/board and a case's /supervisions: the overdue board (督查台) and 督办, as the
pages show them (engine.usecases.supervision)."""

from __future__ import annotations

from engine.usecases import supervision

from .common import REFUSED, actor, make_blueprint, reader, writer
from .schemas import BoardArgs, BoardSchema, SupervisionInSchema, SupervisionSchema

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


@bp.post("/instances/<int(max=2147483647):instance_id>/supervisions")
@bp.arguments(SupervisionInSchema)
@bp.response(201, SupervisionSchema)
def issue_supervision(args: dict, instance_id: int):
    """Issue a 督办 on the case (its open task ``task_id``): told to the holders; 422 names
    every wrong field at once (opinion, respond_by, task_id, ...). A 督办 that lost its race
    says so by its code: ``task_id`` ``task_completed`` (params: the task's name, ``by`` whom,
    ``at`` when) or ``task_withdrawn``; ``instance`` ``case_ended`` (``status``: completed or cancelled)."""
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
