"""My settings: each person reads dates in their own time zone (Asia/Shanghai by default);
an administrator may set anyone's. Everything is stored in UTC: only the showing changes."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.usecases import tasks
from storage.models import User, WorkItem
from tests.web.conftest import text_of
from tests.world import PASSWORD, act, start_review
from web import database

NEW_YORK = "America/New_York"


def stored_zone(app, username: str) -> str | None:
    with database.session_factory(app)() as s:
        return s.scalar(select(User.timezone).where(User.username == username))


def shown(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def test_default_is_beijing_time(app, as_user, frozen_clock):
    case = start_review(app, "office1")  # started at 01:00 UTC = 09:00 in Beijing
    c = as_user("office1")
    html = text_of(c.get(f"/cases/{case.id}"))
    assert "2026-12-07 09:00" in html and "2026-12-07 01:00" not in html
    page = text_of(c.get("/settings"))
    assert '<option value="Asia/Shanghai" selected>' in page
    # the Chinese zones come first, then the rest
    offered = re.findall(r'<option value="([^"]+)"', page)
    assert offered[:5] == ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Asia/Urumqi"]
    assert NEW_YORK in offered and "localtime" not in offered
    # the others by the place they are named for, in the reader's language
    assert ">美国（纽约）时间（America/New_York）</option>" in page
    c.get("/lang/en")
    english = text_of(c.get("/settings"))
    assert ">United States (New York) Time (America/New_York)</option>" in english


def test_chosen_zone_is_used_on_every_page_for_that_person_only(app, as_user, frozen_clock):
    case = start_review(app, "office1")
    c = as_user("office1")
    response = c.post("/settings", data={"timezone": NEW_YORK})
    assert response.status_code == 302 and response.headers["Location"] == "/settings"
    assert stored_zone(app, "office1") == NEW_YORK
    page = text_of(c.get("/settings"))
    assert f'<option value="{NEW_YORK}" selected>' in page and "已保存" in page
    html = text_of(c.get(f"/cases/{case.id}"))
    assert "2026-12-06 20:00" in html and "2026-12-07 09:00" not in html  # 01:00 UTC in New York
    # the next task's due date (the inbox, the task and the case page) and the due date the
    # process computed into a variable ("...+08:00") are shown in New York time as well
    (reply,) = act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "office"})
    with database.session_factory(app)() as s:
        due = s.scalar(select(WorkItem.due_at).where(WorkItem.task_id == reply.task_id))
    for url in ("/?tab=group", f"/tasks/{reply.task_id}", f"/cases/{case.id}"):
        html = text_of(c.get(url))
        assert shown(due, NEW_YORK) in html and shown(due, "Asia/Shanghai") not in html, url
    assert re.search(rf'data-var="reply_due">{shown(due, NEW_YORK)}<', text_of(c.get(f"/cases/{case.id}")))
    # someone else still reads Beijing time
    assert "2026-12-07 09:00" in text_of(as_user("office2").get(f"/cases/{case.id}"))


def test_unknown_zone_is_refused_and_nothing_is_stored(app, as_user, frozen_clock):
    case = start_review(app, "office1")
    c = as_user("office1")
    c.post("/settings", data={"timezone": "Asia/Tokyo"})
    response = c.post("/settings", data={"timezone": "Mars/Olympus_Mons"})
    assert response.status_code == 422
    assert "没有这个时区" in text_of(response)
    assert stored_zone(app, "office1") == "Asia/Tokyo"
    assert "2026-12-07 10:00" in text_of(c.get(f"/cases/{case.id}"))  # still Tokyo


def test_the_page_speaks_english_too(app, as_user):
    c = as_user("office1")
    c.get("/lang/en")
    html = text_of(c.get("/settings"))
    assert "My settings" in html and "Time zone" in html and "Beijing time" in html
    assert "There is no such time zone" in text_of(c.post("/settings", data={"timezone": "Nowhere"}))


def test_settings_need_sign_in_and_are_linked_from_the_header(client, as_user):
    assert client.get("/settings").headers["Location"].startswith("/login")
    assert client.post("/settings", data={"timezone": NEW_YORK}).status_code == 302
    html = text_of(as_user("deputy").get("/"))
    assert 'href="/settings"' in html


def test_saving_without_csrf_token_is_refused(db_url, make_app, app):
    strict = make_app(db_url, instance="csrf-instance", csrf=True)
    client = strict.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    assert (
        client.post("/login", data={"username": "office1", "password": PASSWORD, "csrf_token": token}).status_code
        == 302
    )
    refused = client.post("/settings", data={"timezone": NEW_YORK})
    assert refused.status_code == 400 and "安全令牌" in text_of(refused)
    assert stored_zone(app, "office1") is None
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/settings").get_data(as_text=True))[1]
    assert client.post("/settings", data={"timezone": NEW_YORK, "csrf_token": token}).status_code == 302
    assert stored_zone(app, "office1") == NEW_YORK


def edit(username: str, **changes: str) -> dict:
    """The admin user form as the browser sends it."""
    return {
        "display_name": f"{username} 同志",
        "department": "finance",
        "roles": ["officer"],
        "active": "true",
        **changes,
    }


def test_admin_sets_another_users_zone(app, as_user, frozen_clock):
    case = start_review(app, "office1")
    admin = as_user("admin")
    page = text_of(admin.get("/admin/users/finance1"))
    assert '<option value="" selected>默认（Asia/Shanghai）</option>' in page
    assert admin.post("/admin/users/finance1", data=edit("finance1", timezone=NEW_YORK)).status_code == 302
    assert stored_zone(app, "finance1") == NEW_YORK
    assert f'<option value="{NEW_YORK}" selected>' in text_of(admin.get("/admin/users/finance1"))
    # a form without the field (an older page) leaves it as it is; "" goes back to the default
    assert admin.post("/admin/users/finance1", data=edit("finance1")).status_code == 302
    assert stored_zone(app, "finance1") == NEW_YORK
    bad = admin.post("/admin/users/finance1", data=edit("finance1", timezone="Nowhere/Land"))
    assert bad.status_code == 422 and "没有这个时区" in text_of(bad)
    assert stored_zone(app, "finance1") == NEW_YORK
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    assert "2026-12-06 20:00" in text_of(as_user("finance1").get(f"/cases/{case.id}"))
    assert as_user("admin").post("/admin/users/finance1", data=edit("finance1", timezone="")).status_code == 302
    assert stored_zone(app, "finance1") is None


def test_non_admin_cannot_set_someone_elses_zone(app, as_user):
    c = as_user("office1")
    assert c.post("/admin/users/finance1", data=edit("finance1", timezone=NEW_YORK)).status_code == 403
    assert stored_zone(app, "finance1") is None
    # and "my settings" only ever changes one's own
    c.post("/settings", data={"timezone": NEW_YORK, "username": "finance1"})
    assert stored_zone(app, "finance1") is None and stored_zone(app, "office1") == NEW_YORK
