"""The engine benchmark's quick mode runs and prints the figures it promises (never timed:
timing targets are read from the benchmark's output, not asserted in tests)."""

from __future__ import annotations

import pytest

from tests.bench.conftest import run_quick
from tests.conftest import BACKENDS, REPO_ROOT

pytestmark = pytest.mark.slow  # left out of make test-fast

BENCH = REPO_ROOT / "bench" / "engine_bench.py"
STATS = {"median_ms", "p95_ms", "mean_ms", "n"}


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


@pytest.fixture(scope="module", params=BACKENDS)
def quick_run(request: pytest.FixtureRequest) -> dict:
    return run_quick(BENCH, request.param, "--parts", "completion,scale,profile,floor,texts")


def test_quick_mode_prints_every_figure(quick_run: dict) -> None:
    assert quick_run["mode"] == "quick"
    histories = quick_run["completion"]
    assert len(histories) == 2
    for figures in histories.values():
        for kind in ("usecase", "raw_spec_free", "raw_embedded_spec"):
            assert figures[kind].keys() >= STATS
            assert all(_positive(figures[kind][k]) for k in STATS), figures[kind]
            assert figures[kind]["p95_ms"] >= figures[kind]["median_ms"]
            assert _positive(figures["cpu_median_ms"][kind])
        for ratio in (
            "ratio_to_raw_spec_free",
            "ratio_to_raw_embedded_spec",
            "ratio_to_raw_spec_free_paired_median",
            "ratio_to_raw_embedded_spec_paired_median",
        ):
            assert _positive(figures[ratio])
        assert figures["sql_statements_per_completion"]["min"] > 0
        assert _positive(figures["sql_execute_ms_per_completion"])
        sizes = figures["workflow_json_bytes"]
        assert sizes["embedded_spec"] > sizes["spec_free"] > 0


def test_history_grows_the_instance(quick_run: dict) -> None:
    small, large = (
        quick_run["completion"][k]["workflow_json_bytes"]["spec_free"]
        for k in sorted(quick_run["completion"], key=lambda k: int(k.split("_")[1]))
    )
    assert large > small


def test_scale_figures_count_the_instances_they_claim(quick_run: dict) -> None:
    scale = quick_run["scale"]
    sizes = sorted(int(k.split("_")[1]) for k in scale if k.startswith("instances_"))
    assert len(sizes) == 2 and sizes[0] < sizes[1]
    for size in sizes:
        figures = scale[f"instances_{size}"]
        assert figures["rows"]["process_instances"] == size
        assert figures["rows"]["work_items"] >= size and figures["rows"]["timers"] >= size
        assert all(_positive(figures[k]) for k in STATS)
        assert _positive(figures["sql_execute_median_ms"])
    assert _positive(scale["ratio_large_to_small"]) and _positive(scale["ratio_large_to_small_paired_median"])


def test_profile_names_where_the_time_goes(quick_run: dict) -> None:
    profile = quick_run["profile"]
    assert _positive(profile["mean_ms"]) and profile["completions"] > 0
    assert _positive(profile["steps_mean"]["SQL: inside the driver's execute"]["calls_per_completion"])
    functions = [row["function"] for row in profile["cprofile_top_cumulative"]]
    assert any(f.endswith(":complete") and f.startswith("tasks.py") for f in functions), functions


def test_floor_compares_the_least_writes_with_the_budget(quick_run: dict) -> None:
    floor = quick_run["floor"]
    for kind in ("minimal_writes", "raw_spec_free"):
        assert floor[kind].keys() >= STATS and all(_positive(floor[kind][k]) for k in STATS)
    assert floor["floor_over_budget"] == round(
        floor["minimal_writes"]["median_ms"] / floor["raw_spec_free"]["median_ms"], 2
    )


def test_each_task_is_told_apart_by_where_its_workflow_came_from(quick_run: dict) -> None:
    """A clone's first completion (check) restores its workflow from JSON and the workflow
    cache keeps it; the second (reply) gets it from there."""
    assert quick_run["workflow_cache_size"] > 0
    for figures in quick_run["completion"].values():
        steps = figures["usecase_by_step"]
        assert set(steps) == {"check_from_json", "reply_from_cache"}
        for step in steps.values():
            assert step.keys() >= STATS and _positive(step["ratio_to_raw_spec_free_paired_median"])
        assert sum(step["n"] for step in steps.values()) == figures["usecase"]["n"]


def test_texts_pair_kept_task_texts_with_the_whole_conversion(quick_run: dict) -> None:
    assert len(quick_run["texts"]) == 2
    for figures in quick_run["texts"].values():
        for step in ("cold", "warm"):
            for kind in ("texts_kept", "whole_conversion"):
                assert figures[step][kind].keys() >= STATS and all(_positive(figures[step][kind][k]) for k in STATS)
            assert _positive(figures[step]["ratio_paired_median"])
        assert figures["cold"]["texts_kept"]["n"] == figures["warm"]["whole_conversion"]["n"] == 10
