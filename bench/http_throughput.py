"""The throughput part of bench/http_bench.py: N clients, each with its own keep-alive
connection and token, complete the tasks of their own cases as fast as they can for a fixed
time; completions per second, latency percentiles, errors, and where the CPU went.

The cases are cloned at a given history before the trial starts and wait in one queue: a
client takes the next, completes ``per_case`` tasks of it (the next task comes back in the
completion's answer) and takes another, so no two clients ever touch the same case, and a
client that its server answers faster than the others (gunicorn's workers hold the
keep-alive connections unevenly) takes more cases instead of running out of its own. Only
requests that start after the warm-up and end before the deadline count.

409 Conflict is the product's answer to a lost race (it is meant to be retried): it is
retried on the same task up to ``RETRIES`` times and counted apart (``conflicts_409``); a
409 that is not resolved by its retries counts as an error. Every other status that is not
2xx, and every connection that fails, is an error.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from engine_bench import Cloner, log
from frame_bench import Server
from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from storage.enums import WorkItemState
from storage.models import WorkItem

RETRIES = 3
LEAD_SECONDS = 0.5  # the clients start this long before the warm-up: they run from then to the deadline
MAX_RATE = 600.0  # completions/s the whole server might reach: cases are made for that much
MAX_RATE_PER_CLIENT = 500.0  # one client waits for each answer (2 ms; a single client did 205/s at history 0)


class Completer(Protocol):
    def complete(self, task_id: str, data: dict[str, Any]) -> tuple[int, Any]: ...


@dataclass
class ClientRun:
    """What one client did: (started, ended, status) per request, and whether its cases ran out."""

    requests: list[tuple[float, float, int]] = field(default_factory=list)
    gave_up: int = 0  # 409s still answered after RETRIES retries
    ran_out: bool = False


def percentile(sorted_ms: list[float], share: float) -> float:
    """Nearest rank."""
    return round(sorted_ms[min(len(sorted_ms) - 1, max(0, math.ceil(share * len(sorted_ms)) - 1))], 1)


def children(pid: int) -> list[int]:
    """``pid`` and every process below it (gunicorn's arbiter, its workers)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += parents.get(current, [])
    return found


def cpu_of(pids: list[int]) -> dict[int, float]:
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


def machine_busy() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine so far, every process of everyone."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / ticks, sum(values) / ticks


class Trial:
    def __init__(
        self,
        factory: sessionmaker,
        server: Server,
        new_client: Callable[[int], Completer],
        data: dict[str, dict[str, Any]],
        seconds: float,
        warmup_seconds: float,
        per_case: int,
    ):
        self.factory, self.server, self.new_client, self.data = factory, server, new_client, data
        self.seconds, self.warmup_seconds, self.per_case = seconds, warmup_seconds, per_case

    def _cases(self, clients: int, template_id: int) -> deque[tuple[int, str, str]]:
        """The trial's cases, for as long as its clients run: (case id, its ready task, the
        task's element)."""
        rate = min(MAX_RATE, MAX_RATE_PER_CLIENT * clients)
        window = LEAD_SECONDS + self.warmup_seconds + self.seconds
        count = math.ceil(rate * window / self.per_case) + 2 * clients
        clones = Cloner(self.factory, template_id).clone(count, fresh_json=True)
        ready: dict[int, tuple[str, str]] = {}
        with self.factory() as s:
            for start in range(0, len(clones), 5_000):
                chunk = clones[start : start + 5_000]
                rows = s.execute(
                    select(WorkItem.instance_id, WorkItem.task_id, WorkItem.bpmn_id).where(
                        WorkItem.instance_id.in_(chunk), WorkItem.state == WorkItemState.READY
                    )
                )
                ready |= {row.instance_id: (row.task_id, row.bpmn_id) for row in rows}
        return deque((i, *ready[i]) for i in clones)

    def _client(self, client: Completer, cases: deque[tuple[int, str, str]], deadline: float, out: ClientRun) -> None:
        while True:
            try:
                instance_id, task_id, element = cases.popleft()  # atomic: each case goes to one client
            except IndexError:
                out.ran_out = True
                return
            done, conflicts = 0, 0
            while done < self.per_case:
                if time.perf_counter() >= deadline:
                    return
                started = time.perf_counter()
                status, body = client.complete(task_id, self.data[element])
                out.requests.append((started, time.perf_counter(), status))
                if status == 409 and conflicts < RETRIES:
                    conflicts += 1
                    continue
                out.gave_up += status == 409
                if not 200 <= status < 300:
                    break  # the case is left as it is; the client goes on with its next one
                done, conflicts = done + 1, 0
                following = [t for t in body["open_tasks"] if t["instance_id"] == instance_id]
                following = [t for t in following if t["bpmn_id"] in self.data]
                if not following:
                    break
                task_id, element = following[0]["task_id"], following[0]["bpmn_id"]

    def _postgres_sessions(self) -> int:
        """Connections ever opened to this database (PostgreSQL's own count; 0 elsewhere):
        a pool that keeps too few opens and closes one per request under load."""
        with self.factory() as s:
            if s.bind.dialect.name != "postgresql":
                return 0
            query = "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            return int(s.scalar(text(query)) or 0)

    def _postgres_backends(self) -> list[int]:
        with self.factory() as s:
            if s.bind.dialect.name != "postgresql":
                return []
            query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            return list(s.scalars(text(query)))

    def run(self, clients: int, template_id: int) -> dict[str, Any]:
        cases = self._cases(clients, template_id)
        log(f"throughput: {clients} clients, {len(cases)} cases, {self.seconds} s")
        runs = [ClientRun() for _ in range(clients)]
        start = time.perf_counter() + LEAD_SECONDS
        measured_from, deadline = start + self.warmup_seconds, start + self.warmup_seconds + self.seconds
        threads = [
            threading.Thread(target=self._client, args=(self.new_client(n + 1), cases, deadline, runs[n]))
            for n in range(clients)
        ]
        load_at_start = [round(v, 2) for v in os.getloadavg()]
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, measured_from - time.perf_counter()))
        server_pids = children(self.server.pid)
        before = {
            "server": cpu_of(server_pids),
            "postgres": cpu_of(self._postgres_backends()),
            "sessions": self._postgres_sessions(),
            "client": time.process_time(),
            "machine": machine_busy(),
        }
        time.sleep(max(0.0, deadline - time.perf_counter()))
        after = {
            "server": cpu_of(server_pids),
            "postgres": cpu_of(list(before["postgres"])),
            "sessions": self._postgres_sessions(),
            "client": time.process_time(),
            "machine": machine_busy(),
        }
        for thread in threads:
            thread.join()
        return self._figures(runs, measured_from, deadline, before, after) | {
            "clients": clients,
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
        }

    def _figures(
        self, runs: list[ClientRun], measured_from: float, deadline: float, before: dict, after: dict
    ) -> dict[str, Any]:
        window = [r for run in runs for r in run.requests if r[0] >= measured_from and r[1] <= deadline]
        completed = sorted((end - begin) * 1000 for begin, end, status in window if 200 <= status < 300)
        conflicts = sum(1 for _b, _e, status in window if status == 409)
        everything = [r for run in runs for r in run.requests]
        errors: dict[str, int] = {}
        for _b, _e, status in everything:
            if not 200 <= status < 300 and status != 409:
                errors[str(status)] = errors.get(str(status), 0) + 1
        unresolved = sum(run.gave_up for run in runs)  # ended its case: an error too
        n = len(completed) or 1

        def per_completion(kind: str) -> float:
            spent = sum(after[kind].get(pid, cpu) - cpu for pid, cpu in before[kind].items())
            return round(spent * 1000 / n, 2)

        busy = after["machine"][0] - before["machine"][0]
        cpu = {"server": per_completion("server"), "postgres_backends": per_completion("postgres")}
        cpu["client"] = round((after["client"] - before["client"]) * 1000 / n, 2)
        ours = sum(cpu.values())
        return {
            "completions_per_s": round(len(completed) / (deadline - measured_from), 1),
            "completions": len(completed),
            "latency_ms": {
                "p50": percentile(completed, 0.5) if completed else None,
                "p95": percentile(completed, 0.95) if completed else None,
                "p99": percentile(completed, 0.99) if completed else None,
                "max": round(completed[-1], 1) if completed else None,
            },
            "conflicts_409": conflicts,
            "errors": sum(errors.values()) + unresolved,
            "errors_by_status": errors | ({"409 after retries": unresolved} if unresolved else {}),
            "clients_out_of_cases": sum(1 for run in runs if run.ran_out),
            # opened while measuring (the two looks at the count included)
            "postgres_connections_opened": after["sessions"] - before["sessions"],
            "cpu_ms_per_completion": cpu,
            # the cores the benchmark's own processes used, against all the machine's busy ones
            "benchmark_cores": round(ours * len(completed) / 1000 / (deadline - measured_from), 2),
            "machine_busy_cores": round(busy / (deadline - measured_from), 2),
            # what this machine's cores would allow at this CPU cost a completion, idle otherwise
            "cpu_bound_per_s": round((os.cpu_count() or 1) * 1000 / ours, 1) if ours else None,
        }
