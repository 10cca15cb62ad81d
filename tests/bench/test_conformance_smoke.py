"""The conformance runner (bench/conformance.py) deploys, drives and counts: three small files
of tests/fixtures, one refused, two run to their end by the driver."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT
from tests.world import FIXTURES

RUNNER = REPO_ROOT / "bench" / "conformance.py"
FILES = ("camunda_style_gateway.bpmn", "camunda_style_collection.bpmn", "groovy_script.bpmn")


def test_the_runner_counts_three_small_files() -> None:
    args = [sys.executable, str(RUNNER), "--json", "--files", *(str(FIXTURES / f) for f in FILES)]
    done = subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["figures"] == {
        "files": {
            "files": 3,
            "deployed": 2,
            "refused_named": 1,
            "refused_unclear": 0,
            "crashed": 0,
            "ran_to_end": 2,
            "stuck": 0,
            "stuck_no_holder": 0,
        }
    }
    outcomes = {o["file"]: o for o in result["outcomes"]["files"]}
    assert outcomes["groovy_script.bpmn"]["detail"] == (
        "groovy_script.bpmn:8 [compute]: scriptFormat 'groovy' is not run by this engine: scripts are Python "
        "(scriptFormat absent or 'python')"
    )
    assert outcomes["camunda_style_gateway.bpmn"]["processes"] == {"camunda_style_gateway": "end"}
    assert outcomes["camunda_style_collection.bpmn"]["warnings"] == [
        "camunda_style_collection.bpmn:26 [Flow_check_to_done]: sequence flow from 'check' to 'done' has no id: "
        "given the id 'Flow_check_to_done'"
    ]


def test_the_table_has_a_row_per_corpus() -> None:
    args = [sys.executable, str(RUNNER), "--files", str(FIXTURES / "groovy_script.bpmn")]
    done = subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[2] == "| files | 1 | 0 | 1 | 0 | 0 | 0 | 0 | 0 |"


def test_the_driver_deploys_callees_with_their_caller_and_delivers_messages_and_signals() -> None:
    """A folder as a corpus: the caller is deployed with the file declaring what it calls, the
    called case is driven too, the message the caller then waits for is delivered, and the
    processes only a message or a signal starts are started by it."""
    args = [sys.executable, str(RUNNER), "--json", "--corpus", str(FIXTURES), "--corpora", "conformance"]
    done = subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["figures"]["conformance"] == {
        "files": 3,
        "deployed": 3,
        "refused_named": 0,
        "refused_unclear": 0,
        "crashed": 0,
        "ran_to_end": 3,
        "stuck": 0,
        "stuck_no_holder": 0,
    }
    outcomes = {o["file"]: o["processes"] for o in result["outcomes"]["conformance"]}
    assert outcomes == {
        "callee.bpmn": {"callee": "end"},
        "caller.bpmn": {"caller": "end"},
        "message_start.bpmn": {"online_application": "end", "session_prep": "end"},
    }
