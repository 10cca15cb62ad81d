"""The frame benchmark's quick mode serves the product for real (``congressflow serve``), a
bare Flask app beside it and, with ``--baseline``, a second tree (here this one again), and
prints the figures it promises (never timed: targets are read from its output)."""

from __future__ import annotations

import pytest

from tests.bench.conftest import run_quick
from tests.conftest import BACKENDS, REPO_ROOT

pytestmark = pytest.mark.slow  # left out of make test-fast

BENCH = REPO_ROOT / "bench" / "frame_bench.py"
STATS = {"median_ms", "p95_ms", "mean_ms", "n"}
TARGETS = {"bare_noop", "after_me_token", "after_me_session", "before_me_token", "before_me_session"}


@pytest.fixture(scope="module", params=BACKENDS)
def quick_run(request: pytest.FixtureRequest) -> dict:
    return run_quick(BENCH, request.param, "--baseline", str(REPO_ROOT))


def test_every_request_kind_is_measured_in_every_round(quick_run: dict) -> None:
    assert quick_run["mode"] == "quick"
    assert set(quick_run["requests"]) == TARGETS
    for figures in quick_run["requests"].values():
        assert figures.keys() >= STATS and figures["n"] == quick_run["rounds"] > 0
        assert 0 < figures["median_ms"] <= figures["p95_ms"]
    assert set(quick_run["server_cpu_ms_per_request"]) == {"bare", "after", "before"}
    assert all(ms > 0 for ms in quick_run["server_cpu_ms_per_request"].values())


def test_ratios_pair_each_request_with_the_reference_and_before_with_after(quick_run: dict) -> None:
    ratios = quick_run["ratios"]
    expected = {f"{name}/bare_noop" for name in TARGETS - {"bare_noop"}}
    expected |= {"after_me_token/before_me_token", "after_me_session/before_me_session"}
    assert set(ratios) == expected
    for ratio in ratios.values():
        assert ratio["of_medians"] > 0 and ratio["paired_median"] > 0
