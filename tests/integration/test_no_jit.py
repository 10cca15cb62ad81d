"""The application's PostgreSQL connections run without JIT compilation (storage.db.make_engine):
its statements are short, and compiling the case list's count to machine code cost 1.25 s of a
1.5 s page (bench/README.md). A URL that sets its own ``options`` keeps them."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import make_engine
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")


def setting(url: str, name: str) -> str:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SHOW {name}")).scalar_one()
    finally:
        engine.dispose()


def test_the_applications_connections_run_without_jit():
    assert setting(PG_URL, "jit") == "off"


def test_options_given_in_the_url_are_kept():
    url = make_url(PG_URL).update_query_dict({"options": "-c application_name=cf_own_options"})
    given = url.render_as_string(hide_password=False)
    assert setting(given, "application_name") == "cf_own_options"
    assert setting(given, "jit") == "on"  # the server's default: the URL's options replace ours
