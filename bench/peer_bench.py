"""Peer benchmark: CongressFlow against spiff-arena (the peer: the same SpiffWorkflow engine
behind Flask/connexion) on the same BPMN, over HTTP, paired in one run (see bench/README.md).

    .venv/bin/python bench/peer_bench.py                    # the peer at ../spiff-arena
    .venv/bin/python bench/peer_bench.py --peer DIR --lanes 30 --histories 0,20,50

It runs only when the peer is installed beside this repository (its backend with a virtual
environment at ``spiffworkflow-backend/.venv``); otherwise it prints how to set it up and
"peer not installed", and exits 0. Nothing of the peer is in this repository and nothing is
downloaded: the peer's process model (``tests/fixtures/review.bpmn`` adapted, see
``peer_bpmn``), its SQLite database and its logs are written to a temporary folder.

Both servers run on this machine at once: CongressFlow as ``congressflow serve --no-scheduler``
(waitress) on a fresh SQLite file, the peer as its own README runs it (uvicorn, one worker,
its built-in OpenID server) on SQLite, with its background scheduler off. ``--lanes`` pairs of
cases, one of each product, are driven in lockstep, one completion in each per step in a
shuffled order, so the figure at ``history h`` pairs the (h+1)-th completion of a case of
each product. Written against the peer's API of 2025 (``/v1.0/process-instances``,
``PUT /v1.0/tasks/<instance>/<task>``, ``/v1.0/tasks/progress/<instance>``, ``/openid/token``);
an answer of another shape stops the run with the answer quoted.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PEER = ROOT.parent / "spiff-arena"
PROCESS_GROUP, PROCESS_MODEL = "congressflow-bench", "review"
# the peer's built-in OpenID server and its local-development client (its own defaults)
OPENID_CLIENT, OPENID_SECRET, OPENID_USER = "spiffworkflow-backend", "JXeQExm0JhQPLumgHtIIqf52bDalHz0q", "admin"
OPENID_CODE = f"{OPENID_USER}:this_is_not_secure_do_not_use_in_production"  # what its local sign-in sends
# The peer has no start form: the start data travels with the first task's.
PEER_FIRST_TASK_EXTRA = {"subject": "基准测试意见", "checker": OPENID_USER, "rounds": 0}
FAR_DUE = "2099-12-31T00:00:00+00:00"

SETUP = """peer not installed: no spiff-arena backend with a virtual environment at {backend}

To compare with the peer, set it up once beside this repository (needs the network, Python 3.11+
and uv, or pip), then run this script again:

    git clone https://github.com/sartography/spiff-arena {peer}
    cd {peer}/spiffworkflow-backend
    uv sync                      # or: python3 -m venv .venv && .venv/bin/pip install -e .

Nothing else: this script writes the peer's process model (review.bpmn adapted) and its SQLite
database to a temporary folder, migrates it (flask db upgrade), starts the backend with uvicorn
on a free port (its built-in OpenID server, background scheduler off) and stops it at the end.
Nothing of the peer belongs in this repository.
"""


def backend_python(peer: Path) -> Path | None:
    python = peer / "spiffworkflow-backend" / ".venv" / "bin" / "python"
    return python if python.exists() else None


def peer_bpmn(source: Path) -> bytes:
    """review.bpmn as the peer can run it: no lanes (the peer gives a lane's tasks to the
    group of that name; without lanes every task is the starter's, as every task here is
    the benchmark officer's), and the one script's product helpers (``deadline_in_days``,
    ``setting``) replaced by a fixed due date. Camunda's attributes the peer ignores."""
    from lxml import etree

    bpmn = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    tree = etree.fromstring(source.read_bytes())
    for lanes in tree.iter(f"{bpmn}laneSet"):
        lanes.getparent().remove(lanes)
    for script in tree.iter(f"{bpmn}script"):
        script.text = f"reply_due = {FAR_DUE!r}\nrounds = rounds + 1"
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))


class Peer:
    """The peer's backend over one keep-alive connection, as its admin."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Content-Type": "application/json"}
        basic = base64.b64encode(f"{OPENID_CLIENT}:{OPENID_SECRET}".encode()).decode()
        form = {
            "grant_type": "authorization_code",
            "code": OPENID_CODE,
            "redirect_uri": f"http://127.0.0.1:{port}/v1.0/login_return",
        }
        token = self.call(
            "POST",
            "/openid/token",
            urlencode(form),
            {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"},
        )["access_token"]
        self.headers |= {"Authorization": f"Bearer {token}", "SpiffWorkflow-Authentication-Identifier": "default"}
        self.call("POST", f"/v1.0/login_with_access_token?access_token={quote(token)}")

    def call(self, method: str, path: str, body: str | None = None, headers: dict | None = None) -> Any:
        self.conn.request(method, path, body, headers or self.headers)
        response = self.conn.getresponse()
        payload = response.read()
        answer = json.loads(payload) if payload.strip().startswith((b"{", b"[")) else payload.decode()
        if response.status >= 400 or (isinstance(answer, dict) and answer.get("error_code")):
            raise RuntimeError(f"the peer answered {response.status} to {method} {path}: {str(answer)[:2000]}")
        return answer

    def start(self) -> int:
        model = f"{PROCESS_GROUP}:{PROCESS_MODEL}"
        instance = int(self.call("POST", f"/v1.0/process-instances/{model}")["id"])
        self.call("POST", f"/v1.0/process-instances/{model}/{instance}/run?execution_mode=synchronous")
        return instance

    def ready_task(self, instance: int) -> tuple[str, str]:
        task = self.call("GET", f"/v1.0/tasks/progress/{instance}").get("task")
        if not task or task.get("state") != "READY":
            raise RuntimeError(f"the peer's case {instance} has no ready task: {str(task)[:2000]}")
        return str(task["id"]), str(task.get("bpmn_identifier") or task.get("name"))

    def complete(self, instance: int, task_id: str, data: dict[str, Any]) -> None:
        self.call("PUT", f"/v1.0/tasks/{instance}/{task_id}?execution_mode=synchronous", json.dumps(data))


def peer_environment(peer: Path, workdir: Path, port: int) -> dict[str, str]:
    specs = workdir / "peer-models"
    model_dir = specs / PROCESS_GROUP / PROCESS_MODEL
    model_dir.mkdir(parents=True)
    (specs / PROCESS_GROUP / "process_group.json").write_text(json.dumps({"display_name": "CongressFlow bench"}))
    (model_dir / "process_model.json").write_text(
        json.dumps({"display_name": "review", "primary_file_name": "review.bpmn", "primary_process_id": "review"})
    )
    (model_dir / "review.bpmn").write_bytes(peer_bpmn(ROOT / "tests" / "fixtures" / "review.bpmn"))
    backend = peer / "spiffworkflow-backend"
    auth = "SPIFFWORKFLOW_BACKEND_AUTH_CONFIGS__0__"
    return {
        **os.environ,
        "PYTHONPATH": str(backend),  # frame_bench.running starts servers in that folder
        "FLASK_APP": "src/spiffworkflow_backend",
        "FLASK_SESSION_SECRET_KEY": os.urandom(16).hex(),
        "SPIFFWORKFLOW_BACKEND_ENV": "local_development",
        "SPIFFWORKFLOW_BACKEND_DATABASE_TYPE": "sqlite",
        "SPIFFWORKFLOW_BACKEND_DATABASE_URI": f"sqlite:///{workdir}/peer.db",
        "SPIFFWORKFLOW_BACKEND_BPMN_SPEC_ABSOLUTE_DIR": str(specs),
        "SPIFFWORKFLOW_BACKEND_RUN_BACKGROUND_SCHEDULER_IN_CREATE_APP": "false",
        "SPIFFWORKFLOW_BACKEND_PERMISSIONS_FILE_NAME": "example.yml",
        "SPIFFWORKFLOW_BACKEND_URL": f"http://127.0.0.1:{port}",
        f"{auth}identifier": "default",
        f"{auth}label": "built-in",
        f"{auth}uri": f"http://127.0.0.1:{port}/openid",
        f"{auth}client_id": OPENID_CLIENT,
        f"{auth}client_secret": OPENID_SECRET,
    }


def timed_pair(steps: dict[str, Callable[[], Any]], order: random.Random) -> tuple[dict[str, Any], dict[str, float]]:
    """Both steps, in a shuffled order: their answers and their wall-clock seconds."""
    answers, seconds = {}, {}
    for kind in order.sample(list(steps), len(steps)):
        began = time.perf_counter()
        answers[kind] = steps[kind]()
        seconds[kind] = time.perf_counter() - began
    return answers, seconds


def drive(cf: Any, peer: Peer, lanes: int, top: int) -> dict[str, list[tuple[float, float]]]:
    """``lanes`` pairs of cases, one of each product, driven in lockstep through ``top + 1``
    completions each: (CongressFlow, peer) seconds pair by pair, by history, and the starts."""
    from http_bench import DATA, expect

    order = random.Random(17)
    pairs: dict[str, list[tuple[float, float]]] = {}
    for lane in range(lanes):
        log(f"lane {lane + 1}/{lanes}: a start and {top + 1} completions in each product")
        answers, seconds = timed_pair({"cf": cf.start, "peer": peer.start}, order)
        expect(201, answers["cf"])
        pairs.setdefault("start", []).append((seconds["cf"], seconds["peer"]))
        cf_task = answers["cf"][1]["open_tasks"][0]
        peer_case = int(answers["peer"])
        for history in range(top + 1):
            peer_task, element = peer.ready_task(peer_case)
            peer_data = DATA[element] | (PEER_FIRST_TASK_EXTRA if history == 0 else {})
            steps = {
                "cf": lambda: cf.complete(cf_task["task_id"], DATA[cf_task["bpmn_id"]]),
                "peer": lambda: peer.complete(peer_case, peer_task, peer_data),
            }
            answers, seconds = timed_pair(steps, order)
            expect(200, answers["cf"])
            cf_task = answers["cf"][1]["open_tasks"][0]
            pairs.setdefault(f"history_{history}", []).append((seconds["cf"], seconds["peer"]))
    return pairs


def figures(pairs: list[tuple[float, float]]) -> dict[str, Any]:
    cf, peer = [p[0] for p in pairs], [p[1] for p in pairs]
    return {
        "congressflow_median_ms": round(statistics.median(cf) * 1000, 2),
        "peer_median_ms": round(statistics.median(peer) * 1000, 2),
        "peer_over_congressflow": round(statistics.median(peer) / statistics.median(cf), 2),
        "peer_over_congressflow_paired_median": round(statistics.median(p / c for c, p in pairs), 2),
        "n": len(pairs),
    }


def run(args: argparse.Namespace, python: Path) -> dict[str, Any]:
    import http_bench
    from frame_bench import free_port, running

    histories = [int(h) for h in args.histories.split(",")]
    backend = Path(args.peer) / "spiffworkflow-backend"
    result: dict[str, Any] = {"load_average_at_start": [round(v, 2) for v in os.getloadavg()]}
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cf-peer-bench-")))
        port = free_port()
        env = peer_environment(Path(args.peer), workdir, port)
        log("migrating the peer's SQLite database")
        subprocess.run([str(python), "-m", "flask", "db", "upgrade"], cwd=backend, env=env, check=True)
        argv = [str(python), "-m", "uvicorn", "spiff_web_server:connexion_app", "--host", "127.0.0.1"]
        argv += ["--port", str(port), "--workers", "1", "--log-level", "warning"]
        stack.enter_context(running("peer", argv, env, port, "/v1.0/status", workdir))
        peer = Peer(port)
        db_url, _kind = stack.enter_context(http_bench.database(None, workdir))
        engine = http_bench.make_engine(db_url)
        stack.callback(engine.dispose)
        token = http_bench.seed(http_bench.make_session_factory(engine), 1)[0]
        server = http_bench.serve(stack, "congressflow", db_url, os.urandom(32).hex(), workdir)
        pairs = drive(http_bench.Client(server.port, token), peer, args.lanes, max(histories))
    result["start"] = figures(pairs["start"])
    result["completion"] = {f"history_{h}": figures(pairs[f"history_{h}"]) for h in histories}
    result["target_peer_over_congressflow_min"] = 10.0
    result["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    return result


def log(message: str) -> None:
    print(f"[peer] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peer", default=str(DEFAULT_PEER), help="the peer's checkout (default ../spiff-arena)")
    parser.add_argument("--lanes", type=int, default=30, help="pairs of cases driven (samples per figure)")
    parser.add_argument("--histories", default="0,20,50", help="tasks of history to report at")
    parser.add_argument("--out", help="also write the JSON to this file")
    args = parser.parse_args(argv)
    python = backend_python(Path(args.peer))
    if python is None:
        print(SETUP.format(peer=args.peer, backend=Path(args.peer) / "spiffworkflow-backend" / ".venv"))
        return 0
    output = json.dumps(run(args, python), ensure_ascii=False, indent=2)
    if args.out:
        Path(args.out).write_text(output + "\n", encoding="utf-8")
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
