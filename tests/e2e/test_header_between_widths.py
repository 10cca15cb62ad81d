"""Between a phone's width and a wide screen the header's links and the user's box wrap onto
further lines instead of widening the page: at 700 px in English (the long names: Statistics,
Administration, My settings, Sign out) the administrator's header pushed the page to 1,050 px,
the user's box and its sign-out out of the window. Each name stays on one line.

Every test fails on any script error or content-security-policy violation in the browser."""

from __future__ import annotations

import pytest

from tests.e2e.test_officer_flow import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [700, 900])
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_header_wraps_within_the_window(live_server, browser, artifacts, language, width):
    page, problems = sign_in(browser, live_server, "admin")
    page.goto(f"{live_server}/lang/{language}")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server}/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    sign_out = page.locator("header .userbox form[action$='/logout'] button").bounding_box()
    assert sign_out is not None and sign_out["x"] + sign_out["width"] <= width
    # each link on one line: as tall as the first one
    heights = page.eval_on_selector_all("header .mainnav a", "(links) => links.map((a) => a.offsetHeight)")
    assert len(set(heights)) == 1, heights
    page.screenshot(path=str(artifacts / f"header-{width}-{language}.png"))
    assert problems == []
