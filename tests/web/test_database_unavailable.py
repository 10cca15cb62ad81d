"""When the database cannot be reached, pages answer 503 with a readable page (Chinese, or
English for a reader who chose it) and the API answers 503 with JSON: never a bare
"Internal Server Error", also when the app is testing (no catch-all 500 handler)."""

from __future__ import annotations

import re
import socket
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.world import AppFactory, create_people

SERVER = make_url(PG_URL or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PAGE_TEXT = {"zh_CN": "暂时无法连接数据库", "en": "The database cannot be reached right now"}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


UNREACHABLE = {
    "missing database": SERVER.set(database=f"cf_missing_{uuid.uuid4().hex[:8]}").render_as_string(False),
    "closed port": SERVER.set(host="127.0.0.1", port=closed_port()).render_as_string(False),
    "unopenable sqlite file": "sqlite:////nonexistent-directory/congressflow.db",
}


def signed_in(app: Flask, lang: str | None = None) -> FlaskClient:
    """A browser whose session says someone is signed in: who, the database would say."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["session_version"] = "office1", 0
        if lang:
            session["lang"] = lang
    return client


def assert_unavailable_page(response, lang: str = "zh_CN") -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert response.mimetype == "text/html"
    assert 'data-code="database_unavailable"' in page and PAGE_TEXT[lang] in page
    assert "Internal Server Error" not in page


def assert_unavailable_json(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["code"] == "database_unavailable" and "database is unavailable" in body["message"]
    assert body["fields"] == {}


@pytest.fixture(params=sorted(UNREACHABLE))
def unreachable(request: pytest.FixtureRequest, make_app: AppFactory) -> Flask:
    return make_app(UNREACHABLE[request.param], csrf=True)


def test_pages_answer_503_with_a_readable_page(unreachable):
    browser = signed_in(unreachable)
    for path in ("/login", "/", "/cases"):
        assert_unavailable_page(browser.get(path))


def test_the_page_is_in_english_for_a_reader_who_chose_it(unreachable):
    browser = signed_in(unreachable, lang="en")
    response = browser.get("/login")
    assert_unavailable_page(response, "en")
    assert "Busy" in response.get_data(as_text=True)


def test_signing_in_answers_503_not_a_wrong_password(unreachable):
    browser = unreachable.test_client()
    form = browser.get("/login")
    assert form.status_code == 200  # the sign-in form itself needs no database
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True)).group(1)
    response = browser.post("/login", data={"username": "office1", "password": "secret-123", "csrf_token": token})
    assert_unavailable_page(response)


def test_the_api_answers_503_json(unreachable):
    with_token = unreachable.test_client().get("/api/v1/me", headers={"Authorization": "Bearer cf_" + "x" * 40})
    assert_unavailable_json(with_token)
    assert_unavailable_json(signed_in(unreachable).get("/api/v1/me"))
    assert_unavailable_json(signed_in(unreachable).get("/api/v1/tasks"))


def test_also_without_testing_mode(make_app):
    app = make_app(UNREACHABLE["closed port"], csrf=True, TESTING=False)
    assert_unavailable_page(signed_in(app).get("/"))
    assert_unavailable_json(app.test_client().get("/api/v1/me", headers={"Authorization": "Bearer cf_" + "y" * 40}))


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
def test_a_database_dropped_under_a_running_app(make_app):
    from engine.usecases import people
    from storage import migrate
    from web.database import session_factory

    name = f"cf_dropped_{uuid.uuid4().hex[:8]}"
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = SERVER.set(database=name).render_as_string(False)
    try:
        migrate.upgrade(url)
        app = make_app(url, csrf=True)
        with session_factory(app).begin() as s:
            people.ensure_departments(s)
        create_people(app, "office1")
        browser = signed_in(app)
        assert browser.get("/").status_code == 200
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        assert_unavailable_page(browser.get("/"))
        assert_unavailable_json(browser.get("/api/v1/me"))
        session_factory(app).kw["bind"].dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
