"""系统管理 → 工作日历 and 期限设置: each day with its source, the warning while pending due dates
fall in an estimated year, entering a year's schedule (preview, then 保存), the settings with
their bounds and errors; in Chinese and English, for administrators only."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.deadlines.calendar import LOCAL_TZ
from engine.usecases import cases
from engine.usecases.context import SYSTEM
from storage.models import CalendarDay, Setting
from tests.web.conftest import text_of
from tests.world import PASSWORD, deploy
from web import database

SCHEDULE_2027 = "\n".join(
    [
        "2027-01-01 元旦",
        "2027-02-06..2027-02-13 春节",
        "2027-02-14 调休",
        "2027-05-01..2027-05-05 劳动节",
        "2027-05-08 调休",
        "2027-10-01..2027-10-07 国庆节",
    ]
)


def due_in_2027(app, day: int = 11) -> int:
    """A case whose task is due 2027-02-<day> 09:00 (an estimated year)."""
    deploy(app, "deadline.bpmn")
    with database.session_factory(app).begin() as s:
        detail = cases.start_instance(
            s,
            SYSTEM,
            "deadline",
            {
                "wait_until": "2026-12-01T09:00:00+08:00",
                "handle_due": datetime(2027, 2, day, 9, tzinfo=LOCAL_TZ).isoformat(),
            },
        )
    return detail.id


def stored_days(app):
    with database.session_factory(app)() as s:
        return [
            (r.day.isoformat(), r.is_working, r.note) for r in s.scalars(select(CalendarDay).order_by(CalendarDay.day))
        ]


def test_the_calendar_shows_each_days_source(as_user):
    c = as_user("admin")
    html = text_of(c.get("/admin/calendar?year=2025"))
    assert "工作日历" in html and 'data-day="2025-10-01"' in html
    assert 'data-day="2025-10-01" data-working="false"' in html and "国庆节" in html
    assert 'data-source="official"' in html and "官方" in html and 'data-source="estimate"' not in html
    html = text_of(c.get("/admin/calendar?year=2027"))
    assert 'data-source="estimate"' in html and "估算" in html
    assert "尚未公布或尚未录入" in html
    assert 'data-day="2027-03-03"' not in html  # an ordinary day is not listed
    c.get("/lang/en")
    english = text_of(c.get("/admin/calendar?year=2025"))
    assert "Working-day calendar" in english and "National Day" in english and "Official" in english
    assert "工作日历" not in english and "官方" not in english


def test_the_default_year_is_this_year(as_user):
    html = text_of(as_user("admin").get("/admin/calendar"))
    assert '<option value="2026" selected' in html


def test_the_page_warns_while_due_dates_fall_in_an_estimated_year(app, as_user):
    due_in_2027(app)
    c = as_user("admin")
    html = text_of(c.get("/admin/calendar?year=2026"))
    assert 'class="flash error estimate-warning"' in html and 'data-year="2027"' in html
    assert "2027 年的放假安排还只是估算" in html and "1 项任务、2 个定时器" in html
    c.get("/lang/en")
    english = text_of(c.get("/admin/calendar?year=2026"))
    assert "only an estimate" in english and "tasks: 1, timers: 2" in english


def test_preview_then_save_a_years_schedule(app, as_user):
    case = due_in_2027(app)
    c = as_user("admin")
    preview = c.post("/admin/calendar/2027", data={"schedule": SCHEDULE_2027, "action": "preview"})
    assert preview.status_code == 200
    html = text_of(preview)
    assert "预览（尚未保存）" in html and 'id="save-form"' in html and "保存" in html
    assert 'id="changed-days"' in html and '<tr data-day="2027-02-11">' in html
    assert 'data-what="task"' in html and f"/cases/{case}" in html  # due on a day that becomes a holiday
    assert "已经算好的到期时间不会改变" in html
    assert stored_days(app) == []  # the preview saved nothing
    saved = c.post("/admin/calendar/2027", data={"schedule": SCHEDULE_2027, "action": "save"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/admin/calendar?year=2027")
    assert ("2027-02-11", False, "春节") in stored_days(app)
    html = text_of(c.get("/admin/calendar?year=2027"))
    assert "已录入 2027 年的放假安排" in html
    # its reminder, 3 working days before Thursday 11th: Tue 2nd on the estimate, Wed 3rd now that
    # Friday 5th is a working day and the 11th a holiday
    assert "1 条待发的到期提醒已按新安排重新计算时间" in html
    assert 'data-source="administrator"' in html and "管理员录入" in html
    assert "estimate-warning" not in html
    # the form shows the year's entries as lines again
    assert "2027-02-06..2027-02-13 春节" in html and "2027-02-14 调休" in html


def test_schedule_errors_are_said_by_line_in_the_readers_language(app, as_user):
    c = as_user("admin")
    response = c.post("/admin/calendar/2027", data={"schedule": "2027-02-15 调休\nhello", "action": "save"})
    assert response.status_code == 422
    html = text_of(response)
    assert "第 1 行：2027-02-15 是工作日，本来就上班；请注明原因" in html
    assert "第 2 行：" in html and "假日：必填" in html
    assert "hello</textarea>" in html  # what was typed stays
    assert stored_days(app) == []
    c.get("/lang/en")
    english = text_of(c.post("/admin/calendar/2027", data={"schedule": "2026-12-31 元旦", "action": "preview"}))
    # the line's number, then the message as a sentence of its own, linking the schedule's box
    assert re.search(r'<li><a href="#schedule">Line 1: [Mm]ust be a day of 2027\.?</a></li>', english)


def test_the_settings_page_lists_values_bounds_and_defaults(app, as_user, frozen_clock):
    with database.session_factory(app).begin() as s:
        s.add(Setting(name="petition.handle_days", value="100000", updated_by="old", updated_at=frozen_clock))
    c = as_user("admin")
    html = text_of(c.get("/admin/settings"))
    assert "期限设置" in html and 'data-setting="petition.accept_days"' in html
    assert 'data-bounds="1..365"' in html and "信访事项是否受理告知" in html and "15 天" in html
    assert "存储的值 100000 超出范围，按 365 执行" in html
    c.get("/lang/en")
    english = text_of(c.get("/admin/settings"))
    assert "Deadline settings" in english and "decide whether to accept and tell the petitioner" in english
    assert "15 days" in english and "out of range" in english
    # counted as English counts: one month, three months (Chinese says 个月 alike)
    cohandling = english.split('data-setting="proposal.cohandling_months"', 1)[1].split("</tr>", 1)[0]
    assert "<strong data-value>1</strong> month </td>" in cohandling and "<td>1 month</td>" in cohandling
    assert "1–24 months</td>" in cohandling and "1 months" not in english


def test_settings_are_changed_and_errors_shown_in_the_readers_language(app, as_user):
    c = as_user("admin")
    ok = c.post("/admin/settings", data={"name": "petition.accept_days", "value": "20", "action": "set"})
    assert ok.status_code == 302
    page = text_of(c.get("/admin/settings"))
    row = page.split('data-setting="petition.accept_days"', 1)[1].split("</tr>", 1)[0]
    assert "<small>admin 同志 修改于 " in row  # who changed it, by name
    assert 'aria-label="信访事项是否受理告知"' in row  # the box is read out by what it sets
    with database.session_factory(app)() as s:
        assert s.get(Setting, "petition.accept_days").value == "20"
    for value, chinese, english in (
        ("0", "不能小于 1", "Must not be less than 1."),
        ("100000", "不能大于 365", "Must not be more than 365."),
    ):
        c.get("/lang/zh_CN")
        refused = c.post("/admin/settings", data={"name": "petition.accept_days", "value": value})
        assert refused.status_code == 422 and chinese in text_of(refused)
        c.get("/lang/en")
        refused = c.post("/admin/settings", data={"name": "petition.accept_days", "value": value})
        assert refused.status_code == 422 and english in text_of(refused)
    with database.session_factory(app)() as s:
        assert s.get(Setting, "petition.accept_days").value == "20"
    reset = c.post("/admin/settings", data={"name": "petition.accept_days", "action": "reset"})
    assert reset.status_code == 302
    with database.session_factory(app)() as s:
        assert s.get(Setting, "petition.accept_days") is None


def test_the_admin_nav_links_both_pages(as_user):
    html = text_of(as_user("admin").get("/admin/users"))
    assert 'href="/admin/calendar"' in html and 'href="/admin/settings"' in html


@pytest.mark.parametrize("username", ["office1", "supervisor", "designer", "deputy"])
def test_others_are_refused(app, as_user, username):
    c = as_user(username)
    assert c.get("/admin/calendar").status_code == 403
    assert c.post("/admin/calendar/2027", data={"schedule": SCHEDULE_2027, "action": "save"}).status_code == 403
    assert c.get("/admin/settings").status_code == 403
    assert c.post("/admin/settings", data={"name": "petition.accept_days", "value": "20"}).status_code == 403
    assert stored_days(app) == []


def test_signed_out_is_sent_to_sign_in(client):
    assert client.get("/admin/calendar").headers["Location"].startswith("/login")
    assert client.get("/admin/settings").headers["Location"].startswith("/login")


def test_the_forms_need_the_csrf_token(db_url, make_app, app):
    strict = make_app(db_url, instance="csrf-instance", csrf=True)
    client = strict.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 2  # sign-out and the schedule form
    assert client.post("/admin/calendar/2027", data={"schedule": SCHEDULE_2027, "action": "save"}).status_code == 400
    assert client.post("/admin/settings", data={"name": "petition.accept_days", "value": "20"}).status_code == 400
    assert stored_days(app) == []
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    saved = client.post("/admin/calendar/2027", data={"schedule": SCHEDULE_2027, "action": "save", "csrf_token": token})
    assert saved.status_code == 302 and stored_days(app)
    assert 'name="csrf_token"' in client.get("/admin/settings").get_data(as_text=True)


def test_a_day_that_does_not_exist_is_said_so_not_as_a_wrong_format(app, as_user):
    """2027-02-30 is written right and is no day: said so, unlike a date written wrong."""
    from engine.errors import InvalidData
    from engine.usecases.deadlines import parse_schedule

    with pytest.raises(InvalidData) as info:
        parse_schedule(2027, "2027-01-01 元旦\n2027-02-30 春节\n2027-05-01..2027-05-32 劳动节\n2027/10/01 国庆节")
    assert {k: (e.code, e.params) for k, e in info.value.codes.items()} == {
        "lines.2": ("no_such_date", {"day": "2027-02-30"}),
        "lines.3": ("no_such_date", {"day": "2027-05-32"}),
        "lines.4": ("calendar_line", {}),
    }
    c = as_user("admin")
    response = c.post("/admin/calendar/2027", data={"schedule": "2027-02-30 春节", "action": "preview"})
    assert response.status_code == 422
    html = text_of(response)
    assert "第 1 行：没有 2027-02-30 这一天，请检查月份和日期" in html and "日期格式应为" not in html
    c.get("/lang/en")
    english = text_of(c.post("/admin/calendar/2027", data={"schedule": "2027-02-30 春节", "action": "preview"}))
    assert "Line 1: There is no day 2027-02-30: check the month and the day." in english
