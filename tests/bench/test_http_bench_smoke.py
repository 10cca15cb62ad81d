"""The HTTP benchmark's quick mode serves the product for real (``congressflow serve``; on
PostgreSQL with ``--workers 2``, gunicorn), pairs completions and starts over HTTP with raw
SpiffWorkflow, times a start and a completion sent right after a start and after the server
idled, runs the throughput trials, and prints the figures it promises (never timed: targets are
read from its output). The peer benchmark without the peer says how to set it up."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.bench.conftest import run_quick
from tests.conftest import BACKENDS, REPO_ROOT

pytestmark = pytest.mark.slow  # left out of make test-fast

BENCH = REPO_ROOT / "bench" / "http_bench.py"
STATS = {"median_ms", "p95_ms", "mean_ms", "n"}
KINDS = {"http", "raw_spec_free", "raw_embedded_spec"}
RATIOS = {
    "ratio_to_raw_spec_free",
    "ratio_to_raw_spec_free_paired_median",
    "ratio_to_raw_embedded_spec",
    "ratio_to_raw_embedded_spec_paired_median",
}


@pytest.fixture(scope="module", params=BACKENDS)
def quick_run(request: pytest.FixtureRequest) -> dict:
    return run_quick(BENCH, request.param, "--parts", "completion,start,throughput,idle")


def _paired_figures(figures: dict, reps: int) -> None:
    for kind in KINDS:
        assert figures[kind].keys() >= STATS and figures[kind]["n"] == reps
        assert 0 < figures[kind]["median_ms"] <= figures[kind]["p95_ms"]
    assert all(figures[ratio] > 0 for ratio in RATIOS)


@pytest.mark.parametrize("part", ["completion", "completion_warm"])
def test_completions_over_http_are_paired_with_raw_runs_at_each_history(quick_run: dict, part: str) -> None:
    assert quick_run["mode"] == "quick"
    completion = quick_run[part]
    assert set(completion) == {"history_0", "history_4"}
    for figures in completion.values():
        _paired_figures(figures, 10)
    # history 0 is a case just started: its first task; four completions later, the check
    assert completion["history_0"]["task_completed"] == "register"
    assert completion["history_4"]["task_completed"] == "check"
    assert completion["history_4"]["workflow_json_bytes"] > completion["history_0"]["workflow_json_bytes"]


def test_the_run_names_the_source_it_measured(quick_run: dict) -> None:
    source = quick_run["source"]
    assert source["commit"] and isinstance(source["product_files_changed"], list)


def test_starts_over_http_are_paired_with_raw_starts(quick_run: dict) -> None:
    _paired_figures(quick_run["start"], 10)


@pytest.mark.parametrize("request_kind", ["start", "completion"])
def test_a_request_and_its_raw_run_are_timed_right_after_the_same_work_and_after_a_pause(
    quick_run: dict, request_kind: str
) -> None:
    idle = quick_run["idle"][request_kind]
    assert idle["pause_ms"] == 10.0
    for condition in ("busy", "after_idle"):
        for kind in (f"http_{condition}", f"raw_embedded_spec_{condition}"):
            assert idle[kind].keys() >= STATS and idle[kind]["n"] == 10
        assert idle[f"http_{condition}_ratio_to_raw_paired_median"] > 0


def test_throughput_trials_count_completions_latency_and_errors(quick_run: dict) -> None:
    workers = "workers_1" if quick_run["database"] == "sqlite" else "workers_2"
    assert set(quick_run["throughput"]) == {workers}
    trials = quick_run["throughput"][workers]
    assert set(trials) == {"clients_1", "clients_4"}
    for name, trial in trials.items():
        assert trial["clients"] == int(name.removeprefix("clients_"))
        assert trial["completions"] > 0 and trial["completions_per_s"] > 0
        latency = trial["latency_ms"]
        assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
        assert trial["errors"] == 0 and trial["errors_by_status"] == {}, trial
        assert trial["clients_out_of_cases"] == 0
        assert trial["cpu_ms_per_completion"]["server"] > 0
        assert len(trial["load_average_at_start"]) == 3
    if quick_run["database"] == "postgresql":
        assert all(t["cpu_ms_per_completion"]["postgres_backends"] > 0 for t in trials.values())


def test_a_baseline_tree_is_served_beside_and_measured_request_by_request() -> None:
    """``--baseline DIR``: the code in DIR (here this very tree) serves the same database from
    a process of its own; its requests are interleaved with this tree's and the raw runs."""
    result = run_quick(BENCH, "sqlite", "--parts", "start", "--baseline", str(REPO_ROOT))
    assert result["baseline"] == str(REPO_ROOT) and "completion" not in result and "throughput" not in result
    start = result["start"]
    _paired_figures(start, 10)
    assert start["http_baseline"].keys() >= STATS and start["http_baseline"]["n"] == 10
    for name in ("baseline_ratio_to_raw_embedded_spec", "ratio_to_baseline"):
        assert start[name] > 0 and start[f"{name}_paired_median"] > 0
    assert start["server_cpu_ms_per_request"] > 0 and start["baseline_server_cpu_ms_per_request"] > 0


def test_the_peer_benchmark_without_the_peer_says_how_to_set_it_up(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "peer_bench.py"), "--peer", str(tmp_path / "spiff-arena")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "peer not installed" in done.stdout
    assert "git clone" in done.stdout and str(tmp_path / "spiff-arena") in done.stdout
