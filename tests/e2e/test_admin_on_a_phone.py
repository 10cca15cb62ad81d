"""In a real browser at a phone's width (390 × 844), QA walk A's follow-ups: the admin pages and the
designer's list never widen the page (the admin tabs go on to a second line instead, in English
too, and keep each name whole: "用户", not "用/户"; the designer's file fields fit their card),
and a refused admin form opens on its error summary, focused and on the screen, not at the top
of the page 1800 px above the field.

Every test fails on any script error or content-security-policy violation in the browser."""

from __future__ import annotations

import pytest

from tests.e2e.test_officer_flow import sign_in
from tests.e2e.test_phone_and_keyboard import PHONE, focused

pytestmark = pytest.mark.browser

PAGES = (
    "/admin/users",
    "/admin/users/finance1",
    "/admin/departments",
    "/admin/imports/",
    "/admin/calendar",
    "/admin/settings",
    "/admin/incidents/",
    "/designer/",
)


def broken_tabs(page) -> list[str]:
    """The admin tabs whose name takes more than one line."""
    return page.eval_on_selector_all(
        "nav.tabs a",
        """(tabs) => tabs.filter((a) => a.getBoundingClientRect().height - parseFloat(getComputedStyle(a).paddingTop)
             - parseFloat(getComputedStyle(a).paddingBottom) > 1.5 * parseFloat(getComputedStyle(a).lineHeight))
           .map((a) => a.textContent.trim())""",
    )


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_admin_pages_and_the_designer_fit_a_phone(live_server, browser, artifacts, language):
    page, problems = sign_in(browser, live_server, "admin")
    page.goto(f"{live_server}/lang/{language}")
    page.set_viewport_size(PHONE)
    for path in PAGES:
        page.goto(f"{live_server}{path}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide at {PHONE['width']} px ({language})"
        if path.startswith("/admin/"):
            assert page.locator("nav.tabs a").count() == 6
            assert broken_tabs(page) == [], f"{path} ({language})"
    page.goto(f"{live_server}/admin/users")
    page.screenshot(path=str(artifacts / f"phone-admin-tabs-{language}.png"))
    assert problems == []


def summary_on_screen(page) -> None:
    page.wait_for_selector("#form-errors")
    assert focused(page)["id"] == "form-errors"
    box = page.locator("#form-errors").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box


def test_a_refused_admin_form_opens_on_its_summary_on_a_phone(live_server, browser, artifacts):
    page, problems = sign_in(browser, live_server, "admin")
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server}/admin/users")
    form = page.locator("#new-user")
    form.locator("input[name=username]").fill("finance1")  # taken
    form.locator("input[name=display_name]").fill("财政所 新人")
    form.locator("input[name=password]").fill("Bai-yun-19-shan?")
    form.locator("input[name=roles][value=officer]").check()
    form.locator("button[type=submit]").click()
    summary_on_screen(page)
    page.screenshot(path=str(artifacts / "phone-admin-user-refused.png"))
    # the next Tab is the summary's link to the field refused, and Enter takes the keyboard there
    page.keyboard.press("Tab")
    assert focused(page)["href"] == "#username"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.name") == "username"

    page.goto(f"{live_server}/admin/calendar?year=2027")
    page.fill("#schedule-form textarea", "2027-13-01 元旦\n2026-05-01 劳动节")
    page.click("#schedule-form button[value=preview]")
    summary_on_screen(page)
    assert "第 2 行：应是 2027 年内的日期" in page.locator("#form-errors").inner_text()
    page.screenshot(path=str(artifacts / "phone-admin-calendar-refused.png"))
    assert problems == []
