"""The admin pages: users (create, roles, department, deactivate, password) and departments."""

from __future__ import annotations

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
    assert (
        as_user("admin").post("/admin/users", data={"username": "finance1", "password": "long-enough-1"}).status_code
        == 409
    )


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
