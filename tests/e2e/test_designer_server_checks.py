"""In a real browser: the designer's two upload forms and the case migration's confirmation are
checked by the server (novalidate), not by the browser's bubble in the browser's language. Sent
empty, the page comes back opening on its summary (focused) in the page's language, and the
summary's link takes the keyboard to the field.

Every test fails on any script error or content-security-policy violation in the browser."""

from __future__ import annotations

import pytest

from tests.e2e.test_officer_flow import sign_in
from tests.e2e.test_phone_and_keyboard import focused
from tests.web.test_case_migration_page import PAGE
from tests.web.test_case_migration_page import town as town  # the fixture: two cases on v1, v2 deployed

pytestmark = pytest.mark.browser


def opens_on_its_summary(page) -> str:
    page.wait_for_selector("#form-errors")
    assert focused(page)["id"] == "form-errors"
    return page.inner_text("#form-errors")


def test_an_upload_sent_without_a_file_is_said_by_the_page_at_the_file_input(live_server, browser):
    page, problems = sign_in(browser, live_server, "designer")  # a Chinese browser
    for form, language, said in (
        ("draft", "zh_CN", "BPMN 文件：请选择要上传的文件"),
        ("deploy", "en", "BPMN file: Choose a file to upload"),  # the page's language, not the browser's
    ):
        page.goto(f"{live_server}/lang/{language}")
        page.goto(f"{live_server}/designer/")
        page.fill(f"#upload-{form} input[name=note]", "note kept")
        with page.expect_navigation():
            page.click(f"#upload-{form} button[type=submit]")
        assert said in opens_on_its_summary(page)
        assert page.input_value(f"#upload-{form}-note") == "note kept"
        page.click(f'#form-errors a[href="#upload-{form}-file"]')
        assert focused(page)["id"] == f"upload-{form}-file"
        assert page.get_attribute(f"#upload-{form}-file", "aria-invalid") == "true"
    assert problems == []


@pytest.mark.usefixtures("town")
def test_an_unticked_migration_is_said_by_the_page_at_the_box(live_server, browser):
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}{PAGE}?to=2")
    with page.expect_navigation():
        page.click("button[data-action=migrate]")
    assert "迁移确认：请先勾选确认，再迁移。" in opens_on_its_summary(page)
    assert "可以迁移 1 件，不能迁移 1 件" in page.inner_text("#dry-run-summary")  # the page as it was
    page.click('#form-errors a[href="#migrate-confirm-box"]')
    assert focused(page)["id"] == "migrate-confirm-box"
    page.keyboard.press("Space")  # ticked from where the link left the keyboard
    with page.expect_navigation():
        page.click("button[data-action=migrate]")
    assert "已迁移 1 件" in page.inner_text("#migration-summary")
    assert problems == []
