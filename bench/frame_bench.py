"""Frame benchmark: what an authenticated request costs before any use case works, over
HTTP with a keep-alive client, in JSON (see bench/README.md).

    .venv/bin/python bench/frame_bench.py                  # SQLite file in a temp dir (WAL)
    .venv/bin/python bench/frame_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/frame_bench.py --quick          # small numbers, < 30 s
    .venv/bin/python bench/frame_bench.py --baseline DIR   # + the same requests to the code in DIR

The product runs as deployed: ``congressflow serve --no-scheduler`` (waitress, its own
process). Beside it, for reference, a bare Flask app with one no-op route on waitress in a
process of its own (not part of the product). With ``--baseline DIR`` (another source tree,
e.g. ``git archive HEAD | tar -x -C DIR``) a second product server runs that code on the
same database. Every round sends one request to each target in a shuffled order, so that a
machine whose speed drifts weighs on all of them alike, and the ratios are paired round by
round. Figures go to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import engine_bench
from engine_bench import log, stats

FULL = {"rounds": 3000, "warmup": 300}
QUICK = {"rounds": 60, "warmup": 20}
HOST = "127.0.0.1"
THREADS = 8  # congressflow serve's default
# Runs ``congressflow serve`` from whichever tree PYTHONPATH names first.
SERVE = "import sys; from web.cli import main; sys.argv[0] = 'congressflow'; sys.exit(main())"
USERNAME = "bench_officer"


# -- database ---------------------------------------------------------------------------


def seed(db_url: str) -> tuple[str, str]:
    """An officer of the finance office with two roles, and a personal token of theirs:
    (password, token secret)."""
    from engine.access import OPERATOR
    from engine.usecases import people, tokens
    from storage.db import make_engine, make_session_factory

    engine = make_engine(db_url)
    password = "Bench-" + secrets.token_urlsafe(12)
    with make_session_factory(engine).begin() as session:
        people.ensure_departments(session)
        # signs in through the login form at once: no password change asked first
        people.create_user(
            session,
            OPERATOR,
            USERNAME,
            password,
            roles=("officer", "supervisor"),
            department="finance",
            must_change_password=False,
        )
        secret = tokens.create_token(session, OPERATOR, USERNAME, "frame bench").secret
    engine.dispose()
    return password, secret


# -- servers ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Server:
    name: str
    port: int
    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(name: str, argv: list[str], env: dict[str, str], port: int, probe: str, logs: Path) -> Iterator[Server]:
    """A server process (in the folder of the tree it serves) until the block ends; up once
    ``probe`` answers at all."""
    log_path = logs / f"{name}.log"
    with open(log_path, "wb") as out:
        cwd = env.get("PYTHONPATH", str(ROOT))
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited: {log_path.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=5)
                conn.request("GET", probe)
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not answer: {log_path.read_text()[-3000:]}") from None
                time.sleep(0.1)
        yield Server(name, port, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def product_server(
    name: str, source: Path, db_url: str, secret_key: str, workdir: Path, threads: int | None = THREADS
) -> tuple[list[str], dict]:
    """``congressflow serve`` of ``source`` on ``db_url``; ``threads`` None: serve's default."""
    instance = workdir / f"instance-{name}"
    instance.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(source),
        "CONGRESSFLOW_DATABASE_URL": db_url,
        "CONGRESSFLOW_INSTANCE_PATH": str(instance),
        # one key for both trees: the session cookie signed by one is valid on the other
        "CONGRESSFLOW_SECRET_KEY": secret_key,
    }
    argv = [sys.executable, "-c", SERVE, "serve", "--no-scheduler"]
    return argv + (["--threads", str(threads)] if threads else []), env


def serve_bare(port: int) -> None:
    """The reference: Flask and waitress alone, one route that does nothing."""
    import waitress
    from flask import Flask

    app = Flask("bare")
    app.add_url_rule("/noop", "noop", lambda: "")
    waitress.serve(app, host=HOST, port=port, threads=THREADS)


# -- client -----------------------------------------------------------------------------
def sign_in(port: int, password: str) -> str:
    """The session cookie of a real sign-in through the login form."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if found is None:
        raise RuntimeError("no CSRF token on the login page")
    body = urlencode({"username": USERNAME, "password": password, "csrf_token": found[1]})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    conn.request("POST", "/login", body, headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 302:
        raise RuntimeError(f"sign-in answered {response.status}")
    return response.getheader("Set-Cookie", "").split(";")[0]


class Target:
    """One kind of request to one server, over its own keep-alive connection."""

    def __init__(self, name: str, server: Server, path: str, headers: dict[str, str]):
        self.name, self.server, self.path, self.headers = name, server, path, headers
        self.conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        self.samples: list[float] = []

    def once(self) -> float:
        started = time.perf_counter()
        self.conn.request("GET", self.path, headers=self.headers)
        response = self.conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{self.name}: {self.path} answered {response.status}")
        return elapsed


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(targets: list[Target], rounds: int, warmup: int) -> dict[str, float]:
    """Each round: one request to every target, in a shuffled order. Returns each server's
    CPU milliseconds per request over the measured rounds."""
    order = random.Random(17)
    for _ in range(warmup):
        for target in targets:
            target.once()
    servers = {t.server for t in targets}
    cpu_before = {s: cpu_seconds(s.pid) for s in servers}
    for _ in range(rounds):
        for target in order.sample(targets, len(targets)):
            target.samples.append(target.once())
    requests = {s: sum(rounds for t in targets if t.server == s) for s in servers}
    return {s.name: round((cpu_seconds(s.pid) - cpu_before[s]) * 1000 / requests[s], 3) for s in servers}


def ratio(numerator: Target, denominator: Target) -> dict[str, float]:
    paired = [a / b for a, b in zip(numerator.samples, denominator.samples, strict=True)]
    return {
        "of_medians": round(statistics.median(numerator.samples) / statistics.median(denominator.samples), 2),
        "paired_median": round(statistics.median(paired), 2),
    }


def run(args: argparse.Namespace) -> dict:
    sizes = QUICK if args.quick else FULL
    rounds = args.rounds or sizes["rounds"]
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cf-frame-bench-")))
        db_url, kind = stack.enter_context(engine_bench.database(args.db, "frame", workdir))
        log(f"{kind}: seeding")
        password, token = seed(db_url)
        secret_key = secrets.token_hex(32)
        trees = {"after": ROOT} | ({"before": Path(args.baseline).resolve()} if args.baseline else {})
        servers: dict[str, Server] = {}
        for name, source in trees.items():
            argv, env = product_server(name, source, db_url, secret_key, workdir)
            port = free_port()
            argv += ["--port", str(port)]
            log(f"starting {name}: congressflow serve from {source} on :{port}")
            servers[name] = stack.enter_context(running(name, argv, env, port, "/login", workdir))
        port = free_port()
        bare_argv = [sys.executable, str(Path(__file__).resolve()), "--bare-server", str(port)]
        bare = stack.enter_context(running("bare", bare_argv, dict(os.environ), port, "/noop", workdir))
        cookie = sign_in(servers["after"].port, password)
        targets = [Target("bare_noop", bare, "/noop", {})]
        for name, server in servers.items():
            targets += [
                Target(f"{name}_me_token", server, "/api/v1/me", {"Authorization": f"Bearer {token}"}),
                Target(f"{name}_me_session", server, "/api/v1/me", {"Cookie": cookie}),
            ]
        log(f"{rounds} rounds of {len(targets)} requests, interleaved")
        load_at_start = os.getloadavg()
        cpu = measure(targets, rounds, sizes["warmup"])
        by_name = {t.name: t for t in targets}
        ratios = {f"{t.name}/bare_noop": ratio(t, by_name["bare_noop"]) for t in targets if t.name != "bare_noop"}
        if "before" in servers:
            for auth in ("token", "session"):
                ratios[f"after_me_{auth}/before_me_{auth}"] = ratio(
                    by_name[f"after_me_{auth}"], by_name[f"before_me_{auth}"]
                )
        return {
            "database": kind,
            "mode": "quick" if args.quick else "full",
            "rounds": rounds,
            "requests": {t.name: stats(t.samples) for t in targets},
            "server_cpu_ms_per_request": cpu,
            "ratios": ratios,
            "load_average_at_start": [round(v, 2) for v in load_at_start],
            "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="a PostgreSQL server URL (a throw-away database is made on it); default SQLite")
    parser.add_argument("--quick", action="store_true", help="small numbers (the smoke test)")
    parser.add_argument("--rounds", type=int, help="measured rounds (default 3000, quick 60)")
    parser.add_argument("--baseline", help="another source tree to serve beside this one (before/after)")
    parser.add_argument("--out", help="also write the JSON to this file")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)  # the reference server's child process
    args = parser.parse_args()
    if args.bare_server:
        serve_bare(args.bare_server)
        return
    engine_bench.emit(run(args), args.out)


if __name__ == "__main__":
    main()
