"""Shared fixtures.

``db_url`` runs a test on SQLite and, when ``TEST_DATABASE_URL`` names a PostgreSQL
server, on PostgreSQL too (a fresh database per test session, emptied between tests).
Asking for PostgreSQL and not reaching it fails loudly instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from engine import clock
from engine.usecases import people, sign_in
from engine.usecases.context import SYSTEM, processes
from storage import migrate
from storage.db import make_engine, make_session_factory
from storage.models import Base

FIXTURES = Path(__file__).parent / "fixtures"
REPO_ROOT = Path(__file__).parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "Qiu-shan-42-lu!"  # every test user's (make_user): strong enough for the password policy


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


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "congressflow.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    _empty_pg(url)
    # ids restart at 1 after the truncation, which never happens to a live database:
    # forget the processes parsed for the previous test
    processes.clear()
    return url


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


def make_user(
    factory: sessionmaker, username: str, roles: tuple[str, ...] = ("officer",), department: str | None = "office"
) -> None:
    with factory.begin() as session:
        people.create_user(session, SYSTEM, username, PASSWORD, roles=roles, department=department)


def fixture_bpmn(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
