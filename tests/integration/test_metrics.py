"""``/metrics``: what a scrape shows after a completion (and one rolled back), a timer the
scheduler fired 90 seconds late, requests to a route and to no route, the scheduler's
leadership and the open and overdue tasks counted at the scrape; and who may scrape (an API
token with ``metrics.read``, or this machine itself unless configured off, never a request a
proxy passed on). The clock stands at Monday 2026-12-07 09:00 in Beijing."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from datetime import timedelta

import pytest

from engine import clock
from engine.scheduling.leadership import NoLeadership
from engine.scheduling.service import SchedulerConfig, SchedulerService
from engine.usecases import tasks, tokens
from engine.usecases.context import actor_for
from storage import repositories as repo
from tests import world
from tests.world import act, start_review
from web import database, metrics

from .scheduler_helpers import pending, start_deadline, wait_for

REMOTE = {"REMOTE_ADDR": "10.1.2.3"}
TASK_ID = "5f0c8a52-3c1e-4f0e-9a53-2d1b7c9e4a11"


@pytest.fixture(autouse=True)
def fresh_metrics() -> Iterator[None]:
    """This process's figures from zero (they are the process's, as in a server)."""
    metrics.instruments.cache_clear()
    yield
    metrics.instruments.cache_clear()


def scrape(client, **kwargs) -> list[str]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.text
    # one charset parameter: a repeated one is a header Prometheus cannot parse (its scrape
    # would fail unless told a fallback protocol)
    assert response.headers["Content-Type"] == "text/plain; version=1.0.0; charset=utf-8"
    return response.text.splitlines()


def series(lines: list[str], prefix: str) -> list[str]:
    return [line for line in lines if line.startswith(prefix)]


def test_a_scrape_after_a_completion_and_a_fired_timer(db_url, make_app, frozen_clock):
    app = make_app(db_url)
    world.build_world(app, "clerk", "fin", "chair")
    world.deploy(app, "deadline.bpmn")
    factory = database.session_factory(app)
    client = app.test_client()

    # a completion that committed counts; one rolled back after it ran does not
    case = start_review(app, "clerk")
    act(app, "clerk", tasks.complete, case.task_id, {"lead_unit": "finance"})
    reply = act(app, "fin", tasks.list_tasks, repo.InboxFilter())[0][0].task_id
    with pytest.raises(RuntimeError), factory.begin() as s:
        tasks.complete(s, actor_for(s, "fin"), reply, {"reply_class": "A", "pages": "2"})
        raise RuntimeError("something after it failed: the transaction rolls back")

    # a case waiting one hour at an intermediate timer; the scheduler runs 90 s after it was due
    start_deadline(factory, frozen_clock + timedelta(hours=1), frozen_clock + timedelta(days=30))
    lines = scrape(client)
    assert "congressflow_scheduler_leader 0.0" in lines
    assert "congressflow_timer_lateness_seconds_count 0.0" in lines
    clock.advance(timedelta(hours=1, seconds=90))
    service = SchedulerService(
        factory, db_url, SchedulerConfig(refresh_interval=0.1, check_interval=0.2), leadership=NoLeadership()
    )
    service.start_background()
    try:
        assert wait_for(lambda: not [t for t in pending(factory) if t.bpmn_id == "wait"])
        assert wait_for(lambda: "congressflow_timer_lateness_seconds_count 1.0" in scrape(client))
        lines = scrape(client)
        assert "congressflow_scheduler_leader 1.0" in lines
    finally:
        service.stop()
    assert "congressflow_scheduler_leader 0.0" in scrape(client)

    completed = series(lines, "congressflow_tasks_completed_total")
    assert completed == ['congressflow_tasks_completed_total{process="review"} 1.0']
    buckets = {
        line.split('le="')[1].split('"')[0]: line.rsplit(" ", 1)[1]
        for line in series(lines, "congressflow_timer_lateness_seconds_bucket")
    }
    assert buckets["30.0"] == "0.0" and buckets["60.0"] == "0.0"  # 90 s late...
    assert buckets["300.0"] == "1.0" and buckets["+Inf"] == "1.0"  # ...within five minutes
    [total] = series(lines, "congressflow_timer_lateness_seconds_sum")
    assert 90.0 <= float(total.split()[1]) < 95.0
    # open: the review's reply (due Tuesday 22nd, 24:00) and the deadline case's task (due in 30 days)
    assert "congressflow_open_tasks 2.0" in lines and "congressflow_overdue_tasks 0.0" in lines
    clock.advance(timedelta(days=16))
    assert "congressflow_overdue_tasks 1.0" in scrape(client)  # the reply, now past its day


def test_requests_are_counted_by_route_method_and_status_class(db_url, make_app):
    app = make_app(db_url)
    client = app.test_client()
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no/such/page")
    client.get(f"/api/v1/tasks/{TASK_ID}")  # a rule of its own, not the raw path; 401 without signing in
    lines = scrape(client)
    count = "congressflow_http_request_duration_seconds_count"
    assert f'{count}{{method="GET",route="/healthz",status="2xx"}} 2.0' in lines
    assert f'{count}{{method="GET",route="unmatched",status="4xx"}} 1.0' in lines
    assert f'{count}{{method="GET",route="/api/v1/tasks/<uuid:task_id>",status="4xx"}} 1.0' in lines
    assert not [line for line in lines if "/no/such/page" in line or TASK_ID in line]


def test_who_may_scrape(db_url, make_app, frozen_clock):
    app = make_app(db_url)
    world.build_world(app, "admin", "clerk")
    admin_token = act(app, "admin", tokens.create_token, "admin", "prometheus").secret
    clerk_token = act(app, "clerk", tokens.create_token, "clerk", "mine").secret
    client = app.test_client()

    assert client.get("/metrics").status_code == 200  # from this machine
    refused = client.get("/metrics", environ_base=REMOTE)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert "metrics.read" in refused.text
    # a proxy on this machine passed it on: from elsewhere in truth
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 401
    assert client.get("/metrics", headers={"X-Real-IP": "203.0.113.9"}).status_code == 401

    def bearer(secret: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {secret}"}

    assert client.get("/metrics", environ_base=REMOTE, headers=bearer(admin_token)).status_code == 200
    officer = client.get("/metrics", environ_base=REMOTE, headers=bearer(clerk_token))
    assert officer.status_code == 403 and "clerk may not read the metrics" in officer.text
    unknown = client.get("/metrics", environ_base=REMOTE, headers=bearer("cf_not-a-token"))
    assert unknown.status_code == 403 and "unknown or revoked" in unknown.text

    closed = make_app(db_url, instance="closed", METRICS_ALLOW_LOOPBACK=False).test_client()
    assert closed.get("/metrics").status_code == 401
    assert closed.get("/metrics", headers=bearer(admin_token)).status_code == 200


def test_a_database_outage_is_logged_when_it_begins_and_when_it_ends(make_app, sqlite_template, tmp_path, caplog):
    """Prometheus scrapes every 15 s: a long outage is two lines in the log, not one a scrape."""
    folder = tmp_path / "gone"  # not there: SQLite cannot open the database in it
    app = make_app(f"sqlite:///{folder / 'congressflow.db'}")
    client = app.test_client()

    def logged() -> list[tuple[str, str]]:
        return [(r.levelname, r.getMessage()) for r in caplog.records if r.getMessage().startswith("metrics:")]

    down = (
        "WARNING",
        "metrics: database unavailable, serving this process's figures until it answers again: "
        "unable to open database file",
    )
    back = ("INFO", "metrics: the database answers again; its counts are served again")
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            assert "congressflow_database_up 0.0" in scrape(client)
        assert logged() == [down]
        folder.mkdir()
        shutil.copy(sqlite_template, folder / "congressflow.db")
        for _ in range(3):
            assert "congressflow_database_up 1.0" in scrape(client)
        assert logged() == [down, back]
        database.engine(app).dispose()  # its readers' pool too: the next scrape opens the file again
        shutil.rmtree(folder)
        for _ in range(2):
            assert "congressflow_database_up 0.0" in scrape(client)
        assert logged() == [down, back, down]
