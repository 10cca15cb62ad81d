"""HTTP benchmark: one completion and one start over the product's JSON API against raw
SpiffWorkflow, paired, and the throughput of N clients, in JSON (see bench/README.md).

    .venv/bin/python bench/http_bench.py                   # SQLite file in a temp dir (WAL)
    .venv/bin/python bench/http_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/http_bench.py --quick           # small numbers, < 30 s
    .venv/bin/python bench/http_bench.py --parts throughput --workers 2,4 --clients 16 --seconds 30

The product runs as deployed: ``congressflow serve --no-scheduler`` in a process of its own
(waitress; with ``--workers N`` > 1, gunicorn), on a fresh migrated database with
``tests/fixtures/review.bpmn`` (the engine benchmark's process). Clients are keep-alive
``http.client`` connections with personal API tokens. Cases at a given history are cloned
from one advanced by the use cases (engine_bench's ``Cloner``), so every measured completion
has a case of its own. Figures go to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

# bench/ is the script's folder, so its siblings import by name; they put the repo on sys.path
import engine_bench
import http_throughput
from engine_bench import Cloner, Raw, instance_json, log, ready_task, stats
from frame_bench import HOST, THREADS, Server, cpu_seconds, free_port, product_server, running
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import sessionmaker

from engine.access import OPERATOR
from engine.bpmn.serialization import dump_workflow
from engine.usecases import cases, definitions, people, tasks, tokens
from engine.usecases.context import SYSTEM, actor_for
from storage.db import make_engine, make_session_factory

ROOT = engine_bench.ROOT
USERNAME = "bench_clerk"  # an officer of the congress office: every task of review.bpmn is theirs
START_DATA = {"subject": "基准测试意见", "checker": USERNAME}
DATA = {"register": {"lead_unit": "office"}, "reply": {"reply_class": "A", "pages": 2}, "check": {"accepted": False}}
FULL = {"reps": 200, "warmup": 20, "histories": (0, 20, 50), "seconds": 20.0, "warmup_seconds": 3.0}
QUICK = {"reps": 10, "warmup": 3, "histories": (0, 4), "seconds": 2.0, "warmup_seconds": 0.5}
CLIENTS = {"full": (1, 4, 16, 64), "quick": (1, 4)}
# server processes per throughput trial: SQLite one (its writes queue for one lock anyway)
WORKERS = {"sqlite": {"full": (1,), "quick": (1,)}, "postgresql": {"full": (1, 2, 4), "quick": (2,)}}
TARGETS = {
    "completion_history_0_ratio_max": {"sqlite": 2.5, "postgresql": 3.0},
    "start_ratio_max": 3.0,
    "throughput_postgresql_16_clients_min_per_s": 250,
    "throughput_p95_max_ms": 100,
}


# -- database and people ----------------------------------------------------------------


def seed(factory: sessionmaker, token_count: int) -> list[str]:
    """The departments, review.bpmn, the officer and ``token_count`` tokens of theirs (one
    per client: each client authenticates as itself)."""
    with factory.begin() as s:
        people.ensure_departments(s)
        definitions.deploy(s, engine_bench.BPMN.read_bytes(), engine_bench.BPMN.name, SYSTEM)
        password = "Bench-" + secrets.token_urlsafe(12)
        people.create_user(s, OPERATOR, USERNAME, password, roles=("officer",), department="office")
        return [tokens.create_token(s, OPERATOR, USERNAME, f"http bench {n}").secret for n in range(token_count)]


def template(factory: sessionmaker, history: int) -> int:
    """A case of the officer's, started and advanced through ``history`` completions by the
    use cases (the clones of it are what the clients complete)."""
    with factory.begin() as s:
        instance_id = cases.start_instance(s, actor_for(s, USERNAME), engine_bench.PROCESS_KEY, START_DATA).id
    for _ in range(history):
        task_id, bpmn_id = ready_task(factory, instance_id)
        with factory.begin() as s:
            tasks.complete(s, actor_for(s, USERNAME), task_id, DATA[bpmn_id])
    return instance_id


# -- the client -------------------------------------------------------------------------
class Client:
    """One keep-alive connection with one token."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=120)

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        """Status and JSON body; status 0 when the connection failed (it is opened anew)."""
        try:
            self.conn.request("POST", path, json.dumps(body), self.headers)
            response = self.conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
            return 0, None
        try:
            return response.status, json.loads(payload) if payload else None
        except ValueError:  # not JSON: a proxy's or a crashed worker's page
            return response.status, payload.decode(errors="replace")

    def complete(self, task_id: str, data: dict[str, Any]) -> tuple[int, Any]:
        return self.post(f"/api/v1/tasks/{task_id}/complete", {"data": data})

    def start(self) -> tuple[int, Any]:
        return self.post("/api/v1/instances", {"process_key": engine_bench.PROCESS_KEY, "data": START_DATA})


def expect(wanted: int, answer: tuple[int, Any]) -> None:
    status, body = answer
    if status != wanted:
        raise RuntimeError(f"expected {wanted}, the server answered {status}: {body}")


# -- paired measurements ------------------------------------------------------------------
def paired(samples: dict[str, list[float]], server_cpu_ms: dict[str, float]) -> dict[str, Any]:
    """Stats of every kind; each HTTP kind's ratio to each raw kind (``http``: this tree,
    ``http_baseline``: the ``--baseline`` tree's, keyed ``baseline_ratio_…``), median over
    median and the median of the ratios pair by pair (each raw run next to its request);
    with a baseline, this tree's requests over the baseline's, the same two ways."""
    figures: dict[str, Any] = {kind: stats(values) for kind, values in samples.items()}
    http_kinds = [k for k in samples if k.startswith("http")]
    for http_kind in http_kinds:
        prefix = "baseline_" if http_kind == "http_baseline" else ""
        for raw_kind in (k for k in samples if k.startswith("raw_")):
            name = f"{prefix}ratio_to_raw_{raw_kind.removeprefix('raw_')}"
            figures.update(_ratios(name, samples[http_kind], samples[raw_kind]))
    if "http_baseline" in samples:
        figures.update(_ratios("ratio_to_baseline", samples["http"], samples["http_baseline"]))
    figures["server_cpu_ms_per_request"] = server_cpu_ms["http"]
    if "http_baseline" in server_cpu_ms:
        figures["baseline_server_cpu_ms_per_request"] = server_cpu_ms["http_baseline"]
    return figures


def _ratios(name: str, numerators: list[float], denominators: list[float]) -> dict[str, float]:
    pairs = [a / b for a, b in zip(numerators, denominators, strict=True)]
    return {
        name: round(statistics.median(numerators) / statistics.median(denominators), 2),
        f"{name}_paired_median": round(statistics.median(pairs), 2),
    }


@dataclass(frozen=True)
class Target:
    """A server under measurement and the client that talks to it: ``http`` (this tree) or
    ``http_baseline`` (the ``--baseline`` tree, on the same database)."""

    kind: str
    client: Client
    server: Server


def interleaved(
    steps: dict[str, Callable[[], object]], samples: dict[str, list[float]], order: random.Random, keep: bool
) -> None:
    """Run every step once, in a shuffled order (a machine whose speed drifts weighs on all
    alike); keep the wall-clock times unless warming up."""
    for kind in order.sample(list(steps), len(steps)):
        started = time.perf_counter()
        steps[kind]()
        if keep:
            samples[kind].append(time.perf_counter() - started)


def cases_at(factory: sessionmaker, client: Client, history: int, count: int, warm: bool) -> list[int]:
    """``count`` cases waiting at ``history``. Cold: clones this server has never seen, so it
    restores each workflow from its JSON. Warm: the step before was this server's (a start
    over HTTP, or one completion over HTTP of a clone one task back), so its workflow cache
    (engine/usecases/workflow_cache.py) may hold the workflow, as for a case worked on in a row."""
    if warm and history == 0:
        started = [client.start() for _ in range(count)]
        for answer in started:
            expect(201, answer)
        return [int(body["id"]) for _status, body in started]
    clones = Cloner(factory, template(factory, history - 1 if warm else history)).clone(count, fresh_json=True)
    for instance_id in clones if warm else ():
        task_id, bpmn_id = ready_task(factory, instance_id)
        expect(200, client.complete(task_id, DATA[bpmn_id]))
    return clones


def measure_completion(
    factory: sessionmaker, raw: Raw, targets: list[Target], history: int, reps: int, warmup: int, warm: bool
) -> dict[str, Any]:
    """Per case at ``history``: raw SpiffWorkflow on the case's JSON (spec-free with the
    product's serializer, and as shipped with the spec embedded) and the completion over HTTP
    (with a baseline, each server completes a case of its own at the same history)."""
    clones = {t.kind: cases_at(factory, t.client, history, warmup + reps, warm) for t in targets}
    first = clones["http"][0]
    element, size = ready_task(factory, first)[1], len(instance_json(factory, first).encode())
    samples: dict[str, list[float]] = {t.kind: [] for t in targets} | {"raw_spec_free": [], "raw_embedded_spec": []}
    order, cpu = random.Random(history), dict.fromkeys((t.kind for t in targets), 0.0)
    for n in range(warmup + reps):
        steps: dict[str, Callable[[], object]] = {}
        for target in targets:
            task_id, bpmn_id = ready_task(factory, clones[target.kind][n])
            steps[target.kind] = partial(_complete, target.client, task_id, DATA[bpmn_id])
        task_id, bpmn_id = ready_task(factory, clones["http"][n])
        data, json_text = DATA[bpmn_id], instance_json(factory, clones["http"][n])
        embedded = raw.embedded(json_text)
        steps["raw_spec_free"] = partial(raw.spec_free, json_text, task_id, data)
        steps["raw_embedded_spec"] = partial(raw.with_spec, embedded, task_id, data)
        cpu_before = {t.kind: cpu_seconds(t.server.pid) for t in targets}
        interleaved(steps, samples, order, keep=n >= warmup)
        for target in targets if n >= warmup else ():
            cpu[target.kind] += cpu_seconds(target.server.pid) - cpu_before[target.kind]
    figures = paired(samples, {kind: round(seconds * 1000 / reps, 3) for kind, seconds in cpu.items()})
    figures["task_completed"] = element
    figures["workflow_json_bytes"] = size
    return figures


def _complete(client: Client, task_id: str, data: dict[str, Any]) -> None:
    expect(200, client.complete(task_id, data))


def raw_start(raw: Raw, embedded: bool) -> None:
    """What starting a case is to SpiffWorkflow alone: a workflow of the spec with the start
    form's data (its defaults filled in, as the product does), engine steps, serialized."""
    data = {**START_DATA, "rounds": 0, "initiator": USERNAME}
    workflow = BpmnWorkflow(raw.process.spec, raw.process.subprocess_specs, script_engine=raw.script_engine)
    workflow.data.update(data)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    workflow.do_engine_steps()
    if embedded:
        raw.serializer.serialize_json(workflow)
    else:
        dump_workflow(workflow)


def measure_start(raw: Raw, targets: list[Target], reps: int, warmup: int) -> dict[str, Any]:
    samples: dict[str, list[float]] = {t.kind: [] for t in targets} | {"raw_spec_free": [], "raw_embedded_spec": []}
    order, cpu = random.Random(1), dict.fromkeys((t.kind for t in targets), 0.0)
    steps: dict[str, Callable[[], object]] = {t.kind: partial(_start, t.client) for t in targets}
    steps["raw_spec_free"] = partial(raw_start, raw, embedded=False)
    steps["raw_embedded_spec"] = partial(raw_start, raw, embedded=True)
    for n in range(warmup + reps):
        cpu_before = {t.kind: cpu_seconds(t.server.pid) for t in targets}
        interleaved(steps, samples, order, keep=n >= warmup)
        for target in targets if n >= warmup else ():
            cpu[target.kind] += cpu_seconds(target.server.pid) - cpu_before[target.kind]
    return paired(samples, {kind: round(seconds * 1000 / reps, 3) for kind, seconds in cpu.items()})


def _start(client: Client) -> None:
    expect(201, client.start())


def measure_idle(
    factory: sessionmaker, raw: Raw, target: Target, reps: int, warmup: int, pause_ms: float
) -> dict[str, Any]:
    """A start, and the completion of the task a start has just opened (a case the server
    holds), each timed in two conditions, beside its raw run as shipped timed the same two
    ways, in a shuffled order: ``*_busy`` right after the same kind of work (an untimed start
    over HTTP, or an untimed raw run: the threads and the core are awake), ``*_after_idle``
    after the client slept ``pause_ms`` (as the server waits between the paired figures'
    requests while the client runs raw SpiffWorkflow). The HTTP figures over the raw ones of
    the same condition; the difference between the conditions is what waking costs."""
    client = target.client

    def started() -> dict[str, Any]:
        answer = client.start()
        expect(201, answer)
        return dict(answer[1])

    def complete(case: dict[str, Any]) -> None:
        _complete(client, case["open_tasks"][0]["task_id"], DATA["register"])

    case = started()  # the case whose JSON the raw completions run on
    embedded = raw.embedded(instance_json(factory, int(case["id"])))
    raw_completion = partial(raw.with_spec, embedded, case["open_tasks"][0]["task_id"], DATA["register"])
    return {
        "start": _idle(started, lambda _: _start(client), partial(raw_start, raw, True), reps, warmup, pause_ms),
        "completion": _idle(started, complete, raw_completion, reps, warmup, pause_ms),
    }


def _idle(
    before: Callable[[], Any],
    timed: Callable[[Any], None],
    raw_run: Callable[[], None],
    reps: int,
    warmup: int,
    pause_ms: float,
) -> dict[str, Any]:
    """``before()`` (untimed, its answer passed on), then ``timed`` at once or after the pause;
    ``raw_run`` after an untimed raw run, or after the pause."""
    kinds = ("http_busy", "http_after_idle", "raw_embedded_spec_busy", "raw_embedded_spec_after_idle")
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}

    def http(kind: str, pause: float) -> None:
        ready = before()
        if pause:
            time.sleep(pause / 1000)
        started = time.perf_counter()
        timed(ready)
        samples[kind].append(time.perf_counter() - started)

    def raw_step(kind: str, pause: float) -> None:
        if pause:
            time.sleep(pause / 1000)
        else:
            raw_run()
        started = time.perf_counter()
        raw_run()
        samples[kind].append(time.perf_counter() - started)

    steps = [
        partial(http, "http_busy", 0.0),
        partial(http, "http_after_idle", pause_ms),
        partial(raw_step, "raw_embedded_spec_busy", 0.0),
        partial(raw_step, "raw_embedded_spec_after_idle", pause_ms),
    ]
    order = random.Random(2)
    for n in range(warmup + reps):
        for step in order.sample(steps, len(steps)):
            step()
        if n < warmup:
            for values in samples.values():
                values.clear()
    figures: dict[str, Any] = {kind: stats(values) for kind, values in samples.items()}
    for condition in ("busy", "after_idle"):
        raw_kind = f"raw_embedded_spec_{condition}"
        figures.update(_ratios(f"http_{condition}_ratio_to_raw", samples[f"http_{condition}"], samples[raw_kind]))
    figures["pause_ms"] = pause_ms
    return figures


# -- the run ------------------------------------------------------------------------------
def serve(
    stack: ExitStack,
    name: str,
    db_url: str,
    secret_key: str,
    workdir: Path,
    workers: int = 1,
    source: Path = ROOT,
    threads: int | None = THREADS,
) -> Server:
    argv, env = product_server(name, source, db_url, secret_key, workdir, threads)
    port = free_port()
    argv += ["--port", str(port)] + (["--workers", str(workers)] if workers > 1 else [])
    log(f"starting {name}: congressflow serve --workers {workers} --threads {threads or 'default'} on :{port}")
    return stack.enter_context(running(name, argv, env, port, "/login", workdir))


def source_tree() -> dict[str, Any]:
    """The commit measured, and the product files changed beside it (a shared work tree)."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    status = [*git, "status", "--porcelain", "--", "engine", "storage", "web"]
    changed = subprocess.run(status, capture_output=True, text=True).stdout.split("\n")
    return {"commit": head or None, "product_files_changed": [line[3:] for line in changed if line.strip()]}


def run(args: argparse.Namespace) -> dict[str, Any]:
    mode = "quick" if args.quick else "full"
    conf = dict(QUICK if args.quick else FULL)
    conf |= {k: v for k, v in (("reps", args.reps), ("seconds", args.seconds)) if v}
    histories = tuple(int(h) for h in args.histories.split(",")) if args.histories else conf["histories"]
    clients = tuple(int(c) for c in args.clients.split(",")) if args.clients else CLIENTS[mode]
    result: dict[str, Any] = {"mode": mode, "source": source_tree()}
    result["load_average_at_start"] = [round(v, 2) for v in os.getloadavg()]
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cf-http-bench-")))
        db_url, kind = stack.enter_context(engine_bench.database(args.db, "http", workdir))
        result["database"] = kind
        engine = make_engine(db_url)
        stack.callback(engine.dispose)
        factory = make_session_factory(engine)
        log(f"{kind}: seeding")
        secrets_ = seed(factory, max(clients) + 1)
        secret_key = secrets.token_hex(32)
        if args.parts & {"completion", "start", "idle"}:
            with ExitStack() as serving:
                server = serve(serving, "paired", db_url, secret_key, workdir)
                targets = [Target("http", Client(server.port, secrets_[0]), server)]
                if args.baseline:
                    baseline = serve(serving, "baseline", db_url, secret_key, workdir, source=Path(args.baseline))
                    targets.append(Target("http_baseline", Client(baseline.port, secrets_[1]), baseline))
                    result["baseline"] = str(args.baseline)
                raw = Raw(factory)
                for target in targets:
                    expect(201, target.client.start())  # the server's caches (parsed process, settings) warm
                kinds = f"({', '.join(t.kind for t in targets)}, raw, raw)"
                for history in histories if "completion" in args.parts else ():
                    for part, warm in (("completion", False), ("completion_warm", True)):
                        log(f"{part} at {history} tasks of history: {conf['reps']} × {kinds}")
                        result.setdefault(part, {})[f"history_{history}"] = measure_completion(
                            factory, raw, targets, history, conf["reps"], conf["warmup"], warm
                        )
                if "start" in args.parts:
                    log(f"start: {conf['reps']} × {kinds}")
                    result["start"] = measure_start(raw, targets, conf["reps"], conf["warmup"])
                if "idle" in args.parts:
                    log(f"idle, a start and a completion: {conf['reps']} × (at once, after {args.pause_ms} ms, raw)")
                    result["idle"] = measure_idle(factory, raw, targets[0], conf["reps"], conf["warmup"], args.pause_ms)
        if "throughput" in args.parts:
            workers = tuple(int(w) for w in args.workers.split(",")) if args.workers else WORKERS[kind][mode]
            result["throughput"] = {}
            result["throughput_threads_per_process"] = args.threads or "serve's default"
            for count in workers:
                with ExitStack() as serving:
                    server = serve(
                        serving, f"workers-{count}", db_url, secret_key, workdir, count, threads=args.threads
                    )
                    trial = http_throughput.Trial(
                        factory,
                        server,
                        lambda n, port=server.port: Client(port, secrets_[n]),
                        DATA,
                        conf["seconds"],
                        conf["warmup_seconds"],
                        args.per_case,
                    )
                    result["throughput"][f"workers_{count}"] = {
                        f"clients_{n}": trial.run(n, template(factory, args.throughput_history)) for n in clients
                    }
    result["targets"] = TARGETS
    result["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    return result


def summary(result: dict[str, Any]) -> None:
    """The figures in a few lines, on stderr (the JSON on stdout has them all)."""
    out = [f"{result['database']}, load {result['load_average_at_start']} → {result['load_average_at_end']}"]
    parts = [(f"{p} {k}", v) for p in ("completion", "completion_warm") for k, v in result.get(p, {}).items()]
    for name, figures in parts + ([("start", result["start"])] if "start" in result else []):
        out.append(
            f"{name}: HTTP {figures['http']['median_ms']} ms, raw {figures['raw_spec_free']['median_ms']} / "
            f"{figures['raw_embedded_spec']['median_ms']} ms (spec-free / embedded), paired ratio "
            f"{figures['ratio_to_raw_spec_free_paired_median']} / {figures['ratio_to_raw_embedded_spec_paired_median']}"
            + (
                f"; baseline HTTP {figures['http_baseline']['median_ms']} ms, paired ratio "
                f"{figures['baseline_ratio_to_raw_embedded_spec_paired_median']} (embedded), this tree / "
                f"baseline {figures['ratio_to_baseline_paired_median']}"
                if "http_baseline" in figures
                else ""
            )
        )
    for request, idle in result.get("idle", {}).items():
        out.append(
            f"{request}: right after the same work {idle['http_busy']['median_ms']} ms against raw "
            f"{idle['raw_embedded_spec_busy']['median_ms']} ms, paired {idle['http_busy_ratio_to_raw_paired_median']}; "
            f"after {idle['pause_ms']} ms idle {idle['http_after_idle']['median_ms']} ms against raw "
            f"{idle['raw_embedded_spec_after_idle']['median_ms']} ms, paired "
            f"{idle['http_after_idle_ratio_to_raw_paired_median']}"
        )
    for workers, trials in result.get("throughput", {}).items():
        for clients, t in trials.items():
            out.append(
                f"{workers} {clients}: {t['completions_per_s']}/s, p50/p95/p99 {t['latency_ms']['p50']}/"
                f"{t['latency_ms']['p95']}/{t['latency_ms']['p99']} ms, errors {t['errors']}, "
                f"409 {t['conflicts_409']}, machine busy {t['machine_busy_cores']} cores"
            )
    print("\n".join(out), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="a PostgreSQL server URL (a throw-away database is made on it); default SQLite")
    parser.add_argument("--quick", action="store_true", help="small numbers (the smoke test), < 30 s")
    parser.add_argument(
        "--parts", default="completion,start,throughput", help="comma-separated parts to run (also: idle)"
    )
    parser.add_argument("--reps", type=int, help="paired measurements per figure (default 200, quick 10)")
    parser.add_argument("--histories", help="tasks of history for the completion figure (default 0,20,50)")
    parser.add_argument("--clients", help="throughput: client counts (default 1,4,16,64)")
    parser.add_argument("--workers", help="throughput: server processes per trial (default PostgreSQL 1,2,4)")
    parser.add_argument(
        "--threads",
        type=int,
        help="throughput: request threads per server process (default: serve's, 8 on waitress, 2 per gunicorn worker)",
    )
    parser.add_argument("--seconds", type=float, help="throughput: measured seconds per trial (default 20)")
    parser.add_argument("--per-case", type=int, default=3, help="throughput: completions per case (default 3)")
    parser.add_argument("--throughput-history", type=int, default=0, help="throughput: cases' history at first")
    parser.add_argument(
        "--baseline",
        help="completion and start: also measure the code in this directory (a `git archive` of another "
        "revision), served beside this tree's on the same database, request by request",
    )
    parser.add_argument(
        "--pause-ms", type=float, default=10.0, help="idle: how long the server waits idle before the timed request"
    )
    parser.add_argument("--out", help="also write the JSON to this file")
    args = parser.parse_args(argv)
    args.parts = set(args.parts.split(","))
    result = run(args)
    engine_bench.emit(result, args.out)
    summary(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
