"""In a real browser: the new-user form holds the rules the server keeps (the browser stops a
user name of Chinese characters and an empty name before sending), and a user name taken
already comes back as the form, as typed, with the error beside 用户名. (The password's
minlength is the server's: a browser marks it too short only as a person types.)"""

from __future__ import annotations

import pytest

from engine.usecases.sign_in import PASSWORD_MIN_LENGTH
from tests.e2e.test_officer_flow import sign_in

pytestmark = pytest.mark.browser


def test_the_new_user_form(live_server, browser, artifacts):
    page, problems = sign_in(browser, live_server, "admin")
    page.goto(f"{live_server}/admin/users")
    form = page.locator("#new-user")
    form.locator("input[name=username]").fill("张三")
    invalid = "el => [el.validity.patternMismatch, el.validity.tooShort, el.validity.valueMissing]"
    assert form.locator("input[name=username]").evaluate(invalid) == [True, False, False]
    assert form.locator("input[name=display_name]").evaluate(invalid) == [False, False, True]
    assert form.locator("input[name=password]").get_attribute("minlength") == str(PASSWORD_MIN_LENGTH)

    form.locator("input[name=username]").fill("finance1")
    form.locator("input[name=display_name]").fill("财政所 新人")
    form.locator("input[name=phone]").fill("13800001111")
    form.locator("input[name=password]").fill("Bai-yun-19-shan?")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#new-user .field-error[data-field=username]")
    assert page.locator("#new-user .field-error[data-field=username]").inner_text() == "用户名已存在"
    assert page.locator("#new-user input[name=display_name]").input_value() == "财政所 新人"
    assert page.locator("#new-user input[name=phone]").input_value() == "13800001111"
    page.screenshot(path=str(artifacts / "40-admin-user-name-taken.png"), full_page=True)
    assert problems == []
