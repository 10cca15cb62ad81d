"""The English and accessibility walks' findings on the admin pages: a refused admin form's
summary counts what to fix and links each field, every field of the admin forms having an id
to link to; the import's password sheet prints from a button, as the other printable pages do;
the working-day calendar writes its dates 2026-01-04 in English too, its example schedule in
the reader's words; and a person who holds tasks is deactivated only once the administrator,
shown those tasks, confirms it."""

from __future__ import annotations

import re

import lxml.html
import pytest

from engine.usecases import people, tasks
from engine.usecases.context import SYSTEM
from tests.web.conftest import text_of
from tests.web.test_imports import PEOPLE, UNITS, token_of, upload
from tests.world import REVIEW_SUBJECT, act, session_factory_of, start_review


def tree(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.get_data(as_text=True))


def said(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def summary_links(response) -> list[tuple[str, str]]:
    """The refused form's summary: each link's target and text."""
    [summary] = tree(response).xpath("//*[@id='form-errors']")
    return [(a.get("href"), said(a)) for a in summary.xpath(".//li/a")]


def targets_a_field(response, href: str) -> str:
    """The tag of the one field ``href`` (#id) takes the reader to."""
    found = tree(response).xpath(f"//*[@id='{href[1:]}']")
    assert len(found) == 1, href
    return found[0].tag


# -- 1. a refused admin form's summary links each field --------------------------------------------
def test_a_refused_new_user_summary_counts_and_links_each_field(as_user):
    refused = as_user("admin").post(
        "/admin/users",
        data={"username": "finance1", "display_name": "新人", "phone": "abc", "password": "short", "roles": []},
    )
    assert refused.status_code == 422
    [summary] = tree(refused).xpath("//*[@id='form-errors']")
    assert said(summary).startswith("有 4 项需要修改：")
    links = summary_links(refused)
    # in the form's order, each by its label
    assert [href for href, _text in links] == ["#username", "#phone", "#password", "#role-admin"]
    assert links[0] == ("#username", "用户名：用户名已存在")
    assert links[1][1].startswith("电话：abc 不是电话号码")
    assert links[3][1].startswith("角色：")
    for href, _text in links:
        assert targets_a_field(refused, href) == "input"


def test_every_field_of_the_admin_forms_has_an_id_to_link_to(as_user):
    c = as_user("admin")
    for path in ("/admin/users", "/admin/users/finance1", "/admin/departments", "/admin/calendar", "/admin/settings"):
        page = tree(c.get(path))
        fields = page.xpath("//main//form//input[not(@type='hidden')] | //main//form//select | //main//form//textarea")
        assert fields, path
        nameless = [lxml.html.tostring(f, encoding=str)[:80] for f in fields if not f.get("id") and not f.get("hidden")]
        assert nameless == [], path
    imports = tree(c.get("/admin/imports/"))
    assert [f.get("id") for f in imports.xpath("//input[@type='file']")] == [
        "file-units",
        "file-people",
        "file-proposals",
        "file-petitions",
    ]


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        # a user's own page: the roles unticked, the zone unknown
        (
            "/admin/users/finance1",
            {"display_name": "财政所 干事", "active": "true", "timezone": "Mars/Base"},
            [("#role-admin", "角色："), ("#timezone", "时区：")],
        ),
        ("/admin/users/finance1/password", {"password": "short"}, [("#password", "新密码：")]),
        (
            "/admin/departments",
            {"code": "finance", "name": "", "head": "nobody"},
            [("#unit-name", "名称："), ("#unit-head", "负责人（用户名）：")],
        ),
        (
            "/admin/settings",
            {"name": "petition.accept_days", "value": "0"},
            [("#setting-petition.accept_days-value", "")],
        ),
        (
            "/admin/calendar/2027",
            {"schedule": "2027-13-01 元旦", "action": "preview"},
            [("#schedule", "假日：必填"), ("#schedule", "第 1 行：")],
        ),
    ],
)
def test_each_refused_admin_form_links_its_fields(as_user, path, data, expected):
    refused = as_user("admin").post(path, data=data)
    assert refused.status_code == 422
    links = summary_links(refused)
    assert [(href, text[: len(start)]) for (href, text), (_h, start) in zip(links, expected, strict=True)] == expected
    for href, _text in links:
        assert targets_a_field(refused, href) in ("input", "select", "textarea")


# -- 2. the password sheet prints from a button -----------------------------------------------------
def test_the_password_sheet_prints_from_a_button(as_user):
    c = as_user("admin")
    c.post("/admin/imports/units/confirm", data={"token": token_of(upload(c, "units", UNITS))})
    sheet = c.post("/admin/imports/people/confirm", data={"token": token_of(upload(c, "people", PEOPLE))})
    html = text_of(sheet)
    assert '<button type="button" class="link-like" data-print id="print-passwords">打印</button>' in html
    assert 'href="#"' not in html
    assert '<script src="/static/js/print.js" defer></script>' in html


# -- 5. the calendar's dates and example in English -------------------------------------------------
US_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")


def test_the_calendar_writes_its_dates_as_every_page_does_in_english(as_user):
    c = as_user("admin")
    chinese = text_of(c.get("/admin/calendar?year=2026"))
    assert "休息日（由 2026-01-04 调休）" in chinese
    assert 'placeholder="2026-01-01 元旦&#10;2026-02-06..2026-02-13 春节&#10;2026-02-14 调休"' in chinese
    c.get("/lang/en")
    english = text_of(c.get("/admin/calendar?year=2026"))
    # the holidays' names as the package gives them in English, their dates as ours
    assert "Day off (substituted from 2026-01-04)" in english
    assert US_DATE.findall(english) == []
    assert (
        'placeholder="2026-01-01 New Year\'s Day&#10;2026-02-06..2026-02-13 Spring Festival&#10;2026-02-14 working"'
        in english
    )
    # the example as written imports: "working" is a make-up day as 调休 is
    preview = c.post(
        "/admin/calendar/2027",
        data={"schedule": "2027-01-01 New Year's Day\n2027-02-06..2027-02-13 Spring Festival\n2027-02-14 working"},
    )
    assert preview.status_code == 200 and 'id="preview"' in text_of(preview)


# -- 8. deactivating someone who holds tasks --------------------------------------------------------
def held_reply(app) -> str:
    """finance1 holds the reply of a review case."""
    case = start_review(app, "office1")
    [reply] = act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    act(app, "finance1", tasks.claim, reply.task_id)
    return reply.task_id


def is_active(app, username: str) -> bool:
    with session_factory_of(app)() as s:
        return people.get_user(s, SYSTEM, username).active


FINANCE1 = {"display_name": "finance1 同志", "department": "finance", "roles": ["officer"]}


def test_the_users_page_lists_the_tasks_a_person_holds(app, as_user):
    task_id = held_reply(app)
    page = tree(as_user("admin").get("/admin/users/finance1"))
    [held] = page.xpath("//*[@id='held-tasks']")
    assert said(held).startswith("此人签收着 1 项未办完的任务。")
    [link] = held.xpath(".//li/a")
    assert link.get("href") == f"/tasks/{task_id}" and said(link) == "答复"
    assert REVIEW_SUBJECT in said(held) and "期限 2026-12-22 24:00" in said(held)
    # the box that lets them sign in names it
    [active] = page.xpath("//input[@name='active']")
    assert active.get("aria-describedby") == "held-tasks-count"
    # no box to confirm with until a deactivation asks for one
    assert page.xpath("//input[@name='confirm_deactivate']") == []
    # someone who holds none: nothing said
    assert tree(as_user("admin").get("/admin/users/finance2")).xpath("//*[@id='held-tasks']") == []


def test_deactivating_someone_who_holds_tasks_is_confirmed_first(app, as_user):
    task_id = held_reply(app)
    c = as_user("admin")
    asked = c.post("/admin/users/finance1", data={**FINANCE1, "email": "f1@example.org"})  # 允许登录 unticked
    assert asked.status_code == 422
    assert is_active(app, "finance1")  # nothing changed: neither the account nor its e-mail
    with session_factory_of(app)() as s:
        assert people.get_user(s, SYSTEM, "finance1").email is None
    assert summary_links(asked) == [("#confirm-deactivate", "允许登录：此人还签收着 1 项任务，停用前请确认")]
    page = tree(asked)
    [box] = page.xpath("//input[@id='confirm-deactivate']")
    assert box.get("name") == "confirm_deactivate" and box.get("type") == "checkbox"
    # the form as typed: still unticked, the e-mail kept, the task linked
    assert page.xpath("//input[@name='active']")[0].get("checked") is None
    assert page.xpath("//input[@name='email']")[0].get("value") == "f1@example.org"
    assert page.xpath(f"//*[@id='held-tasks']//a[@href='/tasks/{task_id}']")

    confirmed = c.post("/admin/users/finance1", data={**FINANCE1, "confirm_deactivate": "true"})
    assert confirmed.status_code == 302
    assert not is_active(app, "finance1")
    # still theirs, and still said on their page: to hand on
    assert tree(c.get("/admin/users/finance1")).xpath(f"//*[@id='held-tasks']//a[@href='/tasks/{task_id}']")


def test_someone_who_holds_no_task_is_deactivated_at_once(app, as_user):
    held_reply(app)  # finance1's, not finance2's
    c = as_user("admin")
    saved = c.post("/admin/users/finance2", data={**FINANCE1, "display_name": "finance2 同志"})
    assert saved.status_code == 302 and not is_active(app, "finance2")


def test_the_api_and_the_command_line_deactivate_as_asked(app):
    """Their use case (``set_active``) does not ask: they deactivate, as before."""
    held_reply(app)
    act(app, "admin", people.set_active, "finance1", False)
    assert not is_active(app, "finance1")
    with session_factory_of(app)() as s:
        held = people.held_tasks(s, SYSTEM, "finance1")
    assert held.count == 1 and [t.name for t in held.tasks] == ["答复"]
