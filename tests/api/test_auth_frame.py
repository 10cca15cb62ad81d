"""Authentication as the frame of every request: one read, a statement of its own before the
request's read-only transaction (storage/driver_reads.py), never SQLite's write lock, and what
it reads is the database's state at that request (nothing cached across requests: a
revocation, a deactivation or new roles hold from the next request, whichever server process
made them).

Each test runs on SQLite and on PostgreSQL. Waiting for a lock would fail the request after a
short timeout (SQLite's busy timeout, PostgreSQL's lock_timeout), so "answers" means "answers
without waiting"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from engine import clock
from engine.usecases import tokens
from engine.usecases.context import SYSTEM
from storage import db as storage_db
from storage.db import engines_of, make_engine, make_session_factory
from storage.models import ApiToken
from tests.api.conftest import World
from tests.world import PASSWORD
from web import database
from web.api.schemas import CompleteSchema

SHORT_WAIT_SECONDS = 0.3


@pytest.fixture
def world(make_world, session_factory: sessionmaker, db_url: str, monkeypatch: pytest.MonkeyPatch) -> World:
    """The API tests' world, its app waiting at most SHORT_WAIT_SECONDS for any lock."""
    monkeypatch.setattr(storage_db, "SQLITE_BUSY_TIMEOUT_SECONDS", SHORT_WAIT_SECONDS)
    config = {}
    if not db_url.startswith("sqlite"):
        options = f"-c lock_timeout={int(SHORT_WAIT_SECONDS * 1000)}"
        config["DATABASE_URL"] = make_url(db_url).update_query_dict({"options": options}).render_as_string(False)
    return World(make_world(csrf=True, **config), session_factory)


@pytest.fixture
def writer_in_progress(db_url: str) -> Iterator[Session]:
    """Another process in the middle of a write touching the clerk's account and tokens: on
    SQLite it holds the database's write lock, on PostgreSQL those rows' locks."""
    engine = make_engine(db_url)
    session = make_session_factory(engine)()
    session.execute(text("UPDATE users SET display_name = display_name WHERE username = 'clerk'"))
    session.execute(text("UPDATE api_tokens SET name = name"))
    yield session
    session.rollback()
    session.close()
    engine.dispose()


def last_used(world: World):
    with make_session_factory(world.factory.kw["bind"], read_only=True)() as s:  # not waiting for the lock
        return s.scalars(select(ApiToken.last_used_at)).one()


def test_reads_answer_while_another_writer_holds_its_locks(world, frozen_clock, request):
    clerk = world.as_("clerk")  # a token never used yet: its first use is to be recorded
    browser, _csrf = world.browser("clerk2")  # signing in writes: done before
    request.getfixturevalue("writer_in_progress")
    me = clerk.get("/me")
    assert me.status_code == 200 and me.get_json()["username"] == "clerk"
    assert clerk.get("/tasks").status_code == 200
    assert browser.get("/me").get_json()["username"] == "clerk2"
    assert browser.client.get("/").status_code == 200  # the inbox page
    assert last_used(world) is None  # the bookkeeping gave up rather than wait
    request.getfixturevalue("writer_in_progress").rollback()
    clerk.get("/me")
    assert last_used(world) == clock.now()  # a later request records the use


def test_reads_write_nothing_but_a_token_use_once_a_minute(world, frozen_clock, db_url):
    clerk, (browser, _csrf) = world.as_("clerk"), world.browser("clerk2")
    # the one write: on SQLite its transaction takes the write lock (not waiting for it)
    bookkeeping = (["BEGIN IMMEDIATE"] if db_url.startswith("sqlite") else []) + ["UPDATE api_tokens"]
    statements: list[str] = []
    for engine in engines_of(database.engine(world.app)):  # the writers' and the readers'
        event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def writes() -> list[str]:
        found = [s.split()[0].upper() + " " + s.split()[1] for s in statements if _writes(s)]
        statements.clear()
        return found

    for _ in range(3):
        assert clerk.get("/me").status_code == 200 and clerk.get("/tasks").status_code == 200
        assert browser.get("/me").status_code == 200 and browser.client.get("/").status_code == 200
    assert writes() == bookkeeping  # the token's first use
    clock.advance(timedelta(seconds=59))
    clerk.get("/me")
    assert writes() == []
    clock.advance(timedelta(seconds=1))
    clerk.get("/me")
    assert writes() == bookkeeping
    assert last_used(world) == clock.now()


def _writes(statement: str) -> bool:
    words = statement.split()
    return words[0].upper() in {"INSERT", "UPDATE", "DELETE"} or words[:2] == ["BEGIN", "IMMEDIATE"]


def test_who_you_are_is_answered_without_a_transaction(world, frozen_clock):
    """GET /api/v1/me, by token or signed in: authentication reads as a statement of its own
    and the profile is what it read, so no transaction begins (its BEGIN and ROLLBACK and
    SQLAlchemy's work around them were a fifth of the request); a page still reads in one."""
    clerk, (browser, _csrf) = world.as_("clerk"), world.browser("clerk2")
    clerk.get("/me")  # the token's first use, recorded in a write of its own
    begun: list[object] = []
    for engine in engines_of(database.engine(world.app)):
        event.listen(engine, "begin", begun.append)
    for _ in range(2):
        assert clerk.get("/me").get_json()["username"] == "clerk"
        assert browser.get("/me").get_json()["username"] == "clerk2"
    assert begun == []
    assert clerk.get("/tasks").status_code == 200 and len(begun) == 1  # a read that needs one


def test_every_change_holds_from_the_next_request_on_another_app_instance(world, make_app, db_url):
    serving = world.as_("clerk")
    browser, _csrf = world.browser("clerk")
    other = make_app(db_url, instance="other")  # another server process on the same database
    admin = other.test_client()
    assert admin.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 302

    assert serving.get("/me").get_json()["roles"] == ["officer"]
    edit = {"display_name": "办事员", "roles": ["officer", "supervisor"], "department": "office", "active": "true"}
    assert admin.post("/admin/users/clerk", data=edit).status_code == 302
    me = serving.get("/me").get_json()
    assert me["roles"] == ["officer", "supervisor"] and me["supervises"] is True
    assert browser.get("/me").get_json()["roles"] == ["officer", "supervisor"]

    assert admin.post("/admin/users/clerk", data={**edit, "active": ""}).status_code == 302
    assert serving.get("/me").status_code == 401 and browser.get("/me").status_code == 401
    assert admin.post("/admin/users/clerk", data=edit).status_code == 302
    assert serving.get("/me").status_code == 200  # a token outlives a deactivation; a session does not
    assert browser.get("/me").status_code == 401

    with world.factory.begin() as s:  # not through the API: a token may not make tokens
        spare = tokens.create_token(s, SYSTEM, "clerk", "另一个").secret
    revoking = {"Authorization": f"Bearer {spare}"}
    [first] = [
        t for t in other.test_client().get("/api/v1/me/tokens", headers=revoking).get_json() if t["name"] == "tests"
    ]
    assert other.test_client().delete(f"/api/v1/me/tokens/{first['id']}", headers=revoking).status_code == 200
    assert serving.get("/me").status_code == 401


def test_a_token_request_neither_reads_nor_writes_a_session_cookie(world):
    """A program's request carries no session: even a cookie sent with it is not signed in
    (the token decides), and no Set-Cookie comes back; the session-cookie API works as before."""
    browser, _csrf = world.browser("clerk")
    cookie_answer = browser.get("/me")
    assert cookie_answer.status_code == 200 and cookie_answer.get_json()["username"] == "clerk"
    # the same client (its cookie says clerk) with fin's token: fin, and no cookie written
    with_token = browser.client.get("/api/v1/me", headers={"Authorization": f"Bearer {world.token('fin')}"})
    assert with_token.status_code == 200 and with_token.get_json()["username"] == "fin"
    assert "Set-Cookie" not in with_token.headers
    # a page with a proxy's basic authentication keeps its session
    page = browser.client.get("/", headers={"Authorization": "Basic Y2xlcms6eA=="})
    assert page.status_code == 200


def test_a_start_and_a_completion_send_what_they_need_and_nothing_twice(world, db_url):
    """The write path's statement budget (bench/README.md, http_bench): no switch of a pooled
    connection's role (SQLite readers have a pool of their own), a new case inserted once and
    never read back, the version started read without its BPMN."""
    clerk = world.as_("clerk")
    assert clerk.get("/me").status_code == 200  # the token's use recorded; a reader connected
    statements: list[str] = []
    for engine in engines_of(database.engine(world.app)):
        event.listen(engine, "before_cursor_execute", lambda *args: statements.append(" ".join(args[2].split())))
    started = clerk.post("/instances", json={"process_key": "review", "data": {"subject": "路灯不亮"}})
    assert started.status_code == 201, started.get_json()
    [register] = started.get_json()["open_tasks"]
    start_statements = list(statements)
    statements.clear()
    done = clerk.post(f"/tasks/{register['task_id']}/complete", json={"data": {"lead_unit": "finance"}})
    assert done.status_code == 200, done.get_json()
    for sent in (start_statements, statements):
        assert not [s for s in sent if s.upper().startswith("PRAGMA")]
        assert not [s for s in sent if s.startswith("SELECT") and "bpmn_xml" in s]  # nor spec_json
    inserts = [s for s in start_statements if s.startswith("INSERT INTO process_instances")]
    reads = [s for s in start_statements if s.startswith("SELECT") and "FROM process_instances" in s]
    assert (len(inserts), reads) == (1, [])
    assert len([s for s in statements if s.startswith("SELECT") and "FROM process_instances" in s]) == 1  # the lock
    assert not [s for s in statements if s.startswith("UPDATE supervisions")]  # no 督办 was open on it


def test_an_arguments_schema_is_made_once_not_at_every_request(world, monkeypatch):
    """webargs makes an instance of a schema class at every request; the API's blueprints give
    it one made when the route was declared (web/api/common.py), which every request loads with."""
    made = []
    original = CompleteSchema.__init__

    def counted(self, *args, **kwargs):
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(CompleteSchema, "__init__", counted)
    clerk = world.as_("clerk")
    refused = clerk.post(f"/tasks/{uuid4()}/complete", json={"data": "not an object"})
    assert (refused.status_code, refused.get_json()["fields"]) == (422, {"data": "Not a valid mapping type."})
    started = clerk.post("/instances", json={"process_key": "review", "data": {"subject": "路灯不亮"}})
    [register] = started.get_json()["open_tasks"]
    done = clerk.post(f"/tasks/{register['task_id']}/complete", json={"data": {"lead_unit": "finance"}})
    assert done.status_code == 200, done.get_json()
    assert made == []
