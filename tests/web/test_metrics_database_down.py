"""``/metrics`` while the database cannot be reached: the text format still, with the figures
the process keeps itself (requests, timer lateness, the scheduler's leadership) and
``congressflow_database_up 0``, without the counts the database makes (open and overdue
tasks); a token cannot be checked then, so a scrape that needs one answers 503 in plain text,
never the product's HTML page. With the database up, ``congressflow_database_up 1``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.web.test_database_unavailable import UNREACHABLE
from web import metrics

TEXT_FORMAT = "text/plain; version=1.0.0; charset=utf-8"
REMOTE = {"REMOTE_ADDR": "10.1.2.3"}
TOKEN = {"Authorization": "Bearer cf_" + "x" * 43}  # shaped as a token: only the database knows it


@pytest.fixture(autouse=True)
def fresh_metrics() -> Iterator[None]:
    """This process's figures from zero (they are the process's, as in a server)."""
    metrics.instruments.cache_clear()
    yield
    metrics.instruments.cache_clear()


@pytest.fixture(params=sorted(UNREACHABLE))
def unreachable(request: pytest.FixtureRequest, make_app) -> Flask:
    return make_app(UNREACHABLE[request.param])


def test_a_scrape_from_this_machine_shows_the_process_figures(unreachable: Flask):
    client = unreachable.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 200
    metrics.instruments().leader.set(1)  # this process runs the scheduler
    metrics.instruments().lateness.observe(90)
    response = client.get("/metrics")
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"] == TEXT_FORMAT
    lines = response.text.splitlines()
    assert "congressflow_database_up 0.0" in lines
    count = 'congressflow_http_request_duration_seconds_count{method="GET",route="/healthz",status="2xx"} 2.0'
    assert count in lines
    assert "congressflow_scheduler_leader 1.0" in lines
    assert "congressflow_timer_lateness_seconds_count 1.0" in lines
    assert not [line for line in lines if "open_tasks" in line or "overdue_tasks" in line]
    assert "系统繁忙" not in response.text and "<html" not in response.text
    # the same from this machine with a token: the token is not needed, nor checked
    assert "congressflow_database_up 0.0" in client.get("/metrics", headers=TOKEN).text.splitlines()


def test_a_scrape_that_needs_a_token_answers_503_in_plain_text(unreachable: Flask):
    client = unreachable.test_client()
    response = client.get("/metrics", headers=TOKEN, environ_base=REMOTE)
    assert response.status_code == 503, response.text[:500]
    assert response.mimetype == "text/plain"
    assert response.text == "the database is unavailable, so the API token cannot be checked; try again in a moment\n"
    assert response.headers["Retry-After"] == "30"
    # no token from elsewhere: refused as with the database up (it would be, whatever it says)
    refused = client.get("/metrics", environ_base=REMOTE)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert refused.mimetype == "text/plain" and "metrics.read" in refused.text


def test_with_the_loopback_closed_even_this_machine_needs_the_database(make_app):
    closed = make_app(UNREACHABLE["closed port"], METRICS_ALLOW_LOOPBACK=False).test_client()
    assert closed.get("/metrics").status_code == 401
    response = closed.get("/metrics", headers=TOKEN)
    assert response.status_code == 503 and response.mimetype == "text/plain"


def test_with_the_database_up_it_says_so(db_url, make_app):
    client = make_app(db_url).test_client()
    lines = client.get("/metrics").text.splitlines()
    assert "congressflow_database_up 1.0" in lines
    assert "congressflow_open_tasks 0.0" in lines and "congressflow_overdue_tasks 0.0" in lines


def test_the_schedulers_own_server_says_nothing_of_the_database():
    exposition = metrics._Exposition([metrics.instruments().registry], None)
    names = {family.name for family in exposition.collect()}
    assert "congressflow_scheduler_leader" in names
    assert not names & {"congressflow_database_up", "congressflow_open_tasks", "congressflow_overdue_tasks"}
