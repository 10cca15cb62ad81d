"""The admin pages: users (create, roles, department, deactivate, password) and departments."""

from __future__ import annotations

import json

import pytest

from engine.usecases.sign_in import PASSWORD_MIN_LENGTH
from tests.web.conftest import login, text_of


def test_user_list(as_user):
    html = text_of(as_user("admin").get("/admin/users"))
    assert 'data-user="finance1"' in html and "财政所" in html and "办理人员" in html


def test_create_user_then_they_sign_in(client, as_user):
    c = as_user("admin")
    response = c.post(
        "/admin/users",
        data={
            "username": "land1",
            "display_name": "国土所 周所长",
            "password": "Bai-yun-19-shan?",
            "department": "land",
            "roles": ["officer"],
        },
    )
    assert response.status_code == 302
    assert 'data-user="land1"' in text_of(c.get("/admin/users"))
    c.post("/logout")
    assert login(client, "land1", "Bai-yun-19-shan?").status_code == 302
    assert "国土所 周所长" in text_of(client.get("/"))


def test_create_user_errors_are_shown(as_user):
    response = as_user("admin").post(
        "/admin/users", data={"username": "bad name!", "password": "short", "roles": ["officer"]}
    )
    assert response.status_code == 422
    html = text_of(response)
    assert "只能使用字母、数字、- 和 _" in html and "至少 10 个字符" in html


def test_a_user_name_taken_already_shows_the_form_again_with_what_was_typed(as_user):
    typed = {"username": "finance1", "display_name": "财政所 新人", "phone": "13800001111", "department": "finance"}
    response = as_user("admin").post(
        "/admin/users", data={**typed, "password": "Bai-yun-19-shan?", "roles": ["officer", "supervisor"]}
    )
    assert response.status_code == 422
    html = text_of(response)
    assert '<p class="field-error" id="username-error" data-field="username">用户名已存在</p>' in html
    form = html.split('id="new-user"')[1]
    assert 'name="username" value="finance1"' in form and 'name="display_name" value="财政所 新人"' in form
    assert 'name="phone" type="tel" value="13800001111"' in form and '<option value="finance" selected' in form
    assert 'value="supervisor" checked' in form and "Bai-yun-19-shan?" not in form  # never the password
    assert "already exists" not in html and "状态已变化" not in html


# what the import refuses, the form refuses too, naming the field (engine.usecases.people)
NEW_USER = {"username": "zhou9", "display_name": "周九", "password": "Bai-yun-19-shan?", "roles": ["officer"]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "张三", "只能使用字母、数字、- 和 _"),
        ("username", "z" * 300, "最多 64 个字符"),
        ("display_name", "", "必填"),
        ("phone", "abc", "abc 不是电话号码"),
        ("email", "not-an-email", "not-an-email 不是电子邮件地址"),
        ("roles", [], "必填"),
    ],
)
def test_the_new_user_form_refuses_what_the_import_refuses(as_user, field, value, message):
    c = as_user("admin")
    response = c.post("/admin/users", data={**NEW_USER, field: value})
    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error" data-field="{field}">{message}' in text_of(response)
    assert 'data-user="zhou9"' not in text_of(c.get("/admin/users"))


def test_the_edit_form_refuses_a_bad_phone_and_keeps_what_was_typed(as_user):
    c = as_user("admin")
    edit = {"display_name": "刘代表", "phone": "abc", "district": "第二选区", "roles": ["deputy"], "active": "true"}
    response = c.post("/admin/users/deputy", data=edit)
    assert response.status_code == 422
    html = text_of(response)
    assert '<p class="field-error" id="phone-error" data-field="phone">abc 不是电话号码' in html
    assert 'name="phone" type="tel" value="abc"' in html and 'value="第二选区"' in html
    response = c.post("/admin/users/deputy", data={**edit, "phone": "", "display_name": " "})
    assert '<p class="field-error" id="display_name-error" data-field="display_name">必填</p>' in text_of(response)


def test_the_password_inputs_say_what_the_server_enforces(as_user):
    c = as_user("admin")
    for page in ("/admin/users", "/admin/users/deputy"):
        html = text_of(c.get(page))
        assert f'minlength="{PASSWORD_MIN_LENGTH}"' in html and f"至少 {PASSWORD_MIN_LENGTH} 个字符" in html
        assert 'minlength="8"' not in html
    assert PASSWORD_MIN_LENGTH == 10


def test_creating_a_user_on_the_command_line_keeps_the_same_rules(runner):
    def create(*args: str):
        return runner.invoke(args=["users", "create", *args, "--password", "Bai-yun-19-shan?", "--operator", "--json"])

    taken = create("finance1", "--name", "又一个", "--role", "officer")
    assert taken.exit_code == 1  # refused input, as the page's 422: not a conflict
    assert json.loads(taken.stderr)["codes"] == {"username": {"code": "username_taken", "params": {}}}
    refused = create("张三", "--phone", "abc", "--role", "officer")
    assert {k: v["code"] for k, v in json.loads(refused.stderr)["codes"].items()} == {
        "username": "letters_digits_only",
        "display_name": "required",
        "phone": "bad_phone",
    }
    done = create("zhou9", "--name", "周九", "--role", "deputy", "--phone", "137 0000 9999", "--district", "第三选区")
    assert done.exit_code == 0, done.stderr
    assert (json.loads(done.output)["phone"], json.loads(done.output)["district"]) == ("13700009999", "第三选区")


def test_change_roles_and_department(client, as_user):
    c = as_user("admin")
    response = c.post(
        "/admin/users/deputy",
        data={
            "display_name": "刘代表",
            "email": "liu@example.org",
            "department": "finance",
            "roles": ["officer", "deputy"],
            "active": "true",
        },
    )
    assert response.status_code == 302
    html = text_of(c.get("/admin/users/deputy"))
    assert 'value="officer" checked' in html and 'value="deputy" checked' in html
    assert '<option value="finance" selected' in html and "liu@example.org" in html
    # the new role counts at once: the deputy may now start processes
    html = text_of(as_user("deputy").get("/start"))
    assert 'data-key="review"' in html


def test_admin_cannot_lock_themselves_out(as_user):
    response = as_user("admin").post("/admin/users/admin", data={"roles": ["officer"], "active": "true"})
    assert response.status_code == 422
    assert 'value="admin" checked' in text_of(as_user("admin").get("/admin/users/admin"))


def test_reset_password(client, as_user):
    c = as_user("admin")
    assert c.post("/admin/users/civil1/password", data={"password": "brand-new-pass"}).status_code == 302
    assert c.post("/admin/users/civil1/password", data={"password": "short"}).status_code == 422
    c.post("/logout")
    assert login(client, "civil1").status_code == 401
    assert login(client, "civil1", "brand-new-pass").status_code == 302


def test_departments(as_user):
    c = as_user("admin")
    assert c.post("/admin/departments", data={"code": "water", "name": "水利站"}).status_code == 302
    assert c.post("/admin/departments", data={"code": "finance", "name": "财政所（新）"}).status_code == 302
    html = text_of(c.get("/admin/departments"))
    assert 'data-code="water"' in html and "水利站" in html and "财政所（新）" in html
    assert c.post("/admin/departments", data={"code": "水利", "name": ""}).status_code == 422


def row_of(html: str, code: str) -> str:
    return html.split(f'data-code="{code}"')[1].split("</tr>")[0]


def test_a_units_head_and_contact_are_active_people_of_that_unit(as_user):
    c = as_user("admin")
    for head, contact, error in (
        ("civil1", "", ("head", "civil1 不是财政所的人员")),  # a user of another unit
        ("", "deputy", ("contact", "deputy 不是财政所的人员")),  # a deputy with no unit
        ("nobody", "", ("head", "没有这个用户：nobody")),
    ):
        response = c.post(
            "/admin/departments", data={"code": "finance", "name": "财政所", "head": head, "contact": contact}
        )
        assert response.status_code == 422
        html = text_of(response)
        assert f'<p class="field-error" id="{error[0]}-error" data-field="{error[0]}">{error[1]}' in html
        assert f'name="{error[0]}" value="{head or contact}"' in html  # the form as typed
        assert '<td data-role="head"></td>' in row_of(html, "finance")  # nothing saved
    saved = {"code": "finance", "name": "财政所", "head": "finance1", "contact": "finance2"}
    assert c.post("/admin/departments", data=saved).status_code == 302
    row = row_of(text_of(c.get("/admin/departments")), "finance")
    # by name (the roster's "finance1 同志"), the user name on hover
    assert '<td data-role="head"><span title="finance1">finance1 同志</span></td>' in row
    assert '<td data-role="contact"><span title="finance2">finance2 同志</span></td>' in row and "<td>2</td>" in row


def test_a_deactivated_contact_is_marked_and_no_longer_counted(as_user):
    c = as_user("admin")
    saved = {"code": "finance", "name": "财政所", "head": "finance1", "contact": "finance2"}
    assert c.post("/admin/departments", data=saved).status_code == 302
    off = {"display_name": "finance2 同志", "department": "finance", "roles": ["officer"]}  # no "active"
    assert c.post("/admin/users/finance2", data=off).status_code == 302
    row = row_of(text_of(c.get("/admin/departments")), "finance")
    assert (
        '<td data-role="contact"><span title="finance2">finance2 同志</span> '
        '<span class="badge muted" data-standing="inactive">已停用</span></td>'
    ) in row
    assert row.endswith("<td>1</td>")  # finance1 only
    # renamed with the head and contact left empty: they stay as they are (the page says so)
    assert c.post("/admin/departments", data={"code": "finance", "name": "财政所（新）"}).status_code == 302
    assert 'data-standing="inactive"' in row_of(text_of(c.get("/admin/departments")), "finance")


def test_the_units_tab_in_english(as_user):
    c = as_user("admin")
    c.get("/lang/en")
    html = text_of(c.get("/admin/departments"))
    assert "<title>Units" in html and 'class="on">Units</a>' in html
    assert ">Unit</th>" in text_of(c.get("/admin/users"))  # a column of one unit each stays singular
    c.get("/lang/zh_CN")
    assert 'class="on">单位</a>' in text_of(c.get("/admin/departments"))


def test_user_list_in_english_joins_roles_with_commas(as_user):
    c = as_user("admin")
    c.get("/lang/en")
    html = text_of(c.get("/admin/users"))
    chair_row = html.split('data-user="chair"')[1].split("</tr>")[0]
    assert "<td>Chair / vice-chair, Officer</td>" in chair_row
    # a unit chosen from the new-user form: its name, then its code in the reader's brackets
    assert '<option value="finance" >财政所 (finance)</option>' in html
    c.get("/lang/zh_CN")
    assert '<option value="finance" >财政所（finance）</option>' in text_of(c.get("/admin/users"))


def test_role_boxes_follow_the_readers_language_after_another_was_rendered(as_user):
    """The role names are read at each render: an imported template's top level is kept from
    its first render, in whichever language that was."""
    c = as_user("admin")
    assert "人大代表</label>" in text_of(c.get("/admin/users/chair"))
    c.get("/lang/en")
    for page in ("/admin/users/chair", "/admin/users"):
        html = text_of(c.get(page))
        assert "Deputy</label>" in html and "人大代表</label>" not in html, page
    c.get("/lang/zh_CN")


def test_the_new_user_form_has_no_role_ticked_until_one_is_chosen(as_user):
    """A deputy created without unticking a preset 办理人员 would have been an officer too."""
    form = text_of(as_user("admin").get("/admin/users")).split('id="new-user"')[1].split("</form>")[0]
    roles = form.split('<fieldset class="roles" id="roles">')[1].split("</fieldset>")[0]
    assert 'name="roles"' in roles and "checked" not in roles


def test_a_new_user_changes_the_password_chosen_for_him_at_the_first_sign_in(client, as_user):
    c = as_user("admin")
    box = '<input type="checkbox" name="must_change" value="true" id="must-change" {}> 首次登录须修改密码'
    form = text_of(c.get("/admin/users")).split('id="new-user"')[1].split("</form>")[0]
    assert box.format("checked") in form
    # shown again with an error, the box keeps what the administrator left in it
    unticked = text_of(c.post("/admin/users", data={**NEW_USER, "display_name": ""}))
    assert box.format("") in unticked
    ticked = text_of(c.post("/admin/users", data={**NEW_USER, "display_name": "", "must_change": "true"}))
    assert box.format("checked") in ticked

    assert c.post("/admin/users", data={**NEW_USER, "must_change": "true"}).status_code == 302
    c.post("/logout")
    assert login(client, "zhou9", NEW_USER["password"]).status_code == 302
    assert client.get("/").headers["Location"] == "/settings#password"  # the change comes first


def test_a_user_created_on_the_command_line_changes_the_password_unless_told_not_to(client, runner):
    def create(username: str, *more: str):
        args = ["users", "create", username, "--name", "周九", "--role", "officer", *more]
        return runner.invoke(args=[*args, "--password", "Bai-yun-19-shan?", "--operator"])

    made = create("zhou9")
    assert made.exit_code == 0, made.stderr
    assert made.output == "created user zhou9; to change the password at the first sign-in\n"
    assert create("zhou10", "--no-must-change").output == "created user zhou10\n"
    assert login(client, "zhou9", "Bai-yun-19-shan?").status_code == 302
    assert client.get("/").headers["Location"] == "/settings#password"
    client.post("/logout")
    assert login(client, "zhou10", "Bai-yun-19-shan?").status_code == 302
    assert client.get("/").status_code == 200
