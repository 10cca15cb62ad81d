"""QA walk A's follow-ups on the admin pages: a refused admin form (a user, a unit, the calendar's
schedule, a deadline setting) opens on the error summary the task and start forms open on; the
addresses the admin forms post to open their page when reloaded instead of answering 405; a
403 names the permission the page needs (the calendar's and the settings' admin.settings, the
ledger's case.import); the calendar page speaks plainly to administrators."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from tests.web.conftest import text_of

# the summary's markup, as tasks/show.html and start/form.html have it
SUMMARY = '<div class="flash error" role="alert" id="form-errors" tabindex="-1" autofocus>'


def summaries(html: str) -> int:
    return html.count('id="form-errors"')


def before(html: str, first: str, then: str) -> bool:
    """``first`` comes before ``then`` in ``html`` (both there)."""
    return first in html and then in html and html.index(first) < html.index(then)


# -- a refused form opens on its error summary ----------------------------------------------------
def test_a_refused_new_user_opens_on_the_summary_above_the_form(as_user):
    c = as_user("admin")
    assert summaries(text_of(c.get("/admin/users"))) == 0
    response = c.post(
        "/admin/users",
        data={"username": "finance1", "display_name": "新人", "password": "Bai-yun-19-shan?", "roles": ["officer"]},
    )
    assert response.status_code == 422
    html = text_of(response)
    # what to fix counted, each a link to its field (the task forms' summary)
    assert summaries(html) == 1 and f"{SUMMARY}有 1 项需要修改：" in html
    assert '<li><a href="#username">用户名：用户名已存在</a></li>' in html
    # at the top of the new-user form, under its heading: not among the user list
    assert before(html, "新建用户</h2>", SUMMARY) and before(html, SUMMARY, 'id="new-user"')
    assert before(html, 'id="users"', SUMMARY)


def test_a_users_page_opens_on_the_summary_of_the_form_refused(as_user):
    c = as_user("admin")
    assert summaries(text_of(c.get("/admin/users/finance1"))) == 0
    refused = c.post("/admin/users/finance1", data={"display_name": "财政所 干事", "active": "true"})  # no role
    assert refused.status_code == 422
    html = text_of(refused)
    assert summaries(html) == 1 and before(html, SUMMARY, 'id="edit-user"') and before(html, SUMMARY, "重设密码</h2>")

    refused = c.post("/admin/users/finance1/password", data={"password": "short"})
    assert refused.status_code == 422
    html = text_of(refused)
    # the password form's own summary, under its heading, not the user form's above
    assert summaries(html) == 1 and before(html, "重设密码</h2>", SUMMARY)
    assert before(html, 'id="edit-user"', SUMMARY)


def test_a_refused_unit_opens_on_the_summary_above_the_form(as_user):
    c = as_user("admin")
    assert summaries(text_of(c.get("/admin/departments"))) == 0
    refused = c.post("/admin/departments", data={"code": "finance", "name": "财政所", "head": "nobody"})
    assert refused.status_code == 422
    html = text_of(refused)
    assert summaries(html) == 1 and f"{SUMMARY}有 1 项需要修改：" in html
    assert '<li><a href="#unit-head">负责人（用户名）：' in html
    assert before(html, 'id="departments"', SUMMARY) and before(html, SUMMARY, 'id="department-form"')


def test_a_refused_schedule_opens_on_the_summary_listing_its_lines(app, as_user):
    c = as_user("admin")
    assert summaries(text_of(c.get("/admin/calendar?year=2027"))) == 0
    schedule = "2027-13-01 元旦\n2026-05-01 劳动节\n2027-05-05..2027-05-01 劳动节"
    for action in ("preview", "save"):
        refused = c.post("/admin/calendar/2027", data={"schedule": schedule, "action": action})
        assert refused.status_code == 422
        html = text_of(refused)
        assert summaries(html) == 1 and SUMMARY + "有 3 项需要修改：" in html
        summary = html.split(SUMMARY, 1)[1].split("</div>", 1)[0]
        # each line's problem a link to the schedule's box, which holds the line
        assert '<a href="#schedule">第 1 行：' in summary and '<a href="#schedule">第 3 行：' in summary
        assert '<a href="#schedule">第 2 行：应是 2027 年内的日期' in summary
        # under the year's table, at the top of the schedule form
        assert before(html, 'id="special-days"', SUMMARY) and before(html, SUMMARY, 'id="schedule-form"')


def test_a_refused_setting_opens_on_the_summary_naming_it_and_linking_its_row(as_user):
    c = as_user("admin")
    assert summaries(text_of(c.get("/admin/settings"))) == 0
    refused = c.post("/admin/settings", data={"name": "petition.accept_days", "value": "0"})
    assert refused.status_code == 422
    html = text_of(refused)
    assert summaries(html) == 1 and SUMMARY + "有 1 项需要修改：" in html
    summary = html.split(SUMMARY, 1)[1].split("</div>", 1)[0]
    # a link to the row's own input, which takes the focus there
    assert re.search(r'<a href="#setting-petition\.accept_days-value">[^<]+：不能小于 1</a>', summary), summary
    assert 'id="setting-petition.accept_days-value"' in html
    assert before(html, SUMMARY, 'id="settings"')
    # a setting no row has: its message in the summary, nothing to link
    unknown = text_of(c.post("/admin/settings", data={"name": "no.such", "value": "3"}))
    summary = unknown.split(SUMMARY, 1)[1].split("</div>", 1)[0]
    assert "<li>" in summary and "<a " not in summary


# -- the addresses forms post to, reopened -------------------------------------------------------
@pytest.mark.parametrize(
    "address, page",
    [
        ("/admin/imports/people", "/admin/imports/"),
        ("/admin/imports/units", "/admin/imports/"),
        ("/admin/imports/people/confirm", "/admin/imports/"),
        ("/admin/imports/units/confirm", "/admin/imports/"),
        ("/admin/imports/ledger/proposals", "/admin/imports/#ledger"),
        ("/admin/imports/ledger/proposals/confirm", "/admin/imports/#ledger"),
        ("/admin/imports/ledger/petitions/confirm", "/admin/imports/#ledger"),
        ("/admin/calendar/2027", "/admin/calendar?year=2027"),
        ("/admin/users/finance1/password", "/admin/users/finance1"),
    ],
)
def test_the_address_a_form_posted_to_opens_its_page(as_user, address, page):
    c = as_user("admin")
    reopened = c.get(address)
    assert reopened.status_code == 303 and reopened.headers["Location"] == page
    assert c.get(address, follow_redirects=True).status_code == 200


def test_a_reopened_address_is_closed_as_its_page_is(as_user):
    c = as_user("deputy")
    assert c.get("/admin/imports/people/confirm").status_code == 403
    assert c.get("/admin/calendar/2027").status_code == 403
    assert c.get("/admin/users/finance1/password").status_code == 403


# -- a refusal names the permission the page needs -----------------------------------------------
def refusal(response) -> str:
    return html_lib.unescape(text_of(response)).split('class="card narrow error-page"', 1)[1].split("</section>")[0]


@pytest.mark.parametrize("username", ["deputy", "finance1"])
@pytest.mark.parametrize(
    "path, permission",
    [
        ("/admin/calendar", "工作日历和期限设置"),
        ("/admin/calendar?year=2027", "工作日历和期限设置"),
        ("/admin/settings", "工作日历和期限设置"),
        ("/admin/imports/ledger/petitions/export.xlsx", "按台账导入案件"),
        ("/admin/imports/ledger/proposals/template.xlsx", "按台账导入案件"),
        ("/admin/users", "管理用户和单位"),
        ("/admin/departments", "管理用户和单位"),
        ("/admin/imports/", "管理用户和单位"),
        ("/admin/imports/people/export.xlsx", "管理用户和单位"),
    ],
)
def test_a_refused_admin_page_names_the_permission_it_needs(as_user, username, path, permission):
    refused = as_user(username).get(path)
    assert refused.status_code == 403
    assert f"您没有“{permission}”的权限。" in refusal(refused)


def test_a_refused_post_names_it_too(as_user):
    c = as_user("deputy")
    refused = c.post("/admin/settings", data={"name": "petition.accept_days", "value": "20"})
    assert refused.status_code == 403 and "您没有“工作日历和期限设置”的权限。" in refusal(refused)
    refused = c.post("/admin/calendar/2027", data={"schedule": "2027-01-01 元旦", "action": "save"})
    assert refused.status_code == 403 and "您没有“工作日历和期限设置”的权限。" in refusal(refused)


def test_the_admin_area_sends_an_administrator_on_and_refuses_others(as_user):
    assert as_user("admin").get("/admin/").headers["Location"] == "/admin/users"
    c = as_user("deputy")
    assert c.get("/admin/", follow_redirects=True).status_code == 403


# -- the calendar page in plain words ------------------------------------------------------------
def test_the_calendar_page_does_not_speak_of_a_software_package(app, as_user):
    c = as_user("admin")
    for year in (2025, 2027):  # official, estimated
        html = text_of(c.get(f"/admin/calendar?year={year}"))
        assert "holidays" not in html and "软件包" not in html, year
    assert "下表是按规则推算的估算" in text_of(c.get("/admin/calendar?year=2027"))
    c.post("/admin/calendar/2027", data={"schedule": "2027-01-01 元旦", "action": "save"})
    html = text_of(c.get("/admin/calendar?year=2027"))
    assert "未录入的日期按规则推算。" in html and "holidays" not in html


def test_holidays_of_one_day_are_listed_with_the_chinese_comma(as_user):
    c = as_user("admin")
    row = text_of(c.get("/admin/calendar?year=2031")).split('data-day="2031-10-01"', 1)[1].split("</tr>", 1)[0]
    assert "中秋节、国庆节" in row and ";" not in row
    c.get("/lang/en")
    row = text_of(c.get("/admin/calendar?year=2031")).split('data-day="2031-10-01"', 1)[1].split("</tr>", 1)[0]
    assert "Mid-Autumn Festival, National Day" in row and ";" not in row


@pytest.mark.parametrize("year", [2026, 2028])
def test_the_schedules_examples_are_of_the_year_shown(as_user, year):
    html = text_of(as_user("admin").get(f"/admin/calendar?year={year}"))
    hint = html.split(f"录入 {year} 年放假安排</h2>", 1)[1].split("</p>", 1)[0]
    assert f"“{year}-02-06..{year}-02-13 春节”" in hint and f"“{year}-02-14 调休”" in hint
    assert "2027" not in hint


def test_a_year_out_of_range_is_named_in_the_readers_words(as_user):
    c = as_user("admin")
    refused = c.get("/admin/calendar?year=99999")
    assert refused.status_code == 422
    said = re.sub(r"<[^>]+>", " ", refusal(refused))  # what it reads, not its markup
    assert "年份：不能大于 2099" in said and "year" not in said
    c.get("/lang/en")
    assert "Year: " in refusal(c.get("/admin/calendar?year=99999"))
