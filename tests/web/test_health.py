"""/healthz and /readyz for load balancers: ready when the database answers with the schema
this code expects; the scheduler's leadership reported (a live holder, not a stale lock)."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy.engine import make_url

from engine.scheduling.leadership import PostgresLeadership


def test_healthz_answers_without_signing_in(client):
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_ready_on_a_current_schema_and_the_leader_reported(app, client, db_url):
    body = client.get("/readyz").get_json()
    assert body["ready"] is True and body["database"] is True and body["revision"] == body["head"]
    assert body["scheduler_leader"] is False  # no scheduler runs beside the tests
    if make_url(db_url).get_backend_name() == "postgresql":
        # another CongressFlow database on the same server has its own scheduler: not ours
        other = PostgresLeadership(make_url(db_url).set(database="postgres").render_as_string(False))
        leadership = PostgresLeadership(db_url)
        try:
            assert other.try_acquire()
            assert client.get("/readyz").get_json()["scheduler_leader"] is False
            assert leadership.try_acquire()
            assert client.get("/readyz").get_json()["scheduler_leader"] is True
        finally:
            leadership.dispose()
            other.dispose()
    else:
        lock = f"{make_url(db_url).database}.scheduler.lock"
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        with open(lock, "w") as out:
            out.write(dead.stdout)  # a scheduler that died: its pid is nobody now
        assert client.get("/readyz").get_json()["scheduler_leader"] is False
        with open(lock, "w") as out:
            out.write(f"{os.getpid()}\n")
        assert client.get("/readyz").get_json()["scheduler_leader"] is True


def test_not_ready_before_the_schema_is_upgraded_or_without_a_database(make_app, tmp_path):
    fresh = make_app(f"sqlite:///{tmp_path / 'empty.db'}").test_client().get("/readyz")
    assert fresh.status_code == 503
    body = fresh.get_json()
    assert (body["ready"], body["database"], body["revision"]) == (False, True, None)
    assert "run congressflow db upgrade" in body["problem"]
    gone = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none").test_client().get("/readyz")
    assert gone.status_code == 503 and gone.get_json()["database"] is False
