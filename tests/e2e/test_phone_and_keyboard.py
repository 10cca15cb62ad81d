"""In a real browser, on a phone (390 × 844) and with the keyboard alone (QA walk "mobile"):
a refused task form opens on what went wrong, the board's refresh keeps the keyboard's place,
every page starts with a link past its navigation, the per-unit statistics keep each row's unit
in view while the figures scroll, and the task page's controls are a finger wide.

Every test fails on any script error or content-security-policy violation in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.usecases import supervision, tasks
from tests.e2e.test_officer_flow import sign_in
from tests.e2e.test_supervisor_desk import overdue_case
from tests.integration.test_statistics import seed
from tests.world import REVIEW_SUBJECT, act, start_review
from web import database

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
FINGER = 44  # px: WCAG 2.5.5's target size, Apple's 44 pt


def focused(page) -> dict:
    """What has the keyboard's focus: its tag, id, href and the task row it is in."""
    return page.evaluate(
        """() => { const e = document.activeElement; const row = e.closest('[data-task-id]');
          return {tag: e.tagName.toLowerCase(), id: e.id, href: e.getAttribute('href'),
                  text: (e.textContent || '').trim(), row: row && row.dataset.taskId}; }"""
    )


def claimed_reply(app) -> str:
    """finance1's 答复 task of a review case, claimed: the task page with its form and its hand-over."""
    case = start_review(app, "office1")
    [reply] = act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    act(app, "finance1", tasks.claim, reply.task_id)
    return reply.task_id


def test_a_refused_task_form_opens_on_its_error_summary(app, live_server, browser, artifacts):
    task_id = claimed_reply(app)
    page, problems = sign_in(browser, live_server, "finance1")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/tasks/{task_id}")
    page.click("button[data-action=complete]")  # 答复类别 and 页数 left empty
    page.wait_for_selector("#form-errors")
    page.screenshot(path=str(artifacts / "phone-task-refused.png"))

    # the summary has the focus (a screen reader reads it) and is on the phone's screen
    assert focused(page)["id"] == "form-errors"
    box = page.locator("#form-errors").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    assert page.evaluate("() => window.scrollY") > 0  # below the case's facts, scrolled to
    # the next Tab is the summary's link to the first refused field, not the page's navigation;
    # Enter takes the keyboard to that field
    page.keyboard.press("Tab")
    assert focused(page)["href"] == "#f-reply_class"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'f-reply_class'")
    assert problems == []


def test_the_board_refresh_keeps_the_keyboards_place(app, live_server, browser):
    overdue_case(app)
    other = start_review(app, "office1", "关于整治河道的建议")
    act(app, "office1", tasks.complete, other.task_id, {"lead_unit": "finance"})
    page, problems = sign_in(browser, live_server, "supervisor")
    page.clock.install()  # the page's timers on a clock the test moves
    page.goto(f"{live_server}/board/")
    row = page.locator("#board tbody tr", has_text=REVIEW_SUBJECT)
    row.locator("td.case a").focus()
    before = focused(page)
    assert before["tag"] == "a" and before["row"]

    page.evaluate("() => { document.querySelector('#board tbody').dataset.before = '1'; }")
    page.clock.run_for(61_000)
    expect(page.locator("#board tbody[data-before]")).to_have_count(0, timeout=5_000)  # taken in
    # the same link of the same task, in the fresh rows: the next Tab goes on from there
    assert focused(page) == before
    page.keyboard.press("Tab")
    after = focused(page)
    assert (after["tag"], after["row"]) == ("summary", before["row"]) and after["text"].startswith("发出督办：")
    assert problems == []


def test_a_refresh_that_would_take_the_focused_row_away_waits(app, live_server, browser):
    overdue_case(app)
    task_id = act(app, "supervisor", supervision.board).rows[0].task_id
    page, problems = sign_in(browser, live_server, "supervisor")
    page.clock.install()
    page.goto(f"{live_server}/board/")
    page.locator(f'#board tr[data-task-id="{task_id}"] td.title a').focus()

    # finance answers meanwhile: the row the keyboard is on is not in the next answer
    act(app, "finance1", tasks.complete, task_id, {"reply_class": "A", "pages": "1"})
    with page.expect_response(lambda r: "partial=1" in r.url):
        page.clock.run_for(61_000)
    page.wait_for_timeout(500)
    assert focused(page)["row"] == task_id  # held: the place kept, not dropped to the page's top
    assert page.locator(f'#board tr[data-task-id="{task_id}"]').count() == 1

    # once the keyboard has moved on, the next minute takes it all in
    page.locator("#board-filters button[type=submit]").focus()
    page.clock.run_for(61_000)
    expect(page.locator(f'#board tr[data-task-id="{task_id}"]')).to_have_count(0, timeout=5_000)
    assert problems == []


def test_the_first_tab_offers_to_skip_to_the_content(app, live_server, browser):
    overdue_case(app)
    page, problems = sign_in(browser, live_server, "supervisor")
    page.goto(f"{live_server}/board/")
    skip = page.locator("a.skip-link")
    assert skip.count() == 1
    assert skip.bounding_box()["y"] < 0  # out of sight until the keyboard comes

    page.keyboard.press("Tab")
    assert focused(page)["text"] == "跳到主要内容"
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] > 0 and skip.is_visible()

    page.keyboard.press("Enter")
    landed = focused(page)
    assert (landed["tag"], landed["id"]) == ("main", "main")
    # the next Tab is the page's own first link (a unit's count), past the navigation
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('#unit-counts li[data-unit=finance]') !== null")
    assert problems == []


def test_the_per_unit_statistics_keep_the_unit_in_view_on_a_phone(app, live_server, browser, artifacts):
    seed(database.session_factory(app))
    page, problems = sign_in(browser, live_server, "supervisor")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/statistics/?process=proposal&from=2027-01-01&to=2027-06-30")
    units = page.locator("#units")
    units.scroll_into_view_if_needed()
    unit = units.locator("tbody tr").first.locator("th").first  # the row's header: the unit
    name = unit.inner_text()
    # a unit's name on one line, not a character a line
    line = page.evaluate("(e) => parseFloat(getComputedStyle(e).lineHeight)", unit.element_handle())
    assert unit.bounding_box()["height"] < 2 * line + 20, (name, unit.bounding_box())

    # the table scrolls inside its box; its unit column stays at the left edge
    wide = units.evaluate("(t) => t.scrollWidth - t.clientWidth")
    assert wide > 100
    left = units.bounding_box()["x"]
    units.evaluate("(t) => { t.scrollLeft = t.scrollWidth; }")
    assert units.evaluate("(t) => t.scrollLeft") > 100
    assert abs(unit.bounding_box()["x"] - left) <= 2
    # and is drawn over the figures scrolled under it, not through them
    x, y = unit.bounding_box()["x"] + 10, unit.bounding_box()["y"] + 10
    assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('th, td').innerText", [x, y]) == name
    page.screenshot(path=str(artifacts / "phone-statistics-units.png"))

    # the figures: a name on a line or two beside its count and rate, its definition across under them
    figure = page.locator('#figures tr[data-figure="replied_on_time"]')
    name, definition = figure.locator("th").first, figure.locator("td.hint")
    assert name.inner_text() == "按期答复（按期答复率）"
    assert name.bounding_box()["height"] < 2 * line + 20, name.bounding_box()
    assert definition.bounding_box()["width"] > 250, definition.bounding_box()
    assert definition.bounding_box()["y"] > name.bounding_box()["y"]
    figure.screenshot(path=str(artifacts / "phone-statistics-figure.png"))
    assert problems == []


def test_the_task_pages_controls_are_a_finger_wide_on_a_phone(app, live_server, browser, artifacts):
    task_id = claimed_reply(app)
    page, problems = sign_in(browser, live_server, "finance1")
    controls = {
        "放弃签收": "button[data-action=unclaim]",
        "转交给": "form.handover select",
        "转交说明": "form.handover input[name=comment]",
        "转交": "button[data-action=handover]",
        "退出": "header form[action$='/logout'] button",
        "保密（意见）": "#comments label.check",
        "保密（附件）": "#attachments label.check",
        "答复类别": "#f-reply_class",
        "发表": "#comments button[type=submit]",
    }
    page.goto(f"{live_server}/tasks/{task_id}")
    desktop = page.locator(controls["放弃签收"]).bounding_box()
    assert desktop["height"] < FINGER  # the desktop's compact rows stay as they were

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/tasks/{task_id}")
    page.screenshot(path=str(artifacts / "phone-task-targets.png"), full_page=True)
    small = {}
    for name, selector in controls.items():
        box = page.locator(selector).bounding_box()
        if box["height"] < FINGER or box["width"] < FINGER:
            small[name] = (round(box["width"]), round(box["height"]))
    assert small == {}
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert problems == []
