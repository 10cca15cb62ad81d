"""Inbox benchmark: the inbox page and the inbox API over a big PostgreSQL database, in JSON.

    .venv/bin/python bench/inbox_bench.py                       # 100,000 cases, 1,000,000 work items
    .venv/bin/python bench/inbox_bench.py --quick               # 5,000 / 50,000, < 1 min
    .venv/bin/python bench/inbox_bench.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/inbox_bench.py --explain             # + EXPLAIN ANALYZE of each inbox query

A database of its own (``cf_bench_inbox``) is created, migrated, filled with COPY and
dropped at the end (``--keep`` keeps it). The data: 40 units plus the congress office,
processes deployed through the deploy use case, users made through the accounts use
case; cases and work items written directly: most cases finished, most items completed,
some thousands of items ready per unit, a third of them claimed, a fifth overdue.

Each scenario is one request through the Flask test client (the whole server side: auth,
use case, SQL, JSON or template), timed with perf_counter over ``--reps`` repetitions
after a warm-up. Figures go to stdout, progress to stderr. Target: p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import secrets
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher

from engine import clock
from engine.usecases import cases, definitions, people, sign_in, tokens
from engine.usecases.context import SYSTEM, actor_for
from storage import migrate
from storage import repositories as repo
from storage.db import make_engine, make_session_factory
from storage.models import Department, ProcessInstance

DB_NAME = "cf_bench_inbox"
UNITS = [f"unit_{n:02d}" for n in range(1, 41)]
PASSWORD = "bench-password-1"
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
FULL = {"instances": 100_000, "items": 1_000_000, "reps": 60, "warmup": 5}
QUICK = {"instances": 5_000, "items": 50_000, "reps": 20, "warmup": 3}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the database ----------------------------------------------------------------------
def create_database(admin_url: str) -> str:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    url = make_url(admin_url).set(database=DB_NAME).render_as_string(hide_password=False)
    migrate.upgrade(url)
    return url


def drop_database(admin_url: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
    admin.dispose()


def seed_people_and_processes(factory: Any) -> dict[str, Any]:
    """Units, users (officers per unit, office clerks, a supervisor) and the processes,
    through the use cases; returns what the bulk load needs."""
    sign_in.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))  # 200 users, not a hash bench
    with factory.begin() as s:
        people.ensure_departments(s)
        for n, code in enumerate(UNITS, 1):
            s.add(Department(code=code, name=f"第{n}承办单位"))
        s.flush()
        # they sign in through the login form at once: no password change asked first
        for code in UNITS:
            for k in range(1, 6):
                people.create_user(
                    s, SYSTEM, f"{code}_o{k}", PASSWORD, roles=("officer",), department=code, must_change_password=False
                )
        for k in range(1, 6):
            people.create_user(
                s, SYSTEM, f"office_o{k}", PASSWORD, roles=("officer",), department="office", must_change_password=False
            )
        people.create_user(
            s, SYSTEM, "boss", PASSWORD, roles=("supervisor",), department=None, must_change_password=False
        )
        files = [ROOT / "tests" / "fixtures" / "review.bpmn", *sorted((ROOT / "bpmn").glob("*.bpmn"))]
        for path in files:
            try:
                definitions.deploy(s, path.read_bytes(), path.name, SYSTEM)
            except Exception as exc:  # a process another team is still writing
                log(f"  (skipped {path.name}: {str(exc).splitlines()[0][:100]})")
        latest = [(d.id, d.key) for d in repo.latest_definitions(s)]
    # A real serialized case, so that the cases table has its real width (the JSON is
    # TOASTed or not as in production); the sample case itself is removed again.
    with factory.begin() as s:
        sample = cases.start_instance(s, actor_for(s, "office_o1"), "review", {"subject": "样例"})
    with factory.begin() as s:
        workflow_json = s.get(ProcessInstance, sample.id).workflow_json
        s.execute(delete(ProcessInstance).where(ProcessInstance.id == sample.id))
    return {"definitions": latest, "workflow_json": workflow_json}


def _copy(conn: Any, table: str, columns: tuple[str, ...], rows: Any) -> int:
    count = 0
    cols = ", ".join(f'"{c}"' for c in columns)
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def bulk_load(url: str, seeded: dict[str, Any], n_instances: int, n_items: int, now: datetime) -> dict[str, int]:
    """Cases and work items with COPY, in one transaction; then ANALYZE."""
    import psycopg

    rnd = random.Random(20261207)
    definitions, workflow_json = seeded["definitions"], seeded["workflow_json"]
    per_instance = n_items // n_instances
    counts = [rnd.randint(1, 2 * per_instance - 1) for _ in range(n_instances)]
    while (diff := n_items - sum(counts)) != 0:  # exactly n_items, each case at least one
        k = rnd.randrange(n_instances)
        if diff > 0 or counts[k] > 1:
            counts[k] += 1 if diff > 0 else -1
    plan = [
        (i, rnd.choices(("running", "completed", "cancelled"), (55, 40, 5))[0], count, rnd.choice(UNITS))
        for i, count in enumerate(counts, 1)
    ]

    def instances():
        for i, status, _count, unit in plan:
            started = now - timedelta(days=rnd.uniform(1, 700))
            ended = None if status == "running" else started + timedelta(days=rnd.uniform(1, 60))
            definition_id = definitions[i % len(definitions)][0]
            title = rnd.choice(TOPICS).format(v=rnd.choice(VILLAGES)) + f"（{i}号）"
            yield (
                i,
                definition_id,
                f"BK-{i:06d}",
                title,
                status,
                workflow_json,
                "bench",
                1,
                f"{unit}_o1",
                started,
                ended or started,
                ended,
            )

    counters = {"ready": 0, "claimed": 0, "overdue": 0}

    def items_and_groups():
        item_id = 0
        for i, status, count, unit in plan:
            ready_from = count - (1 if rnd.random() < 0.7 else 2) if status == "running" else count
            for k in range(count):
                item_id += 1
                group = unit if rnd.random() < 0.95 else "office"
                created = now - timedelta(days=rnd.uniform(0, 300))
                assignee = claimed = completed = completed_by = due = None
                if k >= ready_from:
                    state = "ready"
                    due = now + timedelta(days=rnd.uniform(-10, 40))
                    counters["ready"] += 1
                    counters["overdue"] += due < now
                    if rnd.random() < 0.33:
                        assignee, claimed = f"{group}_o{rnd.randint(1, 5)}", created
                        counters["claimed"] += 1
                else:
                    state = "cancelled" if status == "cancelled" and k == count - 1 else "completed"
                    completed, completed_by = created + timedelta(days=1), f"{group}_o{rnd.randint(1, 5)}"
                    assignee, due = completed_by, created + timedelta(days=15)
                yield (
                    "item",
                    (
                        item_id,
                        i,
                        str(uuid.UUID(int=rnd.getrandbits(128))),
                        f"task_{k % 6}",
                        f"办理步骤{k % 6}",
                        "unit",
                        assignee,
                        due,
                        state,
                        created,
                        claimed,
                        completed,
                        completed_by,
                    ),
                )
                yield ("group", (item_id, group, False, state == "ready"))

    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
        started = time.perf_counter()
        # consistent rows with their ready flag set: no per-row triggers (nor FK checks) while loading
        conn.execute("SET session_replication_role = replica")
        n_inst = _copy(
            conn,
            "process_instances",
            (
                "id",
                "definition_id",
                "business_key",
                "title",
                "status",
                "workflow_json",
                "serializer_version",
                "revision",
                "started_by",
                "started_at",
                "updated_at",
                "ended_at",
            ),
            instances(),
        )
        groups: list[tuple] = []

        def only_items():
            for kind, row in items_and_groups():
                if kind == "item":
                    yield row
                else:
                    groups.append(row)

        n_it = _copy(
            conn,
            "work_items",
            (
                "id",
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
                "completed_at",
                "completed_by",
            ),
            only_items(),
        )
        n_gr = _copy(conn, "work_item_groups", ("work_item_id", "group", "is_user", "ready"), groups)
        conn.execute("SET session_replication_role = origin")
        for table in ("process_instances", "work_items"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        log(f"  loaded {n_inst} cases, {n_it} work items, {n_gr} group rows in {time.perf_counter() - started:.0f} s")
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return {"instances": n_inst, "work_items": n_it, "work_item_groups": n_gr, **counters}


# -- measuring -------------------------------------------------------------------------
def browser_client(app: Any, username: str) -> Any:
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"sign-in of {username} failed"
    return client


def api_client(app: Any, factory: Any, username: str) -> tuple[Any, dict[str, str]]:
    with factory.begin() as s:
        secret = tokens.create_token(s, SYSTEM, username, "bench").secret
    return app.test_client(), {"Authorization": f"Bearer {secret}"}


def measure(client: Any, path: str, headers: dict[str, str], reps: int, warmup: int) -> dict[str, Any]:
    times, size = [], 0
    for n in range(warmup + reps):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.get_data(as_text=True)[:300]}")
        if n >= warmup:
            times.append(elapsed)
            size = len(response.get_data())
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    result = {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(times[-1], 1),
        "reps": reps,
        "bytes": size,
    }
    body = response.get_json(silent=True)
    if isinstance(body, dict) and "total" in body:
        result["total"] = body["total"]
    return result


def scenarios(process_key: str) -> list[tuple[str, str, str, str]]:
    """(name, kind, user, path)."""
    officer, office, boss = "unit_07_o1", "office_o1", "boss"
    return [
        ("officer: API open (mine + unit's unclaimed)", "api", officer, "/api/v1/tasks?scope=open"),
        ("officer: API unit's unclaimed", "api", officer, "/api/v1/tasks?scope=group"),
        ("officer: API mine", "api", officer, "/api/v1/tasks?scope=mine"),
        ("officer: API open, page 20", "api", officer, "/api/v1/tasks?scope=open&page=20"),
        ("officer: API open, overdue", "api", officer, "/api/v1/tasks?scope=open&overdue=true"),
        ("office clerk: API open", "api", office, "/api/v1/tasks?scope=open"),
        ("supervisor: API all", "api", boss, "/api/v1/tasks?scope=all"),
        ("supervisor: API all, by process", "api", boss, f"/api/v1/tasks?scope=all&process={process_key}"),
        ("supervisor: API all, text search", "api", boss, "/api/v1/tasks?scope=all&text=路灯"),
        ("supervisor: API all, one unit", "api", boss, "/api/v1/tasks?scope=all&unit=unit_07"),
        ("supervisor: API all, overdue", "api", boss, "/api/v1/tasks?scope=all&overdue=true"),
        ("supervisor: API all, latest due first", "api", boss, "/api/v1/tasks?scope=all&sort=-due"),
        ("officer: API open, newest first", "api", officer, "/api/v1/tasks?scope=open&sort=-created"),
        ("officer: page mine", "page", officer, "/?tab=mine"),
        ("officer: page unit's unclaimed", "page", officer, "/?tab=group"),
        ("officer: page unclaimed, text search", "page", officer, "/?tab=group&q=路灯"),
        ("supervisor: page all", "page", boss, "/?tab=all"),
        ("supervisor: page all, by process", "page", boss, f"/?tab=all&process={process_key}"),
        ("supervisor: page all, text search", "page", boss, "/?tab=all&q=路灯"),
        ("supervisor: page all, overdue", "page", boss, "/?tab=all&due=overdue"),
        ("supervisor: page all, latest due first", "page", boss, "/?tab=all&sort=-due"),
        ("office clerk: page mine, newest first", "page", office, "/?tab=mine&sort=-created"),
    ]


def explain(url: str, factory: Any, process_key: str) -> dict[str, Any]:
    """EXPLAIN ANALYZE of the inbox page query and its count for a few filters."""
    from sqlalchemy import func, select

    from engine.usecases.context import actor_for
    from storage.models import WorkItem

    out = {}
    engine = make_engine(url)
    with factory() as s:
        officer, boss = actor_for(s, "unit_07_o1"), actor_for(s, "boss")
    cases = {
        "officer open": (officer, repo.InboxFilter(scope="open")),
        "supervisor all": (boss, repo.InboxFilter(scope="all")),
        "supervisor all by process": (boss, repo.InboxFilter(scope="all", process_key=process_key)),
        "supervisor all text": (boss, repo.InboxFilter(scope="all", text="路灯")),
    }
    for name, (actor, flt) in cases.items():
        query = repo.inbox_query(actor.username, actor.groups, flt)
        page = query.order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id).limit(25)
        count = select(func.count()).select_from(query.with_only_columns(WorkItem.id).subquery())
        for label, stmt in (("page", page), ("count", count)):
            compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
            with engine.connect() as conn:
                plan = [r[0] for r in conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"))]
            out[f"{name} / {label}"] = plan
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--pg",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server where a database may be created",
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--instances", type=int)
    parser.add_argument("--items", type=int)
    parser.add_argument("--reps", type=int)
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    parser.add_argument("--reuse", action="store_true", help=f"measure an existing {DB_NAME} (from --keep)")
    parser.add_argument("--explain", action="store_true", help="add EXPLAIN ANALYZE plans to the output")
    args = parser.parse_args()
    size = dict(QUICK if args.quick else FULL)
    size.update({k: v for k, v in (("instances", args.instances), ("items", args.items), ("reps", args.reps)) if v})

    from web import create_app

    now = datetime.now(UTC)
    url = make_url(args.pg).set(database=DB_NAME).render_as_string(hide_password=False)
    try:
        if not args.reuse:
            log(f"creating {DB_NAME} …")
            url = create_database(args.pg)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        if args.reuse:
            with factory() as s:
                seeded = {"definitions": [(d.id, d.key) for d in repo.latest_definitions(s)], "workflow_json": ""}
            dataset: dict[str, Any] = {"reused": True}
        else:
            seeded = seed_people_and_processes(factory)
            log(f"bulk loading {size['instances']} cases / {size['items']} work items …")
            dataset = bulk_load(url, seeded, size["instances"], size["items"], now)
        process_key = seeded["definitions"][0][1]
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "TESTING": False})
        clock.unfreeze()
        results = []
        clients: dict[tuple[str, str], Any] = {}
        for name, kind, user, path in scenarios(process_key):
            if (kind, user) not in clients:
                clients[(kind, user)] = (
                    (browser_client(app, user), {}) if kind == "page" else api_client(app, factory, user)
                )
            client, headers = clients[(kind, user)]
            figures = measure(client, path, headers, size["reps"], size["warmup"])
            log(f"  {name:<45} p50 {figures['p50_ms']:>6} ms  p95 {figures['p95_ms']:>6} ms")
            results.append({"name": name, "kind": kind, "path": path, **figures})
        worst = max(r["p95_ms"] for r in results)
        report: dict[str, Any] = {
            "database": "postgresql",
            "dataset": dataset,
            "target_p95_ms": 50,
            "worst_p95_ms": worst,
            "target_met": worst < 50,
            "scenarios": results,
            "note": "server-side time through the Flask test client, one request at a time",
        }
        if args.explain:
            report["explain"] = explain(url, factory, process_key)
        engine.dispose()
        print(json.dumps(report, ensure_ascii=False, indent=2))
    finally:
        if not args.keep:
            drop_database(args.pg)


if __name__ == "__main__":
    main()
