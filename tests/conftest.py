"""Shared fixtures: the one test world (tests/world.py) as fixtures.

``db_url`` runs a test on SQLite and, when ``TEST_DATABASE_URL`` names a PostgreSQL
server, on PostgreSQL too (a fresh database per test session, emptied between tests).
Asking for PostgreSQL and not reaching it fails loudly instead of skipping.
``session_factory`` opens it with the departments in place; ``make_app`` builds the web app with
the test configuration; ``frozen_clock`` stops the one clock. The people, the world's processes
and ``act`` are in tests/world.py.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.frontend import CommandLineInterface
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from engine import clock
from engine.usecases import people, sign_in
from engine.usecases.context import processes
from storage import migrate
from storage.db import make_engine, make_session_factory
from storage.models import Base
from tests.world import (
    FIXTURES,
    REPO_ROOT,
    TEMPLATE_CACHE,
    AppFactory,
    app_config,
    build_world,
    dispose,
    new_pg_database,
)
from web import create_app

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The markers that pick what ``make test-fast`` leaves out: ``postgres`` on every run
    against PostgreSQL, ``browser`` on everything that drives chromium (``slow`` is set by
    the tests themselves)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    """Argon2 with its production cost takes ~0.2 s a hash; tests create many users."""
    from argon2 import PasswordHasher

    production = sign_in.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    sign_in.use_hasher(production)


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """The setup step compiles the catalogs (``pybabel compile``); do it here when a
    fresh checkout runs the tests without it."""
    root = REPO_ROOT / "web" / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            CommandLineInterface().run(["pybabel", "compile", "--use-fuzzy", "-d", str(root)])
            break


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    admin_url = make_url(PG_URL)
    name = f"cf_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # asked for PostgreSQL and cannot have it: fail, never skip
        pytest.fail(f"TEST_DATABASE_URL={PG_URL} is not reachable: {exc}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_pg(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def world_templates() -> dict[tuple[str, ...], Path]:
    """SQLite files with the world built (tests.world.build_world), one per set of people."""
    return {}


def _sqlite_source(request: pytest.FixtureRequest) -> Path:
    """The migrated template, or for a test of ``make_world`` its world's template, built the
    first time a test of this worker asks for it just as the test would build it (at the frozen
    clock's moment): the departments, the world's processes and ``world_people``."""
    template = request.getfixturevalue("sqlite_template")
    if "world_people" not in request.fixturenames:
        return template
    people = tuple(request.getfixturevalue("world_people"))
    templates = request.getfixturevalue("world_templates")
    if people not in templates:
        request.getfixturevalue("frozen_clock")
        path = template.parent / f"world{len(templates)}.db"
        shutil.copy(template, path)
        engine = make_engine(f"sqlite:///{path}")
        build_world(make_session_factory(engine), *people)
        engine.dispose()
        templates[people] = path
    return templates[people]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "congressflow.db"
        shutil.copy(_sqlite_source(request), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")
        _empty_pg(url)
        # ids restart at 1 after the truncation, which never happens to a live database:
        # forget the processes parsed for the previous test
        processes.clear()
        yield url
    processes.clear()  # parsed processes are cached per database: none outlives its test


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, empty: a SQLite file not made yet, or a PostgreSQL database
    just made (for a test that migrates, downgrades or refuses one itself)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'own.db'}"
        return
    with new_pg_database() as url:
        yield url


@pytest.fixture
def session_factory(db_url: str) -> Iterator[sessionmaker]:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        people.ensure_departments(session)
    yield factory
    engine.dispose()


@pytest.fixture
def frozen_clock() -> Iterator[datetime]:
    """The one clock, stopped at a Monday morning in Beijing; tests move it with clock.advance."""
    start = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 09:00 Asia/Shanghai
    clock.freeze(start)
    yield start
    clock.unfreeze()


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppFactory]:
    """``make_app(db_url, csrf=False, rate_limit=True, **config)``: the web app on that database
    with the test configuration (tests.world.app_config), its instance folder ``tmp_path/instance``
    (or ``instance=``) and the templates compiled once per session; every app made is closed
    at the end of the test."""
    made: list[Flask] = []

    def make(
        database_url: str, *, instance: str = "instance", csrf: bool = False, rate_limit: bool = True, **config: Any
    ) -> Flask:
        monkeypatch.setenv("CONGRESSFLOW_INSTANCE_PATH", str(tmp_path / instance))
        app = create_app(app_config(database_url, csrf=csrf, rate_limit=rate_limit, **config))
        app.jinja_env.bytecode_cache = TEMPLATE_CACHE
        made.append(app)
        return app

    yield make
    for app in made:
        dispose(app)


@pytest.fixture
def world_people() -> tuple[str, ...]:
    """Who lives in a suite's world (rows of tests.world.ROSTER): each suite that uses
    ``make_world`` says so in its conftest."""
    raise pytest.UsageError("make_world needs a world_people fixture naming the suite's people")


@pytest.fixture
def make_world(
    make_app: AppFactory, db_url: str, world_people: tuple[str, ...], frozen_clock: datetime
) -> Callable[..., Flask]:
    """``make_world(csrf=False, rate_limit=True, **config)``: ``make_app(db_url, ...)`` with the
    world in the database: the departments, review.bpmn and petition_min.bpmn, ``world_people``
    (on SQLite the database is a copy of that world, built once per session)."""

    def make(**options: Any) -> Flask:
        app = make_app(db_url, **options)
        if not db_url.startswith("sqlite"):
            build_world(app, *world_people)
        return app

    return make


def fixture_bpmn(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
