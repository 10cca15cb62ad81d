"""Scheduler benchmark: start-up time and memory with 100,000 pending timers in the
database, and the lateness of a burst of 1,000 timers due within a few seconds.

    .venv/bin/python bench/scheduler_bench.py                 # SQLite (a file in a temp dir, WAL)
    .venv/bin/python bench/scheduler_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres

With a PostgreSQL URL naming a server, a database ``cf_bench_sched_<random>`` is made,
migrated and dropped at the end. The timers are inserted directly (bulk inserts of
``task_due`` rows without a case: firing one marks it fired, writes its audit entry and
looks for its work item, as for any due date). ``--timers - --burst`` of them are due at
random moments over the next year; then the burst is inserted, due within ``--spread``
seconds starting ``--lead`` seconds later, and the scheduler is started. Lateness is measured in real time (the
clock is never frozen) as the moment the firing transaction committed minus ``due_at``.
Targets: p99 lateness < 100 ms, start-up < 5 s, nothing fired twice. JSON on stdout,
progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from engine.scheduling.service import SchedulerConfig, SchedulerService
from storage import migrate
from storage.db import make_engine, make_session_factory
from storage.enums import TimerKind, TimerState
from storage.models import AuditEntry, Timer


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


@contextmanager
def database(url: str | None) -> Iterator[str]:
    if url is None or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="cf-sched-bench-") as tmp:
            db_url = f"sqlite:///{tmp}/bench.db"
            migrate.upgrade(db_url)
            yield db_url
        return
    admin_url = make_url(url)
    name = f"cf_bench_sched_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        db_url = admin_url.set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(db_url)
        yield db_url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fill(factory: Any, total: int, burst: int) -> None:
    """Insert ``total - burst`` pending timers due at random moments over the next year."""
    rng = random.Random(20261129)
    now = datetime.now(UTC)
    rows = [
        {
            "kind": TimerKind.TASK_DUE,
            "task_id": f"far-{i}",
            "bpmn_id": "bench",
            "state": TimerState.PENDING,
            "due_at": now + timedelta(days=1 + rng.random() * 364),
        }
        for i in range(total - burst)
    ]
    for chunk in range(0, len(rows), 10_000):
        with factory.begin() as session:
            session.execute(insert(Timer), rows[chunk : chunk + 10_000])


def add_burst(factory: Any, burst: int, start: datetime, spread: float) -> dict[int, float]:
    """Insert the burst; return {timer id: due timestamp}."""
    rows = [
        {
            "kind": TimerKind.TASK_DUE,
            "task_id": f"burst-{i}",
            "bpmn_id": "bench",
            "state": TimerState.PENDING,
            "due_at": start + timedelta(seconds=spread * i / max(1, burst - 1)),
        }
        for i in range(burst)
    ]
    with factory.begin() as session:
        session.execute(insert(Timer), rows)
    with factory() as session:
        return {
            i: d.timestamp()
            for i, d in session.execute(select(Timer.id, Timer.due_at).where(Timer.task_id.like("burst-%")))
        }


def window_query_ms(factory: Any, window: timedelta, reps: int = 20) -> float:
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        with factory() as session:
            session.execute(
                select(Timer.id, Timer.due_at)
                .where(Timer.state == TimerState.PENDING, Timer.due_at <= datetime.now(UTC) + window)
                .order_by(Timer.due_at, Timer.id)
                .limit(20_000)
            ).all()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def run(args: argparse.Namespace) -> dict[str, Any]:
    with database(args.db) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        dialect = engine.dialect.name
        config = SchedulerConfig(batch_max=args.batch_max)
        log(f"{dialect}: inserting {args.timers:,} timers")
        started = time.perf_counter()
        fill(factory, args.timers, args.burst)
        burst_start = datetime.now(UTC) + timedelta(seconds=args.lead)
        burst_due = add_burst(factory, args.burst, burst_start, args.spread)
        insert_s = time.perf_counter() - started
        query_ms = window_query_ms(factory, config.window)
        rss_before = rss_mb()

        committed: dict[int, float] = {}
        lock = threading.Lock()

        def on_fired(timer_id: int, at: float) -> None:
            with lock:
                committed.setdefault(timer_id, at)

        service = SchedulerService(factory, url, config, on_fired=on_fired)
        log(
            f"starting the scheduler (batches of at most {args.batch_max}); the burst is due in "
            f"{(burst_start - datetime.now(UTC)).total_seconds():.1f} s"
        )
        started = time.perf_counter()
        service.start_background()
        service.active.wait(60)
        startup_s = time.perf_counter() - started
        rss_started = rss_mb()
        deadline = time.monotonic() + args.lead + args.spread + 60
        while time.monotonic() < deadline and len(committed.keys() & burst_due.keys()) < len(burst_due):
            time.sleep(0.1)
        time.sleep(1.0)  # anything that would fire twice has its chance
        service.stop()
        rss_end = rss_mb()

        with factory() as session:
            fired = Counter(
                e.data["timer_id"]
                for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "task_overdue"))
            )
            still_pending = session.scalar(
                select(text("count(*)")).select_from(Timer).where(Timer.state == TimerState.PENDING)
            )
        engine.dispose()

    late_ms = [(committed[i] - due) * 1000 for i, due in burst_due.items() if i in committed]
    return {
        "db": dialect,
        "load_average_1m": round(os.getloadavg()[0], 2),  # a shared 2-core machine: read figures with it
        "timers_in_db": args.timers,
        "insert_s": round(insert_s, 2),
        "window_query_ms": query_ms,
        "startup_s": round(startup_s, 3),
        "rss_mb": {"before_start": rss_before, "after_start": rss_started, "after_burst": rss_end},
        "burst": {
            "timers": args.burst,
            "spread_s": args.spread,
            "fired": len(late_ms),
            "lateness_ms": {
                "p50": round(percentile(late_ms, 0.5), 1),
                "p99": round(percentile(late_ms, 0.99), 1),
                "max": round(max(late_ms), 1),
                "min": round(min(late_ms), 1),
            }
            if late_ms
            else None,
        },
        "fired_twice": sum(1 for count in fired.values() if count > 1),
        "fired_total": sum(fired.values()),
        "missing": len(burst_due.keys() - fired.keys()),
        "still_pending": still_pending,
        "config": {
            "batch_max": args.batch_max,
            "refresh_interval_s": config.refresh_interval,
            "window_min": config.window.total_seconds() / 60,
        },
        "targets_met": bool(late_ms)
        and percentile(late_ms, 0.99) < 100
        and startup_s < 5
        and all(c == 1 for c in fired.values())
        and len(late_ms) == args.burst,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="a SQLAlchemy URL; PostgreSQL: a server URL, a dedicated db is made and dropped")
    parser.add_argument("--timers", type=int, default=100_000, help="pending timers in the database")
    parser.add_argument("--burst", type=int, default=1_000, help="timers due close together")
    parser.add_argument("--spread", type=float, default=3.0, help="seconds the burst is spread over")
    parser.add_argument(
        "--lead", type=float, default=6.0, help="seconds from inserting the burst to its first due time"
    )
    parser.add_argument(
        "--batch-max",
        type=int,
        default=SchedulerConfig.batch_max,
        help="timers due together fired per transaction at most (1: one transaction each)",
    )
    parser.add_argument("--out", help="also write the JSON to this file")
    args = parser.parse_args(argv)
    result = run(args)
    text_ = json.dumps(result, indent=2)
    print(text_)
    if args.out:
        Path(args.out).write_text(text_ + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
