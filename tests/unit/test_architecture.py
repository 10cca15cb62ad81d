"""The design card's arrows hold: web → engine → storage; storage knows neither Flask nor
SpiffWorkflow; engine knows no Flask; inside engine, scheduling → use cases →
notifications → bpmn | access → deadlines → clock | errors, and bpmn, deadlines and the
access policy know nothing of the database (contracts in setup.cfg, import-linter)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.fail("import-linter is not installed (it is in the test extra)")
    result = subprocess.run([lint, str(ROOT / "setup.cfg")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
