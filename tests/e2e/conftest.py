"""A live server in a thread and Debian's chromium driven by Playwright.

Never downloads a browser: it launches /usr/bin/chromium (``apt-get install chromium``).
Without it the browser tests skip, unless CONGRESSFLOW_REQUIRE_BROWSER=1 (CI) makes them fail."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.servers import serving
from tests.web.conftest import app as app  # the same app fixture as the page tests
from tests.web.conftest import world_people as world_people

CHROMIUM = os.environ.get("CONGRESSFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CONGRESSFLOW_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app with CSRF on (a real browser submits real forms), served by waitress on a free port."""
    app.config["WTF_CSRF_ENABLED"] = True
    with serving(app) as base:
        yield base


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
