"""What the bench smoke tests share: running a bench script's quick mode on a database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import PG_URL, REPO_ROOT


def run_quick(script: Path, backend: str, *options: str) -> dict:
    """``script --quick`` (on the PostgreSQL test server when ``backend`` says so): its JSON,
    after checking it ran and measured that database."""
    args = [sys.executable, str(script), "--quick", *options]
    if backend == "postgresql":
        args += ["--db", PG_URL]
    done = subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict = json.loads(done.stdout)
    assert result["database"] == backend
    return result
