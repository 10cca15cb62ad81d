"""A refused field of the plain forms (the administrator's users, units, calendar and settings
forms, and 我的设置) is marked as a task form's is: ``aria-invalid`` and ``aria-describedby``
naming its message (a screen reader reads the message with the field; app.css draws it red),
and only the refused fields are. Before, the message stood beside an unmarked field."""

from __future__ import annotations

import lxml.html

from tests.web.conftest import text_of


def field(html: str, xpath: str) -> dict[str, str]:
    """The attributes of the one element ``xpath`` finds."""
    found = lxml.html.fromstring(html).xpath(xpath)
    assert len(found) == 1, xpath
    return dict(found[0].attrib)


def message(html: str, element_id: str) -> str:
    return lxml.html.fromstring(html).get_element_by_id(element_id).text_content().strip()


def test_a_refused_new_user_marks_the_fields_refused_and_no_other(as_user):
    refused = as_user("admin").post(
        "/admin/users",
        data={"username": "new1", "display_name": "新人", "phone": "abc", "password": "short", "roles": ["officer"]},
    )
    assert refused.status_code == 422
    html = text_of(refused)
    phone = field(html, "//form[@id='new-user']//input[@name='phone']")
    # its hint still named, then its message
    assert phone["aria-invalid"] == "true" and phone["aria-describedby"] == "phone-hint phone-error"
    assert message(html, "phone-error").startswith("abc 不是电话号码")
    password = field(html, "//form[@id='new-user']//input[@name='password']")
    assert password["aria-invalid"] == "true" and password["aria-describedby"] == "password-hint password-error"
    assert "至少 10 个字符" in message(html, "password-error")
    for fine in ("username", "display_name", "email", "district"):
        assert "aria-invalid" not in field(html, f"//form[@id='new-user']//input[@name='{fine}']"), fine
    assert field(html, "//form[@id='new-user']//input[@name='username']")["aria-describedby"] == "username-hint"


def test_a_user_without_a_role_marks_the_roles(as_user):
    refused = as_user("admin").post("/admin/users/finance1", data={"display_name": "财政所 干事", "active": "true"})
    assert refused.status_code == 422
    html = text_of(refused)
    roles = field(html, "//form[@id='edit-user']//fieldset")
    assert roles["class"] == "roles has-error" and roles["aria-describedby"] == "roles-error"
    assert message(html, "roles-error")
    assert "aria-invalid" not in field(html, "//form[@id='edit-user']//select[@name='department']")


def test_a_refused_unit_marks_its_head(as_user):
    refused = as_user("admin").post("/admin/departments", data={"code": "finance", "name": "财政所", "head": "nobody"})
    assert refused.status_code == 422
    html = text_of(refused)
    head = field(html, "//form[@id='department-form']//input[@name='head']")
    assert head["aria-invalid"] == "true" and head["aria-describedby"] == "head-error"
    assert "nobody" in message(html, "head-error")
    assert "aria-invalid" not in field(html, "//form[@id='department-form']//input[@name='name']")


def test_a_refused_setting_marks_its_row_input(as_user):
    html = text_of(as_user("admin").post("/admin/settings", data={"name": "petition.accept_days", "value": "0"}))
    value = field(html, "//form[input[@name='name' and @value='petition.accept_days']]/input[@name='value']")
    assert value["aria-invalid"] == "true" and value["aria-describedby"] == "setting-petition.accept_days-error"
    assert message(html, "setting-petition.accept_days-error") == "不能小于 1"
    other = field(html, "//form[input[@name='name' and @value='petition.handle_days']]/input[@name='value']")
    assert "aria-invalid" not in other


def test_a_refused_schedule_marks_its_text(as_user):
    refused = as_user("admin").post("/admin/calendar/2027", data={"schedule": "2027-13-01 元旦", "action": "preview"})
    assert refused.status_code == 422
    text = field(text_of(refused), "//textarea[@name='schedule']")
    assert text["aria-invalid"] == "true" and text["aria-describedby"] == "schedule-errors"


def test_my_settings_mark_the_password_refused(as_user):
    c = as_user("office1")
    refused = c.post(
        "/settings/password",
        data={
            "current_password": "wrong-one-here",
            "password": "Bai-yun-19-shan?",
            "password_repeat": "Bai-yun-19-shan?",
        },
    )
    assert refused.status_code == 422
    html = text_of(refused)
    current = field(html, "//form[@id='change-password']//input[@name='current_password']")
    assert current["aria-invalid"] == "true" and current["aria-describedby"] == "current_password-error"
    assert "aria-invalid" not in field(html, "//form[@id='change-password']//input[@name='password']")
    assert "aria-invalid" not in field(html, "//select[@name='timezone']")
