"""One of the two server processes of tests/integration/test_workflow_cache.py: an OS process of
its own, with its own workflow cache, on the test's database. It reads one JSON command a line
on stdin and answers one JSON line on stdout:

    {"complete": TASK_ID, "user": NAME, "data": {...}}  → {"ok": true, "counts": {...}}
                                                          or {"ok": false, "error": "..."}

``counts``: what its cache did so far (hits, misses, stale). Every workflow its cache hands
out is checked against a restore of the row's JSON (tests/workflow_views.py).

    python -m tests.integration.workflow_cache_worker DATABASE_URL
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from engine.usecases import tasks
from engine.usecases.workflow_cache import cache
from storage.db import make_engine, make_session_factory
from tests.workflow_views import audited_cache
from tests.world import act


def main(database_url: str) -> int:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    with audited_cache():
        for line in sys.stdin:
            command = json.loads(line)
            try:
                act(factory, command["user"], tasks.complete, command["complete"], command.get("data") or {})
                answer = {"ok": True, "counts": asdict(cache.counts)}
            except Exception as exc:  # told to the test, which fails saying what
                answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            print(json.dumps(answer), flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
