"""Supervisor desk benchmark: the overdue board (督查台), a year's statistics (统计) and a
10,000-row export of the cases behind a figure, over 100,000 cases on PostgreSQL.

    .venv/bin/python bench/desk.py                              # PostgreSQL, 100,000 cases, 30 runs
    .venv/bin/python bench/desk.py --sqlite                     # the same in a temporary SQLite file
    .venv/bin/python bench/desk.py --cases 10000 --runs 10      # quicker
    .venv/bin/python bench/desk.py --keep                       # keep the database; --reuse measures it again
    .venv/bin/python bench/desk.py --explain                    # + the costliest statements' plans

A database of its own is created (``--url`` names it; the server's ``postgres`` database is
used to create and drop it), migrated with Alembic and dropped at the end unless ``--keep``.
People and the process go through the use cases (departments, a clerk and a supervisor;
``tests/fixtures/review.bpmn`` deployed as the operator); the rest is bulk-inserted with
SQLAlchemy Core in chunks of 5,000: ``--cases`` cases received over three years
(2024-01-01 to the frozen "now", 2026-11-30 10:00 Beijing) in 10 units, 85 % proposals and
15 % petitions, with their ``case_facts`` (assigned, replied on time or late, extended,
reply classes, first and final evaluations, petitions' channels, acceptance, reviews);
about 5 % of them running, each with one ready work item (a fifth overdue, a tenth due
within three days, a twentieth without a due date, a third claimed) offered to its unit;
``--history`` completed work items per case; 1 % as many 督办 (seven in ten open on ready
items, most of them on overdue ones, the rest answered on completed items). The running
cases carry a real serialized workflow (a review case started through the use case), the
others ``{}`` (nothing here deserializes one, but the board reads whole case rows). Then
VACUUM ANALYZE (what autovacuum would have done) or SQLite's ANALYZE. The engine clock is
frozen, so every run sees the same overdue set.

Each figure is timed from opening a session to closing it (a request's share of the work:
pool checkout with its ping, the use case's statements, building the result), ``--runs``
times after ``--warmup`` runs: min, median and p95 of the wall clock, and the median CPU time
of this process (on SQLite all of the work; on PostgreSQL all but the server's), which a
machine busy with other work inflates less than the wall clock:

- ``board``: ``supervision.board(session, supervisor)``, every filter off, sorted by due date.
- ``statistics``: ``statistics.statistics(session, supervisor, "proposal", Period(year))`` for
  the year before the frozen clock's (2025).
- ``export``: ``statistics.cases_behind(...)`` of the proposal figure of that year with the
  fewest cases at or above ``--export-rows`` (10,000; ``limit`` = that many), then the rows
  (id, title, unit name, status, received, replied) written by ``web.exports.download`` as
  .xlsx and as .csv inside a request context (the dates formatted in the reader's zone).
  ``export .xlsx`` = query + rows + .xlsx of the same run, ``export .csv`` likewise.

- ``case list WHO: WHAT``: ``case_list.case_list_page`` (the page /cases and, less the
  filters' lists, GET /api/v1/instances) for the office clerk (an officer without
  ``case.view_all``, who started every case here: sees all 100,000), a unit officer
  (``finance_o1``, made if missing: sees the cases of the items offered to 财政所, about one
  in six) and the supervisor: page 1 and page 40 unfiltered, running cases, one process and a
  text (a village's name, in one title in twelve). With ``--before`` each run of the two
  officers' is paired with one of the list as it was (each case checked by the correlated
  ``case_visibility``, switched here only), in the same run: ``case list (before) …``.
  ``--case-list-only`` measures these alone.

Unless ``--no-web``, the Flask routes are timed too through the test client (the API with a
token, the pages signed in): /api/v1/board, /board/, /api/v1/statistics and /statistics/.
After the timing, one more run of each use case counts its SQL statements and their time
in the driver's ``execute`` (on SQLite without fetching the rows), grouped by statement text:
the costliest three; ``--explain`` adds the plans of the slowest of the first two queries
(EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite). Targets (the issue's): p95 < 200 ms for the
board, for a year's statistics and for a page of the case list, < 2 s for a 10,000-row export. A table on stdout
(``--out FILE`` also writes the figures as JSON), progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher
from sqlalchemy import create_engine, delete, event, func, insert, select, text
from sqlalchemy.engine import Engine, make_url

from engine import access, clock
from engine.access import OPERATOR
from engine.deadlines.calendar import LOCAL_TZ
from engine.usecases import case_list, cases, definitions, people, sign_in, supervision, tokens
from engine.usecases import statistics as figures
from engine.usecases.context import SYSTEM, actor_for
from engine.usecases.statistics import Period
from engine.usecases.supervision.overdue_board import SOON
from engine.usecases.visibility import case_visibility
from storage import migrate
from storage.db import make_engine, make_session_factory
from storage.models import CaseFacts, Department, ProcessInstance, Supervision, User, WorkItem, WorkItemGroup

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/congressflow_bench_desk"
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=LOCAL_TZ)  # a Monday morning
FIRST_DAY = datetime(2024, 1, 1, tzinfo=LOCAL_TZ)
YEAR = Period(date(NOW.year - 1, 1, 1), date(NOW.year - 1, 12, 31))
PASSWORD = "Desk-bench-42-lu!"
CLERK, BOSS = "clerk", "boss"
UNIT_OFFICER = "finance_o1"  # the name the loaded work items give finance's first officer
CHUNK = 5_000
TARGETS_MS = {
    "board": 200.0,
    "statistics": 200.0,
    "case list": 200.0,
    "export .xlsx": 2000.0,
    "export .csv": 2000.0,
}
EXTRA_UNITS = {"water": "水利站", "transport": "交通站"}
# ten handling units, the busier first (weights)
UNITS = {
    "finance": 16,
    "land": 14,
    "civil_affairs": 12,
    "transport": 11,
    "water": 10,
    "central_school": 9,
    "health_center": 8,
    "middle_school": 7,
    "family_planning": 7,
    "credit_coop": 6,
}
TOPICS = [
    "关于修缮{v}村道路的建议",
    "{v}村路灯不亮",
    "{v}小学校舍维修",
    "{v}村饮水安全问题",
    "关于{v}集市管理的意见",
    "{v}村低保评定复核",
    "{v}河道清淤",
    "{v}村宅基地纠纷",
    "关于{v}卫生室建设的建议",
    "{v}村垃圾清运",
]
VILLAGES = ["东风", "红星", "前进", "新华", "永安", "太平", "长青", "和平", "金桥", "石门", "柳林", "杨庄"]
CATEGORIES = ["城乡建设", "农业农村", "教育", "医疗卫生", "社会保障", "交通", "水利", "环境保护"]


def log(message: str) -> None:
    print(f"[desk] {message}", file=sys.stderr, flush=True)


def days(n: float) -> timedelta:
    return timedelta(days=n)


# -- the database ---------------------------------------------------------------------------
@dataclass
class Target:
    url: str
    kind: str  # "postgresql" or "sqlite"
    drop: Callable[[], None] = lambda: None
    note: str = ""


def pg_target(url: str, reuse: bool) -> Target:
    db_url = make_url(url)
    name = db_url.database
    if not name or not re.fullmatch(r"[A-Za-z0-9_]+", name) or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"--url must name a database of its own (letters, digits, _), not {name!r}")
    admin = create_engine(db_url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    if not reuse:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    with admin.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
    return Target(db_url.render_as_string(hide_password=False), "postgresql", drop, f"PostgreSQL {version}")


def sqlite_target() -> Target:
    import sqlite3

    tmp = tempfile.mkdtemp(prefix="cf-desk-bench-")
    return Target(
        f"sqlite:///{tmp}/desk.db",
        "sqlite",
        lambda: shutil.rmtree(tmp, ignore_errors=True),
        f"SQLite {sqlite3.sqlite_version}",
    )


# -- seeding --------------------------------------------------------------------------------
def seed_people_and_process(factory: Any) -> tuple[int, str]:
    """Departments, a clerk and a supervisor, review.bpmn; a real serialized case's JSON."""
    sign_in.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with factory.begin() as s:
        people.ensure_departments(s)
        for code, name in EXTRA_UNITS.items():
            s.add(Department(code=code, name=name))
        s.flush()
        # they sign in through the login form at once: no password change asked first
        people.create_user(
            s, SYSTEM, CLERK, PASSWORD, roles=("officer",), department="office", must_change_password=False
        )
        people.create_user(
            s, SYSTEM, BOSS, PASSWORD, roles=("supervisor",), department="office", must_change_password=False
        )
        path = ROOT / "tests" / "fixtures" / "review.bpmn"
        definitions.deploy(s, path.read_bytes(), path.name, OPERATOR)
    with factory.begin() as s:
        sample = cases.start_instance(s, actor_for(s, CLERK), "review", {"subject": "样例"})
    with factory.begin() as s:
        instance = s.get(ProcessInstance, sample.id)
        workflow_json, definition_id = instance.workflow_json, instance.definition_id
        s.execute(delete(ProcessInstance).where(ProcessInstance.id == sample.id))
    return definition_id, workflow_json


def _pick(rnd: random.Random, weights: dict[str, float]) -> str:
    return rnd.choices(list(weights), list(weights.values()))[0]


def _case(i: int, rnd: random.Random, definition_id: int, workflow_json: str) -> tuple[dict, dict, bool]:
    """One case: (process_instances row, case_facts row, running)."""
    received = FIRST_DAY + (NOW - FIRST_DAY) * rnd.random()
    age = (NOW - received).days
    running = rnd.random() < (0.5 if age < 90 else 0.02 if age < 365 else 0.002)
    status = "running" if running else ("cancelled" if rnd.random() < 0.02 else "completed")
    petition = rnd.random() < 0.15
    unit: str | None = _pick(rnd, UNITS)
    f: dict[str, Any] = dict.fromkeys(
        (
            "ended_at",
            "deputy",
            "kind",
            "category",
            "assigned_at",
            "due_at",
            "replied_at",
            "replied_on_time",
            "accepted",
            "accepted_on_time",
            "extended",
            "rehandled",
            "reply_class",
            "first_evaluation",
            "final_evaluation",
            "solved",
            "review_requested",
            "review_result",
            "rereview_requested",
            "rereview_result",
            "outcome",
        )
    )
    f.update(instance_id=i, process_key="petition" if petition else "proposal", status=status)
    f.update(started_at=received, received_at=received, category=rnd.choice(CATEGORIES))
    assigned = received + days(rnd.uniform(1, 15))
    if petition:
        f["kind"] = _pick(rnd, {"letter": 50, "visit": 35, "opinion_box": 15})
        if running and age < 20 and rnd.random() < 0.5:
            assigned = None  # acceptance not decided yet
        else:
            f["accepted"] = rnd.random() < 0.85
            f["accepted_on_time"] = rnd.random() < 0.95
            if not f["accepted"]:
                assigned = None
        period = 60
    else:
        f["deputy"] = f"deputy_{rnd.randrange(200):03d}"
        f["kind"] = "议案转建议" if rnd.random() < 0.03 else "建议"
        if running and rnd.random() < 0.15:
            assigned = None  # registered, not handed to a unit yet
        period = 90
    if assigned is not None and assigned >= NOW:
        assigned = None
    if assigned is None:
        unit = None  # the office holds it
    else:
        f["assigned_at"] = assigned
        f["extended"] = rnd.random() < 0.05
        due = assigned + days(period + (30 if f["extended"] else 0))
        f["due_at"] = due
        replied = assigned + days(rnd.triangular(5, period * 1.3, period * 0.6))
        answered = status == "completed" or (running and rnd.random() < 0.3)
        if status != "cancelled" and answered and replied < NOW:
            f["replied_at"] = replied
            f["replied_on_time"] = replied <= due
            if petition:
                if status == "completed" and rnd.random() < 0.08:
                    f["review_requested"] = True
                    f["review_result"] = "changed" if rnd.random() < 0.2 else "upheld"
                    if rnd.random() < 0.25:
                        f["rereview_requested"] = True
                        f["rereview_result"] = "changed" if rnd.random() < 0.1 else "upheld"
            else:
                f["reply_class"] = _pick(rnd, {"A": 40, "B": 30, "C": 20, "D": 10})
                f["solved"] = f["reply_class"] == "A" or (f["reply_class"] == "B" and rnd.random() < 0.5)
                if status == "completed":
                    first = _pick(rnd, {"满意": 60, "基本满意": 25, "不满意": 10, "": 5}) or None
                    f["first_evaluation"] = first
                    f["rehandled"] = first == "不满意"
                    if first == "不满意":
                        f["final_evaluation"] = _pick(rnd, {"满意": 30, "基本满意": 40, "最终不满意": 30})
                    else:
                        f["final_evaluation"] = first
    f["unit"] = unit
    if status != "running":
        last = f["replied_at"] or f["assigned_at"] or received
        f["ended_at"] = min(NOW, last + days(rnd.uniform(1, 30)))
    title = rnd.choice(TOPICS).format(v=rnd.choice(VILLAGES)) + f"（{i}号）"
    instance = {
        "id": i,
        "definition_id": definition_id,
        "business_key": f"DK-{i:06d}",
        "title": title,
        "status": status,
        "workflow_json": workflow_json if running else "{}",
        "serializer_version": "bench",
        "revision": 1,
        "started_by": CLERK,
        "starter_unit": "office",
        "started_at": received,
        "updated_at": f["ended_at"] or f["replied_at"] or f["assigned_at"] or received,
        "ended_at": f["ended_at"],
    }
    return instance, f, running


def _item(item_id: int, instance_id: int, rnd: random.Random, **values: Any) -> dict[str, Any]:
    row = {
        "id": item_id,
        "instance_id": instance_id,
        "task_id": str(uuid.UUID(int=rnd.getrandbits(128))),
        "lane": "unit",
        "assignee": None,
        "due_at": None,
        "claimed_at": None,
        "completed_at": None,
        "completed_by": None,
    }
    row.update(values)
    return row


def _chunks(rows: list[dict]) -> Iterator[list[dict]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def bulk_load(engine: Engine, target: Target, n_cases: int, history: int, definition_id: int, wf: str) -> float:
    rnd = random.Random(20261130)
    now = NOW
    started = time.perf_counter()
    ready: list[tuple[int, int, datetime | None]] = []  # (item id, case id, due)
    done: list[tuple[int, int]] = []  # (item id, case id) of completed items
    item_id = 0
    with engine.begin() as conn:
        for first in range(1, n_cases + 1, CHUNK):
            instances, facts, items, groups = [], [], [], []
            for i in range(first, min(first + CHUNK, n_cases + 1)):
                instance, fact, running = _case(i, rnd, definition_id, wf)
                instances.append(instance)
                facts.append(fact)
                group = fact["unit"] or "office"
                received = instance["started_at"]
                for k in range(history):
                    item_id += 1
                    at = min(now - days(0.1), received + days(rnd.uniform(0.1, 20) * (k + 1)))
                    who = f"{group}_o{rnd.randint(1, 3)}"
                    items.append(
                        _item(
                            item_id,
                            i,
                            rnd,
                            bpmn_id=("register", "assign", "reply")[k % 3],
                            name=("登记", "交办", "答复")[k % 3],
                            assignee=who,
                            due_at=at + days(10),
                            state="completed",
                            created_at=at - days(rnd.uniform(0.1, 5)),
                            claimed_at=at - days(0.1),
                            completed_at=at,
                            completed_by=who,
                        )
                    )
                    groups.append({"work_item_id": item_id, "group": group, "is_user": False, "ready": False})
                    done.append((item_id, i))
                if not running:
                    continue
                item_id += 1
                roll = rnd.random()
                if roll < 0.20:
                    due = now - days(rnd.uniform(0, 30))
                elif roll < 0.30:
                    due = now + days(rnd.uniform(0, 3))
                elif roll < 0.95:
                    due = now + days(rnd.uniform(3, 90))
                else:
                    due = None
                claimed = rnd.random() < 1 / 3
                created = min(now - days(0.1), received + days(rnd.uniform(0.1, 10)))
                stage = "reply" if fact["assigned_at"] else "register"
                items.append(
                    _item(
                        item_id,
                        i,
                        rnd,
                        bpmn_id=stage,
                        name={"reply": "答复", "register": "登记"}[stage],
                        assignee=f"{group}_o1" if claimed else None,
                        due_at=due,
                        state="ready",
                        created_at=created,
                        claimed_at=created if claimed else None,
                    )
                )
                groups.append({"work_item_id": item_id, "group": group, "is_user": False, "ready": True})
                ready.append((item_id, i, due))
            conn.execute(insert(ProcessInstance.__table__), instances)
            conn.execute(insert(CaseFacts.__table__), facts)
            for chunk in _chunks(items):
                conn.execute(insert(WorkItem.__table__), chunk)
            for chunk in _chunks(groups):
                conn.execute(insert(WorkItemGroup.__table__), chunk)
            log(f"  {min(first + CHUNK - 1, n_cases):>7} cases, {item_id:>7} work items")
        rows = _supervisions(rnd, ready, done, max(1, n_cases // 100))
        for chunk in _chunks(rows):
            conn.execute(insert(Supervision.__table__), chunk)
        if target.kind == "postgresql":
            for table in ("process_instances", "work_items", "supervisions"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    if target.kind == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    log(f"  loaded in {loaded:.0f} s, analyzed in {time.perf_counter() - started:.0f} s")
    return round(loaded, 1)


def dataset_of(factory: Any) -> dict[str, int]:
    """What the database holds (counted, so that a reused one is described too)."""
    ready = WorkItem.state == "ready"
    queries = {
        "cases": select(func.count()).select_from(ProcessInstance),
        "running": select(func.count()).where(ProcessInstance.status == "running"),
        "ready_items": select(func.count()).where(ready),
        "overdue": select(func.count()).where(ready, WorkItem.due_at < NOW),
        "due_soon": select(func.count()).where(ready, WorkItem.due_at >= NOW, WorkItem.due_at < NOW + SOON),
        "completed_items": select(func.count()).where(WorkItem.state == "completed"),
        "supervisions": select(func.count()).select_from(Supervision),
        "open_supervisions": select(func.count()).where(Supervision.responded_at.is_(None)),
    }
    with factory() as s:
        return {name: s.scalar(query) for name, query in queries.items()}


def _supervisions(rnd: random.Random, ready: list, done: list, n: int) -> list[dict]:
    """Seven in ten open on ready items (four in five of those on overdue or due-soon ones),
    the rest answered on completed items."""
    on_board = [r for r in ready if r[2] is not None and r[2] < NOW + SOON]
    board_ids = {r[0] for r in on_board}
    elsewhere = [r for r in ready if r[0] not in board_ids]
    rows = []
    for k in range(n):
        issued = NOW - days(rnd.uniform(0.1, 20))
        automatic = rnd.random() < 0.5
        row = {
            "issued_by": "system" if automatic else BOSS,
            "issued_at": issued,
            "automatic": automatic,
            "opinion": "答复期限督办" if automatic else "请抓紧办理，按期答复代表。",
            "respond_by": None,
            "escalated": not automatic and rnd.random() < 0.2,
            "responded_at": None,
            "responded_by": None,
        }
        if k < 0.7 * n and ready:
            pool = on_board if on_board and (rnd.random() < 0.8 or not elsewhere) else elsewhere or ready
            item_id, case_id, _due = rnd.choice(pool)
            if not automatic:
                roll = rnd.random()
                row["respond_by"] = NOW - days(rnd.uniform(0, 10)) if roll < 0.4 else NOW + days(rnd.uniform(1, 10))
        else:
            item_id, case_id = rnd.choice(done)
            row["responded_at"], row["responded_by"] = issued + days(rnd.uniform(0.5, 5)), "finance_o1"
        rows.append({"instance_id": case_id, "work_item_id": item_id, **row})
    return rows


# -- measuring ------------------------------------------------------------------------------
@dataclass
class Figure:
    name: str
    target_ms: float | None
    samples: list[float] = field(default_factory=list)  # wall clock, ms
    note: str = ""
    cpu: list[float] = field(default_factory=list)  # this process's CPU time, ms

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def median(self) -> float:
        return median(self.samples)

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return ""
        return "PASS" if self.p95 < self.target_ms else "FAIL"

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": len(self.samples),
            "median_ms": round(self.median, 1),
            "p95_ms": round(self.p95, 1),
            "min_ms": round(min(self.samples), 1),
            "max_ms": round(max(self.samples), 1),
            "cpu_median_ms": round(median(self.cpu), 1) if self.cpu else None,
            "target_p95_ms": self.target_ms,
            "verdict": self.verdict,
            "note": self.note,
        }


def stamp() -> tuple[float, float]:
    """(wall clock, CPU time of this process), in ms."""
    return time.perf_counter() * 1000, time.process_time() * 1000


def since(start: tuple[float, float], end: tuple[float, float] | None = None) -> tuple[float, float]:
    end = end or stamp()
    return end[0] - start[0], end[1] - start[1]


def timed(factory: Any, work: Callable[[Any], Any], runs: int, warmup: int) -> tuple[list, list, Any]:
    """Wall and CPU ms of ``runs`` calls, each in a session of its own; the last result."""
    wall, cpu, result = [], [], None
    for n in range(warmup + runs):
        started = stamp()
        with factory() as s:
            result = work(s)
        if n >= warmup:
            w, c = since(started)
            wall.append(w)
            cpu.append(c)
    return wall, cpu, result


def export_rows(rows: list[figures.CaseBehind], units: dict[str, str]) -> list[list[Any]]:
    return [[r.id, r.title, units.get(r.unit or "", r.unit or ""), r.status, r.received_at, r.replied_at] for r in rows]


EXPORT_HEADERS = ["编号", "案件", "单位", "状态", "收到", "答复"]


def measure_export(app: Any, factory: Any, boss: Any, figure: str, limit: int, runs: int, warmup: int) -> dict:
    from web.exports import download

    parts: dict[str, list[tuple[float, float]]] = {"query": [], "xlsx": [], "csv": []}
    sizes: dict[str, int] = {}
    with app.test_request_context("/statistics/cases"):
        for n in range(warmup + runs):
            started = stamp()
            with factory() as s:
                found = figures.cases_behind(s, boss, "proposal", YEAR, figure, limit=limit)
                units = figures.unit_names(s)
            rows = export_rows(found, units)
            queried = stamp()
            xlsx = download("代表建议", "xlsx", EXPORT_HEADERS, rows).get_data()
            written = stamp()
            csv = download("代表建议", "csv", EXPORT_HEADERS, rows).get_data()
            done = stamp()
            if n >= warmup:
                parts["query"].append(since(started, queried))
                parts["xlsx"].append(since(queried, written))
                parts["csv"].append(since(written, done))
            sizes = {"rows": len(rows), "xlsx_bytes": len(xlsx), "csv_bytes": len(csv)}
    return {**parts, **sizes}


def choose_figure(factory: Any, boss: Any, want: int) -> tuple[str, int]:
    """The proposal figure of the year with the fewest cases at or above ``want`` (else the largest)."""
    with factory() as s:
        result = figures.statistics(s, boss, "proposal", YEAR)
    counts = {k: f.count for k, f in result.overall.items()}
    above = {k: c for k, c in counts.items() if c >= want}
    key = min(above, key=above.__getitem__) if above else max(counts, key=counts.__getitem__)
    return key, counts[key]


# -- the case list ----------------------------------------------------------------------------
CASE_LISTS = {
    "page 1": case_list.CaseListQuery(),
    "page 40": case_list.CaseListQuery(page=40),
    "running": case_list.CaseListQuery(status="running"),
    "process": case_list.CaseListQuery(process_key="review"),
    "text": case_list.CaseListQuery(text="东风"),
}


def ensure_unit_officer(factory: Any) -> None:
    """finance's first officer as a user (the loaded work items name them): a database kept
    by an earlier run may not have them yet."""
    with factory.begin() as s:
        if s.scalar(select(func.count()).where(User.username == UNIT_OFFICER)) == 0:
            people.create_user(
                s, SYSTEM, UNIT_OFFICER, PASSWORD, roles=("officer",), department="finance", must_change_password=False
            )


def _as_before(actor: Any) -> Any:
    """The list's condition as it was before the set (2026-12-07): each case checked by the
    correlated ``case_visibility``."""
    return None if access.sees_every_case(actor) else case_visibility(actor)


def case_list_figures(factory: Any, runs: int, warmup: int, before: bool) -> list[Figure]:
    ensure_unit_officer(factory)
    with factory() as s:
        actors = {who: actor_for(s, who) for who in (CLERK, UNIT_OFFICER, BOSS)}
    now = case_list.visible_cases
    out = []
    for who, actor in actors.items():
        for what, query in CASE_LISTS.items():
            variants = {"": now}
            if before and who != BOSS:  # whoever sees every case had no condition, then as now
                variants["(before) "] = _as_before
            samples: dict[str, tuple[list, list, Any]] = {k: ([], [], None) for k in variants}
            for n in range(warmup + runs):
                for label, visible in variants.items():  # paired: one of each per run
                    case_list.visible_cases = visible
                    try:
                        wall, cpu, page = timed(factory, lambda s: case_list.case_list_page(s, actor, query), 1, 0)
                    finally:
                        case_list.visible_cases = now
                    if n >= warmup:
                        samples[label][0].extend(wall)
                        samples[label][1].extend(cpu)
                    samples[label] = (samples[label][0], samples[label][1], page)
            for label, (wall, cpu, page) in samples.items():
                note = f"{page.total:,} cases, page {page.query.page} of {page.pages:,}"
                out.append(Figure(f"case list {label}{who}: {what}", TARGETS_MS["case list"], wall, note, cpu))
                log(f"  {out[-1].name}: median {out[-1].median:.1f} ms")
    return out


# -- the statements behind one call -----------------------------------------------------------
@dataclass
class Statement:
    sql: str
    params: Any
    ms: float


def capture(engine: Engine, factory: Any, work: Callable[[Any], Any]) -> list[Statement]:
    seen: list[Statement] = []
    starts: list[float] = []

    def before(_conn, _cursor, statement, parameters, _context, _many):
        starts.append(time.perf_counter())

    def after(_conn, _cursor, statement, parameters, _context, _many):
        seen.append(Statement(statement, parameters, (time.perf_counter() - starts.pop()) * 1000))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        with factory() as s:
            work(s)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return seen


def explain(engine: Engine, kind: str, statement: Statement) -> list[str]:
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if kind == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement.sql, statement.params).all()
        conn.rollback()
    return [str(r[0]) if kind == "postgresql" else str(r[-1]) for r in rows]


# -- the web routes -------------------------------------------------------------------------
def web_figures(app: Any, factory: Any, runs: int, warmup: int) -> list[Figure]:
    with factory.begin() as s:
        secret = tokens.create_token(s, SYSTEM, BOSS, "desk bench").secret
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    page = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get("/login").get_data(as_text=True)).group(1)
    response = page.post("/login", data={"username": BOSS, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in of {BOSS} failed: HTTP {response.status_code}")
    year = f"process=proposal&from={YEAR.start.isoformat()}&to={YEAR.end.isoformat()}"
    routes = [
        ("GET /api/v1/board", api, "/api/v1/board", headers, "board"),
        ("GET /board/ (page)", page, "/board/", {}, "board"),
        ("GET /api/v1/statistics (a year)", api, f"/api/v1/statistics?{year}", headers, "statistics"),
        ("GET /statistics/ (page, a year)", page, f"/statistics/?{year}", {}, "statistics"),
    ]
    out = []
    for name, client, path, hdrs, target in routes:
        wall, cpu = [], []
        for n in range(warmup + runs):
            started = stamp()
            response = client.get(path, headers=hdrs)
            w, c = since(started)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code} {response.get_data(as_text=True)[:300]}")
            if n >= warmup:
                wall.append(w)
                cpu.append(c)
        size = len(response.get_data())
        out.append(Figure(name, TARGETS_MS[target], wall, f"{size:,} bytes", cpu))
        log(f"  {name}: median {out[-1].median:.1f} ms")
    return out


# -- main -----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL, help="the PostgreSQL database to create (and drop)")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=2, help="completed work items per case (default 2)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--export-rows", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the database (SQLite: its file) afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure a database kept by --keep (PostgreSQL)")
    parser.add_argument("--no-web", action="store_true", help="do not time the Flask routes")
    parser.add_argument("--explain", action="store_true", help="print the plans of the costliest statements")
    parser.add_argument("--out", help="also write the figures as JSON to this file")
    parser.add_argument("--case-list-only", action="store_true", help="measure the case list alone")
    parser.add_argument("--before", action="store_true", help="pair the case list with the list as it was")
    parser.add_argument("--list-runs", type=int, help="runs of each case list figure (default --runs)")
    args = parser.parse_args()
    reuse = args.reuse
    if args.sqlite and reuse:
        raise SystemExit("--reuse is for a kept PostgreSQL database")

    clock.freeze(NOW)
    target = sqlite_target() if args.sqlite else pg_target(args.url, reuse)
    engine = None
    try:
        if not reuse:
            log(f"migrating {target.url} …")
            migrate.upgrade(target.url)
        engine = make_engine(target.url)
        factory = make_session_factory(engine)
        loaded = None
        if not reuse:
            definition_id, workflow_json = seed_people_and_process(factory)
            log(f"bulk loading {args.cases:,} cases …")
            loaded = bulk_load(engine, target, args.cases, args.history, definition_id, workflow_json)
        dataset: dict[str, Any] = {**dataset_of(factory), "load_s": loaded, "reused": reuse}
        with factory() as s:
            boss = actor_for(s, BOSS)
        report = run(args, target, engine, factory, boss, dataset)
        print_report(report)
        if args.out:
            Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    finally:
        if engine is not None:
            engine.dispose()
        if args.keep or reuse:
            log(f"kept {target.url}")
        else:
            target.drop()


def run(args: argparse.Namespace, target: Target, engine: Engine, factory: Any, boss: Any, dataset: dict) -> dict:
    from web import create_app

    results: list[Figure] = []
    list_runs = args.list_runs or args.runs
    log(f"case list, {list_runs} runs{' paired with the list as it was' if args.before else ''} …")
    results += case_list_figures(factory, list_runs, args.warmup, args.before)
    if args.case_list_only:
        return report_of(
            args, target, dataset, results, [], statements_of(args, target, engine, factory, case_list_calls(factory))
        )
    log(f"board, {args.runs} runs …")
    wall, cpu, board = timed(factory, lambda s: supervision.board(s, boss), args.runs, args.warmup)
    overdue = sum(r.overdue for r in board.rows)
    listed = f"{len(board.rows):,} rows ({overdue:,} overdue), {len(board.open_supervisions)} open 督办 listed"
    results.append(Figure("board", TARGETS_MS["board"], wall, listed, cpu))
    log(f"statistics of {YEAR.start.year}, {args.runs} runs …")
    wall, cpu, stats = timed(factory, lambda s: figures.statistics(s, boss, "proposal", YEAR), args.runs, args.warmup)
    counted = f"{stats.overall['received'].count:,} proposals, {len(stats.units)} units"
    results.append(Figure("statistics", TARGETS_MS["statistics"], wall, counted, cpu))
    figure, count = choose_figure(factory, boss, args.export_rows)
    log(f"export of {figure!r} ({count:,} cases, limit {args.export_rows:,}), {args.runs} runs …")
    app = create_app({"DATABASE_URL": target.url, "SECRET_KEY": secrets.token_hex(32), "TESTING": False})
    exp = measure_export(app, factory, boss, figure, args.export_rows, args.runs, args.warmup)

    def part(name: str, target_ms: float | None, note: str, *keys: str) -> Figure:
        """The sum of the parts ``keys`` of each run."""
        runs = list(zip(*(exp[k] for k in keys), strict=True))
        return Figure(name, target_ms, [sum(p[0] for p in r) for r in runs], note, [sum(p[1] for p in r) for r in runs])

    note = f"figure {figure} of {YEAR.start.year}: {count:,} cases, {exp['rows']:,} rows"
    results.append(part("export: cases_behind + rows", None, note, "query"))
    results.append(part("export: .xlsx", None, f"{exp['xlsx_bytes']:,} bytes", "xlsx"))
    results.append(part("export: .csv", None, f"{exp['csv_bytes']:,} bytes", "csv"))
    results.append(part("export .xlsx", TARGETS_MS["export .xlsx"], "query + .xlsx", "query", "xlsx"))
    results.append(part("export .csv", TARGETS_MS["export .csv"], "query + .csv", "query", "csv"))
    web = [] if args.no_web else web_figures(app, factory, args.runs, args.warmup)

    calls = {
        "board": lambda s: supervision.board(s, boss),
        "statistics": lambda s: figures.statistics(s, boss, "proposal", YEAR),
        "cases_behind": lambda s: figures.cases_behind(s, boss, "proposal", YEAR, figure, limit=args.export_rows),
        **case_list_calls(factory),
    }
    return report_of(args, target, dataset, results, web, statements_of(args, target, engine, factory, calls))


def case_list_calls(factory: Any) -> dict[str, Callable[[Any], Any]]:
    """Page 1 of the case list of each officer, for the statements and plans."""
    with factory() as s:
        actors = {who: actor_for(s, who) for who in (CLERK, UNIT_OFFICER)}
    return {
        f"case list {who}": lambda s, actor=actor: case_list.case_list_page(s, actor, CASE_LISTS["page 1"])
        for who, actor in actors.items()
    }


def statements_of(
    args: argparse.Namespace, target: Target, engine: Engine, factory: Any, calls: dict[str, Callable[[Any], Any]]
) -> dict[str, Any]:
    """The costliest three statements of one run of each call (and their plans, ``--explain``)."""
    statements: dict[str, Any] = {}
    for name, work in calls.items():
        seen = capture(engine, factory, work)
        shapes: dict[str, list[Statement]] = {}
        for st in seen:
            shapes.setdefault(st.sql, []).append(st)
        costly = sorted(shapes.values(), key=lambda group: -sum(st.ms for st in group))[:3]
        entry: dict[str, Any] = {
            "statements": len(seen),
            "execute_ms": round(sum(st.ms for st in seen), 1),
            "costliest": [
                {
                    "times": len(group),
                    "ms": round(sum(st.ms for st in group), 2),
                    "sql": " ".join(group[0].sql.split())[:300],
                }
                for group in costly
            ],
        }
        if args.explain:
            queries = [group for group in costly if group[0].sql.lstrip().upper().startswith("SELECT")][:2]
            entry["plans"] = [explain(engine, target.kind, max(group, key=lambda st: st.ms)) for group in queries]
        statements[name] = entry
    return statements


def report_of(
    args: argparse.Namespace, target: Target, dataset: dict, results: list[Figure], web: list[Figure], statements: dict
) -> dict:
    return {
        "database": target.note,
        "now": NOW.isoformat(),
        "year": [YEAR.start.isoformat(), YEAR.end.isoformat()],
        "runs": args.runs,
        "warmup": args.warmup,
        "dataset": dataset,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "figures": {f.name: f.as_dict() for f in results},
        "web": {f.name: f.as_dict() for f in web},
        "statements": statements,
    }


def print_report(report: dict) -> None:
    d = report["dataset"]
    print(f"\nSupervisor desk on {report['database']}, clock frozen at {report['now']}")
    print(
        f"  {d['cases']:,} cases ({d['running']:,} running), {d['ready_items']:,} ready work items "
        f"({d['overdue']:,} overdue, {d['due_soon']:,} due within 3 days), {d['completed_items']:,} completed, "
        f"{d['supervisions']:,} 督办 ({d['open_supervisions']:,} open)"
    )
    if d["reused"]:
        print("  (a database kept by an earlier run)")
    runs, load = f"{report['runs']} runs after {report['warmup']} warm-up", report["load_average"]
    print(f"  {runs}; {report['cpus']} CPUs, load average {load[0]} / {load[1]} / {load[2]}")
    head = f"{'what':<34} {'n':>4} {'min ms':>8} {'median ms':>10} {'p95 ms':>9} {'CPU ms':>8} {'target':>9}"
    print(f"\n{head}  verdict  note")
    for section in ("figures", "web"):
        if section == "web" and report["web"]:
            print("  the Flask routes (test client):")
        for name, f in report[section].items():
            goal = f"< {f['target_p95_ms']:.0f}" if f["target_p95_ms"] else ""
            print(
                f"{name:<34} {f['n']:>4} {f['min_ms']:>8.1f} {f['median_ms']:>10.1f} {f['p95_ms']:>9.1f} "
                f"{f['cpu_median_ms']:>8.1f} "
                f"{goal:>9}  {f['verdict'] or '':<7}  {f['note']}"
            )
    print("\nSQL per call (one run after the timing):")
    for name, st in report["statements"].items():
        print(f"  {name}: {st['statements']} statements, {st['execute_ms']} ms in the driver's execute")
        for shape in st["costliest"]:
            print(f"    {shape['times']:>4} × {shape['ms']:>8.2f} ms  {shape['sql'][:140]}")
        for n, plan in enumerate(st.get("plans", []), 1):
            print(f"    plan of the slowest statement of shape {n}:")
            for line in plan:
                print(f"      | {line if len(line) < 200 else line[:200] + ' …'}")


if __name__ == "__main__":
    main()
