"""The audit log says what an administrative action changed: whom or what it was about and
the values it set (before → after where the entry kept the values before), on the page and
in its download, in the reader's language; never a password or a token's secret, and still
nothing of a case's data."""

from __future__ import annotations

import csv
import io
from datetime import date

from engine.usecases import deadlines, people, sign_in, tokens
from engine.usecases.context import SYSTEM, audit
from tests.web.conftest import text_of
from tests.world import PETITIONER, act, start_petition
from web import database

NEW_PASSWORD = "Lan-hua-77-cun!"


def said_on_page(client, action: str) -> list[str]:
    """The 内容 cells of the page's rows of ``action``, newest first."""
    html = text_of(client.get(f"/audit/?action={action}"))
    return [cell.split("</td>", 1)[0] for cell in html.split("<td data-said>")[1:]]


def said_in_download(client, action: str) -> list[str]:
    lines = list(csv.reader(io.StringIO(client.get(f"/audit/export.csv?action={action}").data.decode("utf-8-sig"))))
    assert lines[0][6] == "内容"
    return [line[6] for line in lines[1:]]


def test_a_user_change_says_whom_and_the_roles_and_unit_before_and_after(app, as_user):
    act(
        app,
        "admin",
        people.update_user,
        "finance1",
        display_name="finance1 同志",
        email="",
        roles=["officer", "supervisor"],
        department="civil_affairs",
        active=True,
    )
    client = as_user("admin")
    expected = "finance1（finance1 同志）：角色 办理人员 → 办理人员、督查；单位 财政所 → 民政办"
    assert said_on_page(client, "update_user") == [expected]
    assert said_in_download(client, "update_user") == [expected]


def test_a_unit_saved_and_a_password_reset_say_what_they_set(app, as_user):
    act(app, "admin", people.save_department, "finance", "财政局", head="finance2")
    act(app, "admin", sign_in.set_password, "finance1", NEW_PASSWORD, must_change=True)
    client = as_user("admin")
    assert said_on_page(client, "save_department") == [
        "finance（财政局）：名称 财政所 → 财政局；负责人 无 → finance2 同志"
    ]
    assert said_on_page(client, "set_password") == ["finance1（finance1 同志）：下次登录须改密码 是"]
    page, download = text_of(client.get("/audit/")), client.get("/audit/export.csv").data.decode("utf-8-sig")
    assert NEW_PASSWORD not in page and NEW_PASSWORD not in download


def test_a_setting_change_says_the_setting_by_name_and_its_value_before(app, as_user):
    act(app, "admin", deadlines.set_setting, "petition.handle_days", "90")
    act(app, "admin", deadlines.reset_setting, "petition.handle_days")
    client = as_user("admin")
    assert said_on_page(client, "setting_set") == ["petition.handle_days（办理并书面答复）：60 → 90"]
    assert said_on_page(client, "setting_reset") == ["petition.handle_days（办理并书面答复）：90 → 60"]
    assert said_in_download(client, "setting_set") == ["petition.handle_days（办理并书面答复）：60 → 90"]
    client.get("/lang/en")
    assert said_on_page(client, "setting_set") == ["petition.handle_days (handle and reply, from acceptance): 60 → 90"]


def test_a_token_is_named_never_its_secret(app, as_user):
    created = act(app, "admin", tokens.create_token, "finance2", "对账脚本", 30)
    client = as_user("admin")
    [said] = said_on_page(client, "create_token")
    assert said.startswith("finance2（finance2 同志）：令牌编号 #") and said.endswith("；令牌 对账脚本；有效期 30 天")
    assert created.secret not in text_of(client.get("/audit/"))
    assert created.secret not in client.get("/audit/export.csv").data.decode("utf-8-sig")


def test_an_older_entry_without_the_values_before_says_the_values_it_set(app, as_user):
    # entries written before the values before were kept: what they set, no arrow
    with database.session_factory(app).begin() as s:
        audit(
            s,
            SYSTEM,
            "update_user",
            data={
                "username": "finance1",
                "roles": ["officer", "supervisor"],
                "department": "civil_affairs",
                "active": False,
                "timezone": None,
            },
        )
        audit(s, SYSTEM, "setting_set", data={"name": "petition.handle_days", "value": 90})
    client = as_user("admin")
    assert said_on_page(client, "update_user") == [
        "finance1（finance1 同志）：角色 办理人员、督查；单位 民政办；状态 停用；时区 默认"
    ]
    assert said_on_page(client, "setting_set") == ["petition.handle_days（办理并书面答复）：90"]
    client.get("/lang/en")
    assert said_on_page(client, "update_user")[0].startswith(
        "finance1 (finance1 同志): Roles Officer, Supervisor; Unit 民政办; Status Inactive"
    )


def test_a_form_saved_as_it_was_is_said_unchanged(app, as_user):
    act(app, "admin", people.save_department, "finance", "财政所")
    assert said_on_page(as_user("admin"), "save_department") == ["finance（财政所）：未改动"]


def test_a_case_entry_still_says_nothing_of_its_data_and_the_page_says_where_it_is(app, as_user):
    start_petition(app, "office1")  # the petitioner's name and phone: confidential
    client = as_user("supervisor")
    assert said_on_page(client, "start") == [""]
    page, download = text_of(client.get("/audit/")), client.get("/audit/export.csv").data.decode("utf-8-sig")
    for secret in PETITIONER.values():
        assert secret not in page and secret not in download
    assert "操作的具体内容见各案件的办理记录" not in page
    assert "管理操作（用户、单位、期限设置、工作日历、令牌、流程、登录和导入）列出对象和改动" in page


def test_a_calendar_day_a_failed_sign_in_and_a_deploy_say_what_they_were(app, as_user, client):
    act(app, "admin", deadlines.set_calendar_day, date(2027, 2, 14), True, "调休")
    client.post("/login", data={"username": "finance1", "password": "not-the-password"})
    reader = as_user("admin")
    assert said_on_page(reader, "calendar_set") == ["2027-02-14：上班；说明 调休"]
    assert said_on_page(reader, "sign_in_failed") == ["密码不正确"]
    assert sorted(said_on_page(reader, "deploy")) == [  # the world's processes
        "petition_min：版本 v1；文件 petition_min.bpmn",
        "review：版本 v1；文件 review.bpmn",
    ]


def test_a_rename_an_email_and_a_time_zone_changed_say_before_and_after(app, as_user):
    act(
        app,
        "admin",
        people.update_user,
        "finance1",
        display_name="钱会计",
        email="qian@example.cn",
        roles=["officer"],
        department="finance",
        active=True,
        timezone="Asia/Urumqi",
    )
    client = as_user("admin")
    assert said_on_page(client, "update_user") == [
        "finance1（钱会计）：姓名 finance1 同志 → 钱会计；邮箱 无 → qian@example.cn；时区 默认 → Asia/Urumqi"
    ]
