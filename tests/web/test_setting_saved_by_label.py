"""期限设置: a saved or reset setting is said by what it is for, in the reader's language, and a
whole number past the bounds is refused by the bound it passes, however many digits it has."""

from __future__ import annotations

from tests.web.conftest import text_of


def flashed(client, name: str, action: str, value: str = "") -> str:
    response = client.post("/admin/settings", data={"name": name, "value": value, "action": action})
    assert response.status_code == 302
    return text_of(client.get(response.headers["Location"]))


def test_a_saved_setting_is_said_by_its_label_not_its_code(app, as_user):
    client = as_user("admin")
    assert "已保存“办理并书面答复”。" in flashed(client, "petition.handle_days", "set", "90")
    assert "“办理并书面答复”已恢复默认值。" in flashed(client, "petition.handle_days", "reset")
    client.get("/lang/en")
    page = flashed(client, "petition.handle_days", "set", "90")
    assert "handle and reply, from acceptance" in page.split('class="flash', 1)[1].split("</", 1)[0]


def test_a_reset_of_no_setting_is_said_by_the_name_given_not_failed(app, as_user):
    assert "“no.such”已恢复默认值" in flashed(as_user("admin"), "no.such", "reset")


def test_a_whole_number_of_many_digits_is_refused_by_the_bound_it_passes(app, as_user):
    client = as_user("admin")
    refused = client.post(
        "/admin/settings", data={"name": "script.step_budget", "value": "9999999999999999999999", "action": "set"}
    )
    assert refused.status_code == 422
    page = text_of(refused)
    assert "不能大于 100000000" in page and "必须是整数" not in page
