"""The writes every change of a case makes, as statements built once.

A task completion is a handful of small writes (the case, its work items, their groups,
timers, an audit entry). Through the ORM's unit of work each costs 250-400 µs of Python
here, against ~50 µs in SQLite itself; a prebuilt Core statement executed on the session's
connection skips building the statement, its cache key and the flush bookkeeping, and the
hottest are run as their compiled SQL text (``storage.prepared``), which also skips Core's
per-execution parameter handling. Work items travel as plain rows
(``repositories.ItemRow``); ORM objects the session already holds are told what was
written (``written``) or expired, so the identity map stays true to the database for the
rest of the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, inspect, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from .enums import TimerState, WorkItemState
from .models import (
    AuditEntry,
    CaseDeputy,
    CaseFacts,
    CaseItemFacts,
    ProcessInstance,
    Supervision,
    Timer,
    WorkItem,
    WorkItemGroup,
)
from .prepared import Prepared
from .repositories import ItemRow, TimerRow

# the mapped classes' tables (typed as FromClause by SQLAlchemy; they are Tables)
_cases = cast(Table, ProcessInstance.__table__)
_items = cast(Table, WorkItem.__table__)
_timers = cast(Table, Timer.__table__)

# The bound names differ from the column names: Core reserves those for the SET clause.
_UPDATE_CASE = Prepared(
    update(_cases)
    .where(_cases.c.id == bindparam("case_id"), _cases.c.revision == bindparam("read_revision"))
    .values(
        workflow_json=bindparam("workflow_json"),
        serializer_version=bindparam("serializer_version"),
        revision=bindparam("new_revision"),
        updated_at=bindparam("updated_at"),
        status=bindparam("status"),
        ended_at=bindparam("ended_at"),
    )
)
_CLOSE_ITEM = Prepared(
    update(_items)
    .where(_items.c.id == bindparam("item_id"))
    .values(state=bindparam("state"), completed_at=bindparam("completed_at"))
)
_COMPLETE_ITEM = Prepared(
    update(_items)
    .where(_items.c.id == bindparam("item_id"))
    .values(
        state=WorkItemState.COMPLETED,
        completed_at=bindparam("completed_at"),
        completed_by=bindparam("completed_by"),
        assignee=bindparam("assignee"),
        draft=None,
        draft_by=None,
    )
)
_INSERT_ITEM = Prepared(insert(_items).returning(_items.c.id))
_NEW_ITEM_FIELDS = (
    "instance_id",
    "task_id",
    "bpmn_id",
    "name",
    "lane",
    "assignee",
    "due_at",
    "state",
    "created_at",
    "claimed_at",
)
_INSERT_GROUPS = Prepared(insert(cast(Table, WorkItemGroup.__table__)))
_UPDATE_TIMER = Prepared(
    update(_timers)
    .where(_timers.c.id == bindparam("timer_id"))
    .values(due_at=bindparam("due_at"), state=bindparam("state"), fired_at=bindparam("fired_at"))
)


def _arm_timers(dialect_insert: Any) -> Any:
    """Insert pending timers; one whose (case, task, kind) row exists already (fired or
    cancelled) is armed again when it was cancelled or its time moved: a fired timer at
    the same moment stays fired."""
    stmt = dialect_insert(_timers)
    return stmt.on_conflict_do_update(
        index_elements=[_timers.c.instance_id, _timers.c.task_id, _timers.c.kind],
        set_={
            "bpmn_id": stmt.excluded.bpmn_id,
            "due_at": stmt.excluded.due_at,
            "state": TimerState.PENDING,
            "fired_at": None,
        },
        where=or_(_timers.c.state == TimerState.CANCELLED, _timers.c.due_at != stmt.excluded.due_at),
    )


_ARM_TIMERS = {"sqlite": Prepared(_arm_timers(sqlite.insert)), "postgresql": Prepared(_arm_timers(postgresql.insert))}
# inline: no entry's id is read back (on PostgreSQL a RETURNING and its result otherwise)
_INSERT_AUDIT = Prepared(insert(cast(Table, AuditEntry.__table__)).inline())
_facts = cast(Table, CaseFacts.__table__)


def _upsert_facts(dialect_insert: Any) -> Any:
    """A case's facts row, written whole: inserted, or replacing the one there."""
    stmt = dialect_insert(_facts)
    return stmt.on_conflict_do_update(
        index_elements=[_facts.c.instance_id],
        set_={c.name: stmt.excluded[c.name] for c in _facts.c if c.name != "instance_id"},
    )


_UPSERT_FACTS = {
    "sqlite": Prepared(_upsert_facts(sqlite.insert)),
    "postgresql": Prepared(_upsert_facts(postgresql.insert)),
}
FACT_COLUMNS = tuple(c.name for c in _facts.c)


def write_case_facts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Write the facts of cases (every column of ``case_facts`` in each row)."""
    if rows:
        connection = session.connection()
        _UPSERT_FACTS[connection.dialect.name].execute(connection, list(rows))


_item_facts = cast(Table, CaseItemFacts.__table__)
_deputies = cast(Table, CaseDeputy.__table__)
_DELETE_ITEM_FACTS = delete(_item_facts).where(_item_facts.c.instance_id.in_(bindparam("ids", expanding=True)))
_DELETE_DEPUTIES = delete(_deputies).where(_deputies.c.instance_id.in_(bindparam("ids", expanding=True)))
_INSERT_ITEM_FACTS = insert(_item_facts)
_INSERT_DEPUTIES = insert(_deputies)
ITEM_FACT_COLUMNS = tuple(c.name for c in _item_facts.c)


def write_item_facts(
    session: Session, instance_ids: Sequence[int], items: Sequence[dict[str, Any]], deputies: Sequence[dict[str, Any]]
) -> None:
    """Replace the item facts (every column of ``case_item_facts`` in each row) and the
    deputies (instance_id, deputy, cosigner) of these cases by ``items`` and ``deputies``."""
    if not instance_ids:
        return
    connection = session.connection()
    connection.execute(_DELETE_ITEM_FACTS, {"ids": list(instance_ids)})
    connection.execute(_DELETE_DEPUTIES, {"ids": list(instance_ids)})
    if items:
        connection.execute(_INSERT_ITEM_FACTS, list(items))
    if deputies:
        connection.execute(_INSERT_DEPUTIES, list(deputies))


def written(obj: Any, **values: Any) -> None:
    """Tell a loaded object what a statement here wrote to its row (no change to flush)."""
    for name, value in values.items():
        set_committed_value(obj, name, value)


def update_case(session: Session, case: ProcessInstance, **values: Any) -> bool:
    """Write the case's workflow and status if its revision is still the one read; then
    ``case`` shows the new revision. False if someone else wrote it meanwhile."""
    new_revision = case.revision + 1
    result = _UPDATE_CASE.execute(
        session.connection(),
        {"case_id": case.id, "read_revision": case.revision, "new_revision": new_revision, **values},
    )
    if result.rowcount != 1:
        return False
    written(case, revision=new_revision, **values)
    return True


def _item_written(session: Session, item: ItemRow, **values: Any) -> None:
    """The row now says ``values``; a loaded ORM object of the same item is expired."""
    for name, value in values.items():
        setattr(item, name, value)
    _expire_loaded(session, WorkItem, item.id)


def _expire_loaded(session: Session, model: type, row_id: int) -> None:
    """A statement here changed this row: the ORM object the session holds of it, if any,
    reads it again when next used."""
    loaded = session.identity_map.get(identity_key(model, row_id))
    if loaded is not None:
        session.expire(loaded)


def complete_item(session: Session, item: ItemRow, by: str, at: datetime) -> None:
    assignee = item.assignee or by
    _COMPLETE_ITEM.execute(
        session.connection(), {"item_id": item.id, "completed_at": at, "completed_by": by, "assignee": assignee}
    )
    _item_written(session, item, state=WorkItemState.COMPLETED, completed_at=at, completed_by=by, assignee=assignee)


def close_items(session: Session, items: Sequence[ItemRow], state: WorkItemState, at: datetime) -> None:
    if not items:
        return
    _CLOSE_ITEM.execute(session.connection(), [{"item_id": i.id, "state": state, "completed_at": at} for i in items])
    for item in items:
        _item_written(session, item, state=state, completed_at=at)


def insert_item(session: Session, item: ItemRow, due_rule: dict[str, Any] | None = None) -> None:
    """A new work item and who may claim it, with how its due date was counted; ``item.id``
    is set."""
    values = {**{f: getattr(item, f) for f in _NEW_ITEM_FIELDS}, "due_rule": due_rule}
    item.id = _INSERT_ITEM.execute(session.connection(), values).scalar_one()
    groups = [(name, False) for name in item.candidate_groups] + [(name, True) for name in item.candidate_users]
    if groups:
        _INSERT_GROUPS.execute(
            session.connection(),
            [{"work_item_id": item.id, "group": name, "is_user": is_user, "ready": True} for name, is_user in groups],
        )


def update_timers(session: Session, changes: Sequence[tuple[TimerRow, dict[str, Any]]]) -> None:
    """``changes``: (timer, its new due_at / state / fired_at). A timer the session holds
    for one of them is expired: its next read sees what was written."""
    if not changes:
        return
    _UPDATE_TIMER.execute(session.connection(), [{"timer_id": t.id, **values} for t, values in changes])
    for timer, _values in changes:
        _expire_loaded(session, Timer, timer.id)


_INSERT_CASE = Prepared(insert(_cases).returning(_cases.c.id))
_CASE_COLUMNS = tuple(c.key for c in _cases.c if c.key != "id")


def insert_case(session: Session, case: ProcessInstance) -> None:
    """A new case, written as it stands (revision 1), with one statement instead of the
    unit of work's; ``case`` then belongs to the session as if it had been read."""
    values = {name: getattr(case, name) for name in _CASE_COLUMNS} | {"revision": 1}
    case.id = _INSERT_CASE.execute(session.connection(), values).scalar_one()
    make_transient_to_detached(case)
    written(case, **values)  # every column loaded, the ones left unset too: none is read again
    session.add(case)


def arm_timers(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """New pending timers (kind, instance_id, task_id, bpmn_id, due_at), or the rows they
    replace armed again (see ``_arm_timers``). A timer the session holds for one of them is
    expired: its next read sees what was written."""
    if not rows:
        return
    connection = session.connection()
    statement = _ARM_TIMERS.get(connection.dialect.name)
    if statement is None:
        raise NotImplementedError(
            f"arming timers needs INSERT ... ON CONFLICT as SQLite and PostgreSQL have it; "
            f"the database is {connection.dialect.name}"
        )
    statement.execute(connection, [{**r, "state": TimerState.PENDING} for r in rows])
    keys = {(r["instance_id"], r["task_id"], r["kind"]) for r in rows}
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Timer):
            loaded = inspect(obj).dict  # what is loaded: reading it never queries
            if (loaded.get("instance_id"), loaded.get("task_id"), loaded.get("kind")) in keys:
                session.expire(obj)


def insert_audit(session: Session, values: dict[str, Any]) -> None:
    _INSERT_AUDIT.execute(session.connection(), values)


_supervisions = cast(Table, Supervision.__table__)
_ANSWER_SUPERVISIONS = (
    update(_supervisions)
    .where(_supervisions.c.work_item_id == bindparam("item_id"), _supervisions.c.responded_at.is_(None))
    .values(responded_at=bindparam("at"), responded_by=bindparam("by"))
)


def answer_supervisions(session: Session, item_id: int, by: str, at: datetime) -> None:
    """The 督办 still open on a work item are answered (by whoever did the task, then). A
    督办 the session holds is expired: its next read sees the answer."""
    if session.connection().execute(_ANSWER_SUPERVISIONS, {"item_id": item_id, "by": by, "at": at}).rowcount:
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Supervision):
                session.expire(obj)
