"""Engine benchmark: what one task completion costs, in JSON (see bench/README.md).

    .venv/bin/python bench/engine_bench.py                 # SQLite file in a temp dir (WAL)
    .venv/bin/python bench/engine_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/engine_bench.py --quick         # small numbers, < 30 s
    .venv/bin/python bench/engine_bench.py --profile       # + cProfile of the use case

Real time throughout (the clock is never frozen). Figures go to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import create_engine, event, func, insert, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

from engine.bpmn.runtime import Runtime
from engine.bpmn.serialization import dump_workflow, load_workflow
from engine.deadlines.calendar import WorkingCalendar
from engine.deadlines.date_functions import make_helpers
from engine.deadlines.settings import resolve
from engine.usecases import (
    cases,
    definitions,
    people,
    tasks,
    workflow_cache,
)
from engine.usecases.context import SYSTEM, Actor, processes
from storage import migrate
from storage.db import make_engine, make_session_factory
from storage.enums import WorkItemState
from storage.models import (
    AuditEntry,
    ProcessDefinition,
    ProcessInstance,
    Timer,
    WorkItem,
    WorkItemGroup,
)

BPMN = ROOT / "tests" / "fixtures" / "review.bpmn"  # register → (reply → check → loop back)…
PROCESS_KEY = "review"
ACTOR = Actor("chair", frozenset({"officer"}), frozenset({"office", "unit"}))
DATA = {"register": {"lead_unit": "unit"}, "reply": {"reply_class": "A", "pages": 2}, "check": {"accepted": False}}
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CLONED = (ProcessInstance, WorkItem, WorkItemGroup, Timer, AuditEntry)
FULL = {"reps": 200, "warmup": 10, "histories": (10, 50), "sizes": (1_000, 100_000), "scale_reps": 200}
QUICK = {"reps": 10, "warmup": 3, "histories": (4, 10), "sizes": (100, 1_000), "scale_reps": 10}
COUNTED_CLONES = 5  # clones whose two completions give the statement counts, apart from the timed ones


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def stats(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, max(0, round(0.95 * len(ms)) - 1))]
    return {
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(p95, 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "n": len(ms),
    }


def emit(result: dict[str, Any], out: str | None) -> None:
    """The figures as JSON on stdout, and in ``out`` when one is named (every bench script's)."""
    output = json.dumps(result, ensure_ascii=False, indent=2)
    if out:
        Path(out).write_text(output + "\n", encoding="utf-8")
    print(output)


# -- database ---------------------------------------------------------------------------
@contextmanager
def database(url: str | None, label: str = "engine", workdir: Path | None = None) -> Iterator[tuple[str, str]]:
    """A fresh migrated database: a SQLite file (in ``workdir``, else a temp dir), or
    ``cf_bench_<label>_<random>`` on the PostgreSQL server ``url`` names, dropped at the end
    (also on failure). Every bench script's."""
    if url is None or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="cf-bench-") as tmp:
            db_url = f"sqlite:///{workdir or tmp}/bench.db"
            migrate.upgrade(db_url)
            yield db_url, "sqlite"
        return
    admin_url = make_url(url)
    name = f"cf_bench_{label}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        db_url = admin_url.set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(db_url)
        yield db_url, "postgresql"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class StatementCounter:
    """Counts every statement sent to the database (executemany counts once) and the time
    spent inside the driver's ``execute`` (the database's own work plus the driver), while
    ``counting``. Only then: a listener sends the statements a completion runs on the
    driver connection through SQLAlchemy's execution instead (storage/prepared.py), which is
    not what the product runs, so the timed completions are not counted."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.count, self.seconds, self._t0 = 0, 0.0, 0.0

    @contextmanager
    def counting(self) -> Iterator[None]:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        try:
            yield
        finally:
            event.remove(self.engine, "before_cursor_execute", self._before)
            event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self.count += 1
        self._t0 = time.perf_counter()

    def _after(self, *_args: Any) -> None:
        self.seconds += time.perf_counter() - self._t0


# -- building instances ----------------------------------------------------------------
def ready_task(factory: sessionmaker, instance_id: int) -> tuple[str, str]:
    # committed, not rolled back: at a ROLLBACK psycopg forgets the statements it prepared on
    # the connection, and the use case measured next on it would run unprepared (the product's
    # requests read in autocommit and commit their writes)
    with factory.begin() as s:
        item = s.scalars(
            select(WorkItem).where(WorkItem.instance_id == instance_id, WorkItem.state == WorkItemState.READY)
        ).one()
        return item.task_id, item.bpmn_id


def complete_next(factory: sessionmaker, instance_id: int) -> None:
    task_id, bpmn_id = ready_task(factory, instance_id)
    with factory.begin() as s:
        tasks.complete(s, ACTOR, task_id, DATA[bpmn_id])


def template(factory: sessionmaker, history: int) -> int:
    """A real instance, started and advanced through ``history`` completions by the use cases."""
    with factory.begin() as s:
        instance_id = cases.start_instance(s, ACTOR, PROCESS_KEY, {"subject": "基准测试意见"}).id
    for _ in range(history):
        complete_next(factory, instance_id)
    return instance_id


def _of_instance(model: type, instance_id: int) -> Any:
    table = model.__table__  # type: ignore[attr-defined]
    if model is ProcessInstance:
        return table.c.id == instance_id
    if model is WorkItemGroup:
        return table.c.work_item_id.in_(select(WorkItem.id).where(WorkItem.instance_id == instance_id))
    return table.c.instance_id == instance_id


class Cloner:
    """Copies an instance's rows (instance, work items + groups, timers, audit) under new ids.
    ``fresh_json``: give the workflow JSON new task UUIDs too (clones that will be run);
    otherwise the JSON is shared text and only the rows' task ids are new (inert fillers)."""

    def __init__(self, factory: sessionmaker, instance_id: int):
        self.factory = factory
        with factory() as s:
            self.rows = {
                m: [dict(r) for r in s.execute(select(m.__table__).where(_of_instance(m, instance_id))).mappings()]
                for m in CLONED
            }

    def clone(self, count: int, fresh_json: bool, chunk: int = 2_000) -> list[int]:
        made: list[int] = []
        for start in range(0, count, chunk):
            made += self._clone_chunk(min(chunk, count - start), fresh_json)
        return made

    def _clone_chunk(self, count: int, fresh_json: bool) -> list[int]:
        with self.factory.begin() as s:
            next_id = {
                m: (s.scalar(select(func.max(m.__table__.c.id))) or 0) + 1 for m in CLONED if m is not WorkItemGroup
            }
            out: dict[type, list[dict]] = {m: [] for m in CLONED}
            made = []
            [instance] = self.rows[ProcessInstance]
            for _ in range(count):
                ids: dict[str, str] = {}
                new_uuid: Callable[[str], str] = lambda old: ids.setdefault(old, str(uuid.uuid4()))  # noqa: E731
                iid = next_id[ProcessInstance]
                next_id[ProcessInstance] += 1
                made.append(iid)
                json_text = instance["workflow_json"]
                if fresh_json:
                    json_text = UUID_RE.sub(lambda m: new_uuid(m.group(0)), json_text)
                out[ProcessInstance].append({**instance, "id": iid, "workflow_json": json_text})
                item_ids = {}
                for row in self.rows[WorkItem]:
                    item_ids[row["id"]] = next_id[WorkItem]
                    out[WorkItem].append(
                        {**row, "id": next_id[WorkItem], "instance_id": iid, "task_id": new_uuid(row["task_id"])}
                    )
                    next_id[WorkItem] += 1
                for row in self.rows[WorkItemGroup]:
                    out[WorkItemGroup].append({**row, "work_item_id": item_ids[row["work_item_id"]]})
                for model in (Timer, AuditEntry):
                    for row in self.rows[model]:
                        out[model].append(
                            {
                                **row,
                                "id": next_id[model],
                                "instance_id": iid,
                                "task_id": row["task_id"] and new_uuid(row["task_id"]),
                            }
                        )
                        next_id[model] += 1
            for model in CLONED:
                if out[model]:
                    s.execute(insert(model.__table__), out[model])
            if s.bind.dialect.name == "postgresql":
                for model in CLONED:
                    if model is not WorkItemGroup:
                        table = model.__tablename__
                        s.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                            )
                        )
        return made


# -- the measurements ------------------------------------------------------------------
class Raw:
    """SpiffWorkflow alone on the same JSON: deserialize, complete, engine steps, serialize."""

    def __init__(self, factory: sessionmaker):
        with factory() as s:
            definition = s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == PROCESS_KEY)).one()
            self.process = processes.get(definition)
        calendar, settings = WorkingCalendar(), resolve({})
        # The same sandboxed script engine and helpers as the product, settings from defaults.
        self.script_engine = Runtime(make_helpers(lambda: calendar, lambda: settings)).script_engine
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))

    def embedded(self, spec_free_json: str) -> str:
        """The same instance as raw SpiffWorkflow writes it: with the whole spec inside."""
        return self.serializer.serialize_json(
            load_workflow(spec_free_json, self.process.spec, self.process.subprocess_specs)
        )

    def _run(self, workflow: Any, task_id: str, data: dict) -> None:
        workflow.script_engine = self.script_engine
        task = workflow.get_task_from_id(UUID(task_id))
        task.set_data(**data)
        task.run()
        workflow.do_engine_steps()

    def spec_free(self, text_: str, task_id: str, data: dict) -> None:
        workflow = load_workflow(text_, self.process.spec, self.process.subprocess_specs)
        self._run(workflow, task_id, data)
        dump_workflow(workflow)

    def with_spec(self, text_: str, task_id: str, data: dict) -> None:
        workflow = self.serializer.deserialize_json(text_)
        self._run(workflow, task_id, data)
        self.serializer.serialize_json(workflow)


def use_case(factory: sessionmaker, task_id: str, data: dict) -> float:
    t0 = time.perf_counter()
    with factory.begin() as s:
        tasks.complete(s, ACTOR, task_id, data)
    return time.perf_counter() - t0


def instance_json(factory: sessionmaker, instance_id: int) -> str:
    with factory.begin() as s:  # committed: see ready_task
        return s.get(ProcessInstance, instance_id).workflow_json


def clocked(action: Callable[[], Any]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process only: the PostgreSQL server's work is not in it)."""
    w0, c0 = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - w0, time.process_time() - c0


def measure_history(
    factory: sessionmaker, counter: StatementCounter, raw: Raw, history: int, reps: int, warmup: int
) -> dict[str, Any]:
    """Each clone completes its next two tasks (check, then reply: one loop), each measured
    as the use case and as raw SpiffWorkflow on the very same JSON, one right after the other."""
    clones = Cloner(factory, template(factory, history)).clone(warmup + (reps + 1) // 2, fresh_json=True)
    kinds = ("usecase", "raw_spec_free", "raw_embedded_spec")
    wall: dict[str, list[float]] = {k: [] for k in kinds}
    cpu: dict[str, list[float]] = {k: [] for k in kinds}
    statements, sql_seconds, sizes = [], [], []
    served: list[str] = []  # each measured use case: its task, and whether the cache or JSON gave its workflow
    for n, instance_id in enumerate(clones):
        for _ in range(2):
            task_id, bpmn_id = ready_task(factory, instance_id)
            data = DATA[bpmn_id]
            json_text = instance_json(factory, instance_id)
            embedded = raw.embedded(json_text)
            times = {
                "raw_spec_free": clocked(lambda: raw.spec_free(json_text, task_id, data)),
                "raw_embedded_spec": clocked(lambda: raw.with_spec(embedded, task_id, data)),
            }
            hits_before = workflow_cache.cache.counts.hits
            times["usecase"] = clocked(lambda: use_case(factory, task_id, data))
            if n >= warmup and len(wall["usecase"]) < reps:
                for kind, (w, c) in times.items():
                    wall[kind].append(w)
                    cpu[kind].append(c)
                served.append(f"{bpmn_id}_from_{'cache' if workflow_cache.cache.counts.hits > hits_before else 'json'}")
                sizes.append((len(json_text.encode()), len(embedded.encode())))
    # the statements, counted apart on clones of their own (see StatementCounter)
    for instance_id in Cloner(factory, template(factory, history)).clone(COUNTED_CLONES, fresh_json=True):
        for _ in range(2):
            task_id, bpmn_id = ready_task(factory, instance_id)
            before, sql_before = counter.count, counter.seconds
            with counter.counting():
                use_case(factory, task_id, DATA[bpmn_id])
            statements.append(counter.count - before)
            sql_seconds.append(counter.seconds - sql_before)
    figures: dict[str, Any] = {kind: stats(wall[kind]) for kind in kinds}
    for raw_kind in kinds[1:]:
        name = raw_kind.removeprefix("raw_")
        figures[f"ratio_to_raw_{name}"] = round(figures["usecase"]["median_ms"] / figures[raw_kind]["median_ms"], 2)
        paired = [u / r for u, r in zip(wall["usecase"], wall[raw_kind], strict=True)]
        figures[f"ratio_to_raw_{name}_paired_median"] = round(statistics.median(paired), 2)
    figures["cpu_median_ms"] = {kind: stats(cpu[kind])["median_ms"] for kind in kinds}
    figures["usecase_by_step"] = by_step(wall, served)
    figures["sql_statements_per_completion"] = {
        "median": statistics.median(statements),
        "min": min(statements),
        "max": max(statements),
    }
    figures["sql_execute_ms_per_completion"] = stats(sql_seconds)["median_ms"]
    figures["workflow_json_bytes"] = {
        "spec_free": round(statistics.median(s[0] for s in sizes)),
        "embedded_spec": round(statistics.median(s[1] for s in sizes)),
    }
    return figures


def by_step(wall: dict[str, list[float]], served: list[str]) -> dict[str, Any]:
    """The use case's figures for each task apart, and by where its workflow came from: a
    clone's first completion (check) restores it from JSON; the second (reply) gets it from
    the cache, which the first filled (from JSON too with ``--workflow-cache 0``)."""
    figures: dict[str, Any] = {}
    for step in sorted(set(served)):
        picked = [i for i, name in enumerate(served) if name == step]
        usecase = [wall["usecase"][i] for i in picked]
        figures[step] = stats(usecase)
        for raw_kind in ("raw_spec_free", "raw_embedded_spec"):
            paired = [u / wall[raw_kind][i] for u, i in zip(usecase, picked, strict=True)]
            figures[step][f"ratio_to_{raw_kind}_paired_median"] = round(statistics.median(paired), 2)
    return figures


def minimal_writes(engine: Engine, instance_id: int, task_id: str) -> None:
    """The writes no completion can do without, as bare Core statements in one transaction:
    read the case and the item, update both (revision check), insert the next item with its
    group, three timers and the audit entry. No ORM, no engine, no settings or reconciliation."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        case = conn.execute(select(ProcessInstance.__table__).where(ProcessInstance.id == instance_id)).one()
        item_id = conn.execute(select(WorkItem.id).where(WorkItem.task_id == task_id)).scalar_one()
        conn.execute(
            update(ProcessInstance.__table__)
            .where(ProcessInstance.id == instance_id, ProcessInstance.revision == case.revision)
            .values(workflow_json=case.workflow_json, revision=case.revision + 1, updated_at=now)
        )
        conn.execute(
            update(WorkItem.__table__)
            .where(WorkItem.id == item_id)
            .values(state="completed", completed_at=now, completed_by=ACTOR.username)
        )
        new_id = conn.execute(
            insert(WorkItem.__table__).returning(WorkItem.id),
            {
                "instance_id": instance_id,
                "task_id": str(uuid.uuid4()),
                "bpmn_id": "reply",
                "name": "答复",
                "due_at": now,
                "state": "ready",
                "created_at": now,
            },
        ).scalar_one()
        conn.execute(insert(WorkItemGroup.__table__), [{"work_item_id": new_id, "group": "unit", "is_user": False}])
        conn.execute(
            insert(Timer.__table__),
            [
                {
                    "kind": kind,
                    "instance_id": instance_id,
                    "task_id": str(uuid.uuid4()),
                    "bpmn_id": "reply",
                    "due_at": now,
                    "state": "pending",
                }
                for kind in ("bpmn", "task_due", "reminder")
            ],
        )
        conn.execute(
            insert(AuditEntry.__table__),
            {
                "at": now,
                "actor": ACTOR.username,
                "action": "complete",
                "instance_id": instance_id,
                "task_id": task_id,
                "bpmn_id": "check",
                "data": None,
            },
        )


def measure_floor(factory: sessionmaker, raw: Raw, history: int, reps: int, warmup: int) -> dict[str, Any]:
    """What the ratio target leaves for persistence (1 × raw at a ratio of 2.0) against the
    least any persistence costs here (``minimal_writes``), on clones at ``history`` tasks."""
    clones = Cloner(factory, template(factory, history)).clone(warmup + reps, fresh_json=True)
    engine = factory.kw["bind"]
    floor, raw_times = [], []
    for n, instance_id in enumerate(clones):
        task_id, bpmn_id = ready_task(factory, instance_id)
        json_text = instance_json(factory, instance_id)
        raw_time = clocked(lambda: raw.spec_free(json_text, task_id, DATA[bpmn_id]))[0]
        floor_time = clocked(lambda: minimal_writes(engine, instance_id, task_id))[0]
        if n >= warmup:
            raw_times.append(raw_time)
            floor.append(floor_time)
    figures: dict[str, Any] = {"minimal_writes": stats(floor), "raw_spec_free": stats(raw_times)}
    figures["floor_over_budget"] = round(
        figures["minimal_writes"]["median_ms"] / figures["raw_spec_free"]["median_ms"], 2
    )
    return figures


@contextmanager
def whole_dumps(on: bool) -> Iterator[None]:
    """While open, with ``on``, every save converts the whole workflow again, as before the
    task texts (engine/bpmn/task_texts.py) were kept."""
    kept = Runtime.__dict__["dump"]
    if on:
        Runtime.dump = staticmethod(lambda workflow: dump_workflow(workflow, reuse_texts=False))  # type: ignore[method-assign]
    try:
        yield
    finally:
        Runtime.dump = kept  # type: ignore[method-assign]


def measure_texts(factory: sessionmaker, history: int, reps: int, warmup: int) -> dict[str, Any]:
    """The use case with the task texts kept against converting every task at every save,
    alternated clone by clone (a pair is two clones next to each other). ``cold``: the
    clone's first completion (its workflow restored from JSON, its texts made); ``warm``:
    its second, the workflow and its texts from the cache, as for a case worked on in a row."""
    clones = Cloner(factory, template(factory, history)).clone(2 * (warmup + reps), fresh_json=True)
    wall: dict[str, dict[bool, list[float]]] = {"cold": {True: [], False: []}, "warm": {True: [], False: []}}
    for n, instance_id in enumerate(clones):
        whole = n % 2 == 1
        for step in ("cold", "warm"):
            task_id, bpmn_id = ready_task(factory, instance_id)
            with whole_dumps(whole):
                took = use_case(factory, task_id, DATA[bpmn_id])
            if n >= 2 * warmup:
                wall[step][whole].append(took)
    figures: dict[str, Any] = {}
    for step, runs in wall.items():
        paired = [kept / whole for kept, whole in zip(runs[False], runs[True], strict=True)]
        figures[step] = {
            "texts_kept": stats(runs[False]),
            "whole_conversion": stats(runs[True]),
            "ratio_paired_median": round(statistics.median(paired), 3),
        }
    return figures


def count_instances(factory: sessionmaker) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(ProcessInstance)) or 0


def row_counts(factory: sessionmaker) -> dict[str, int]:
    with factory() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0 for m in CLONED}


def _filled(factory: sessionmaker, dialect: str, size: int, reps: int) -> list[tuple[str, str]]:
    """``reps`` cases at 10 tasks of history, then clones of a case waiting for its reply up
    to ``size`` instances; returns the ready task of each of the ``reps`` cases."""
    clones = Cloner(factory, template(factory, 10)).clone(reps, fresh_json=True)
    filler = Cloner(factory, template(factory, 1))
    missing = size - count_instances(factory)
    t0 = time.perf_counter()
    if missing > 0:
        filler.clone(missing, fresh_json=False, chunk=5_000)
    if dialect == "postgresql":  # what autovacuum would do after such a load
        with factory.begin() as s:
            s.execute(text("ANALYZE"))
    log(f"{size}: +{missing} instances in {time.perf_counter() - t0:.1f} s")
    return [ready_task(factory, i) for i in clones]


def measure_scale(url: str | None, sizes: tuple[int, int], reps: int, warmup: int) -> dict[str, Any]:
    """The same completion (at 10 tasks of history) in a database of few and in one of many
    instances, alternately: one in each, pair by pair, so that a machine whose speed drifts
    (this VM's does, by a quarter within minutes) weighs on both sizes alike."""
    small_size, large_size = sizes
    with prepared(url) as (small, small_counter, dialect), prepared(url) as (large, large_counter, _):
        todo = {
            small_size: _filled(small, dialect, small_size, reps + warmup),
            large_size: _filled(large, dialect, large_size, reps + warmup),
        }
        databases = ((small_size, small, small_counter), (large_size, large, large_counter))
        wall: dict[int, list[float]] = {small_size: [], large_size: []}
        cpu: dict[int, list[float]] = {small_size: [], large_size: []}
        sql: dict[int, list[float]] = {small_size: [], large_size: []}
        for n in range(reps + warmup):
            for size, factory, counter in databases:
                task_id, bpmn_id = todo[size][n]
                sql_before = counter.seconds
                with counter.counting():  # both sizes alike: what is compared is the database's size
                    w, c = clocked(lambda: use_case(factory, task_id, DATA[bpmn_id]))
                if n >= warmup:
                    wall[size].append(w)
                    cpu[size].append(c)
                    sql[size].append(counter.seconds - sql_before)
        figures: dict[str, Any] = {
            f"instances_{size}": {
                "rows": row_counts(factory),
                **stats(wall[size]),
                "cpu_median_ms": stats(cpu[size])["median_ms"],
                "sql_execute_median_ms": stats(sql[size])["median_ms"],
            }
            for size, factory, _counter in databases
        }
    small_figures, large_figures = figures[f"instances_{small_size}"], figures[f"instances_{large_size}"]
    figures["ratio_large_to_small"] = round(large_figures["median_ms"] / small_figures["median_ms"], 2)
    figures["ratio_large_to_small_paired_median"] = round(
        statistics.median(big / little for big, little in zip(wall[large_size], wall[small_size], strict=True)), 2
    )
    figures["ratio_large_to_small_cpu"] = round(large_figures["cpu_median_ms"] / small_figures["cpu_median_ms"], 2)
    return figures


# Where the time of one completion goes: named steps of the use case, timed by wrapping
# them (module, class or None, attribute, label). A step the code no longer has is skipped.
PHASES = (
    ("engine.usecases.tasks", None, "_locked_case", "lock: the case (the first statement: also BEGIN)"),
    ("storage.repositories", None, "ready_item_rows", "read: the case's ready items"),
    ("engine.bpmn.runtime", None, "load_workflow", "engine: deserialize workflow JSON"),
    ("engine.bpmn.runtime", "Runtime", "complete", "engine: complete task + engine steps"),
    ("engine.bpmn.runtime", None, "dump_workflow", "engine: serialize workflow JSON"),
    ("engine.usecases.tasks", None, "save_instance", "save_instance (all: JSON, work items, timers)"),
    ("engine.usecases.persist", None, "sync_work_items", "save: sync work items"),
    ("engine.usecases.persist", None, "sync_timers", "save: sync timers"),
    ("sqlalchemy.orm.session", "Session", "flush", "ORM flush (all calls, incl. autoflush)"),
    ("sqlalchemy.orm.session", "SessionTransaction", "commit", "commit"),
    ("engine.usecases.tasks", None, "complete", "tasks.complete (the whole use case body)"),
)


@contextmanager
def phase_timers() -> Iterator[dict[str, list[float]]]:
    """Wrap each step of PHASES in a timer for the duration of the block."""
    import importlib

    spent: dict[str, list[float]] = {}
    patched = []
    for module, cls, name, label in PHASES:
        owner: Any = importlib.import_module(module)
        owner = getattr(owner, cls) if cls else owner
        original = owner.__dict__.get(name)
        if original is None:
            continue
        function = original.__func__ if isinstance(original, staticmethod) else original

        def timed(*a: Any, _f: Any = function, _label: str = label, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return _f(*a, **k)
            finally:
                spent.setdefault(_label, []).append(time.perf_counter() - t0)

        setattr(owner, name, staticmethod(timed) if isinstance(original, staticmethod) else timed)
        patched.append((owner, name, original))
    try:
        yield spent
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


_PACKAGES = (
    "sqlalchemy",
    "SpiffWorkflow",
    "RestrictedPython",
    "holidays",
    "psycopg",
    "json",
    "uuid",
    "engine",
    "storage",
    "dateutil",
    "zoneinfo",
)


def _bucket(file: str, name: str) -> str:
    """Which library a profiled function belongs to (its own time is counted there)."""
    if file.startswith("<sqlalchemy"):
        return "sqlalchemy"
    if file in ("<string>", "<script>", "<expression>"):
        return "process scripts (sandboxed)"
    if file == "~":
        if "sqlite3" in name or "psycopg" in name:
            return "database driver (C)"
        return "builtins (C)"
    parts = Path(file).parts
    for package in _PACKAGES:
        if package in parts:
            return "json (incl. C encoder)" if package == "json" else package
    return "other Python" if "site-packages" in parts or "python3" in file else Path(file).name


def profile(factory: sessionmaker, counter: StatementCounter, reps: int) -> dict[str, Any]:
    """Where the time of a completion goes: timed steps, then cProfile's top functions."""
    clones = Cloner(factory, template(factory, 10)).clone(2 * reps + 2, fresh_json=True)
    todo = [ready_task(factory, i) for i in clones]
    for task_id, bpmn_id in todo[:2]:  # warm-up
        use_case(factory, task_id, DATA[bpmn_id])
    totals, statements, sql_seconds = [], [], []
    with phase_timers() as spent, counter.counting():
        for task_id, bpmn_id in todo[2 : reps + 2]:
            before, sql_before = counter.count, counter.seconds
            totals.append(use_case(factory, task_id, DATA[bpmn_id]))
            statements.append(counter.count - before)
            sql_seconds.append(counter.seconds - sql_before)
    steps = {
        label: {"ms_per_completion": round(sum(v) / reps * 1000, 3), "calls_per_completion": len(v) / reps}
        for label, v in spent.items()
    }
    steps["SQL: inside the driver's execute"] = {
        "ms_per_completion": round(sum(sql_seconds) / reps * 1000, 3),
        "calls_per_completion": sum(statements) / reps,
    }
    profiler = cProfile.Profile()
    profiler.enable()
    for task_id, bpmn_id in todo[reps + 2 :]:
        use_case(factory, task_id, DATA[bpmn_id])
    profiler.disable()
    st = pstats.Stats(profiler)
    table = st.stats  # type: ignore[attr-defined]
    total = sum(v[3] for k, v in table.items() if k[2] == "use_case")
    rows = [
        {
            "function": f"{Path(file).name}:{line}:{name}",
            "calls_per_completion": round(ncalls / reps, 1),
            "self_ms": round(tottime / reps * 1000, 3),
            "cumulative_ms": round(cumtime / reps * 1000, 3),
        }
        for (file, line, name), (_cc, ncalls, tottime, cumtime, _callers) in table.items()
    ]
    buckets: dict[str, float] = {}
    for (file, _line, name), (_cc, _ncalls, tottime, _cumtime, _callers) in table.items():
        bucket = _bucket(file, name)
        buckets[bucket] = buckets.get(bucket, 0.0) + tottime
    whole = sum(buckets.values())
    by_package = {
        k: {"self_ms": round(v / reps * 1000, 3), "share": round(v / whole, 3)}
        for k, v in sorted(buckets.items(), key=lambda kv: -kv[1])
        if v / whole >= 0.001
    }
    return {
        "completions": reps,
        "mean_ms": round(statistics.fmean(totals) * 1000, 3),
        "steps_mean": steps,
        "cprofile_self_ms_by_package": by_package,
        "cprofile_ms_per_completion": round(total / reps * 1000, 3),
        "cprofile_top_cumulative": sorted(rows, key=lambda r: -r["cumulative_ms"])[:30],
        "cprofile_top_self": sorted(rows, key=lambda r: -r["self_ms"])[:20],
    }


@contextmanager
def prepared(url: str | None) -> Iterator[tuple[sessionmaker, StatementCounter, str]]:
    """A fresh database with the departments and the benchmark's process deployed."""
    with database(url) as (db_url, dialect):
        engine = make_engine(db_url)
        factory = make_session_factory(engine)
        counter = StatementCounter(engine)
        with factory.begin() as s:
            people.ensure_departments(s)
            definitions.deploy(s, BPMN.read_bytes(), BPMN.name, SYSTEM)
        try:
            yield factory, counter, dialect
        finally:
            engine.dispose()


def run(args: argparse.Namespace) -> dict[str, Any]:
    conf = dict(QUICK if args.quick else FULL)
    if args.reps:
        conf["reps"] = conf["scale_reps"] = args.reps
    if args.histories:
        conf["histories"] = tuple(int(v) for v in args.histories.split(","))
    if args.sizes:
        conf["sizes"] = tuple(int(v) for v in args.sizes.split(","))
    started = time.perf_counter()
    workflow_cache.configure(args.workflow_cache)
    result: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "load_average_at_start": os.getloadavg(),
        "process": f"{PROCESS_KEY} ({BPMN.relative_to(ROOT)})",
        "workflow_cache_size": args.workflow_cache,
        "completion": {},
        "scale": {},
    }
    if args.parts & {"completion", "profile", "floor", "texts"}:
        with prepared(args.db) as (factory, counter, dialect):
            result["database"] = dialect
            raw = Raw(factory)
            for history in conf["histories"] if "completion" in args.parts else ():
                log(f"completion at {history} tasks of history ({conf['reps']} completions)")
                result["completion"][f"history_{history}"] = measure_history(
                    factory, counter, raw, history, conf["reps"], conf["warmup"]
                )
            for history in conf["histories"] if "texts" in args.parts else ():
                log(f"task texts kept or not at {history} tasks of history ({conf['reps']} pairs)")
                result.setdefault("texts", {})[f"history_{history}"] = measure_texts(
                    factory, history, conf["reps"], conf["warmup"]
                )
            if "floor" in args.parts:
                log(f"floor: minimal Core writes at {conf['histories'][0]} tasks of history")
                result["floor"] = measure_floor(factory, raw, conf["histories"][0], conf["reps"], conf["warmup"])
            if "profile" in args.parts:
                log("profiling")
                result["profile"] = profile(factory, counter, min(conf["reps"], 100))
    if "scale" in args.parts:  # databases of their own
        log(f"scale: {conf['sizes'][0]} vs {conf['sizes'][1]} instances")
        result["scale"] = measure_scale(args.db, conf["sizes"], conf["scale_reps"], conf["warmup"])
        result["database"] = "sqlite" if args.db is None or args.db.startswith("sqlite") else "postgresql"
    result["targets"] = {"ratio_to_raw_max": 2.0, "scale_ratio_max": 1.2}
    result["load_average_at_end"] = os.getloadavg()
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="a SQLAlchemy URL; PostgreSQL: a server URL, a dedicated db is made and dropped")
    parser.add_argument("--quick", action="store_true", help="small numbers (< 30 s)")
    parser.add_argument("--reps", type=int, help="completions measured per figure")
    parser.add_argument("--histories", help="completed tasks of history to measure at, e.g. 10,50")
    parser.add_argument("--sizes", help="instance counts for the scale figure, e.g. 1000,100000")
    parser.add_argument(
        "--parts",
        default="completion,scale",
        help="comma-separated: completion (vs raw, by history), scale (1k vs 100k), profile, "
        "floor (the least any persistence costs, against the ratio's budget), "
        "texts (saves keeping the task texts against converting every task, paired)",
    )
    parser.add_argument("--profile", action="store_true", help="same as adding 'profile' to --parts")
    parser.add_argument(
        "--workflow-cache",
        type=int,
        default=workflow_cache.DEFAULT_SIZE,
        help="workflows the process keeps between use cases (WORKFLOW_CACHE_SIZE); 0: every one restored from JSON",
    )
    parser.add_argument("--out", help="also write the JSON to this file")
    args = parser.parse_args(argv)
    args.parts = set(args.parts.split(",")) | ({"profile"} if args.profile else set())
    result = run(args)
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
