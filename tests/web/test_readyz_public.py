"""/readyz is public: what is not ready in a few words, never the database's host, port, name
or its driver's error, which go to the server's log once each time the state changes, not at
every probe."""

from __future__ import annotations

import logging

from storage import migrate

HEALTH_LOG = "engine.scheduling.health"


def said(caplog, words: str) -> int:
    return sum(words in record.getMessage() for record in caplog.records if record.name == HEALTH_LOG)


def test_an_unreachable_database_is_said_without_where_it_is(make_app, caplog):
    client = make_app("postgresql+psycopg://nobody@127.0.0.1:1/cf_secret_name").test_client()
    with caplog.at_level(logging.INFO, logger=HEALTH_LOG):
        answers = [client.get("/readyz") for _ in range(3)]
    body = answers[0].get_json()
    assert answers[0].status_code == 503
    assert body == {
        "ready": False,
        "database": False,
        "revision": None,
        "head": migrate.head_revision(),
        "scheduler_leader": None,
        "problem": "database unreachable",
    }
    text = answers[0].get_data(as_text=True)
    assert "127.0.0.1" not in text and "cf_secret_name" not in text and "Error" not in text
    # the operator reads where and why, once for the three probes
    assert said(caplog, "not ready: database unreachable") == 1
    assert said(caplog, "127.0.0.1:1/cf_secret_name") == 1


def test_a_database_without_the_schema_says_what_to_run_then_ready_again(make_app, tmp_path, caplog):
    path = tmp_path / "cf_secret_file.db"
    app = make_app(f"sqlite:///{path}")
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger=HEALTH_LOG):
        first, second = client.get("/readyz"), client.get("/readyz")
        assert first.status_code == second.status_code == 503
        body = first.get_json()
        assert (body["ready"], body["database"], body["revision"]) == (False, True, None)
        assert body["problem"] == "database has no schema: run congressflow db upgrade"
        assert "cf_secret_file" not in first.get_data(as_text=True)
        assert said(caplog, "not ready: database has no schema") == 1
        migrate.upgrade(app.config["DATABASE_URL"])
        ready = [client.get("/readyz") for _ in range(2)]
    assert [r.status_code for r in ready] == [200, 200] and ready[0].get_json()["problem"] == ""
    assert said(caplog, "ready again") == 1
