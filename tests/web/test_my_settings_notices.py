"""我的设置: the language one reads the pages and one's notification e-mails in, and whether
notifications are e-mailed at all (off: only 消息 shows them, 督办 included). The header's
language button remembers the language on the account too (a language link, a GET, switches
only the browser), and a sign-in opens in it; the
scheduler's outbox writes each e-mail in its recipient's language.

The clock stands at Monday 2026-12-07 09:00 in Beijing (01:00 UTC)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from engine.notifications import texts
from engine.usecases import notifications as notes
from storage.enums import NotificationKind
from storage.models import AuditEntry, User
from tests.integration.test_notifications import Inbox, serving
from tests.web.conftest import text_of
from tests.world import PASSWORD
from web import database
from web.i18n import DEFAULT_LANGUAGE, LANGUAGES
from web.notification_texts import mail_languages
from web.scheduling import make_service

CHECKBOX = re.compile(r'<input type="checkbox" name="email_notices" value="1" id="email-notices" ?(checked)?>')


def stored(app, username: str) -> tuple[str | None, bool]:
    with database.session_factory(app)() as s:
        found = s.execute(select(User.language, User.email_notices).where(User.username == username)).one()
    return found.language, found.email_notices


def token_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found[1]


def chosen_language(page: str) -> str:
    found = re.search(r'<option value="(\w+)" lang="[\w-]+" selected>', page)
    assert found is not None, "no language chosen on the page"
    return found[1]


def audited(app, action: str) -> int:
    with database.session_factory(app)() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)) or 0


def test_the_page_saves_the_language_and_the_email_switch_in_chinese_and_in_english(make_world):
    app = make_world(csrf=True, SMTP_HOST="127.0.0.1", SMTP_PORT="2525")
    with database.session_factory(app).begin() as s:
        s.execute(update(User).where(User.username == "office1").values(email="office1@renda.example.org"))
    client = app.test_client()
    token = token_of(client.get("/login").get_data(as_text=True))
    assert (
        client.post("/login", data={"username": "office1", "password": PASSWORD, "csrf_token": token}).status_code
        == 302
    )

    page = text_of(client.get("/settings"))
    assert chosen_language(page) == "zh_CN"  # never chosen: Chinese, which it is
    assert CHECKBOX.search(page)[1] == "checked"
    assert "关闭后，所有通知（督办也在内）只在“消息”中显示，不再发送邮件；流程中设计的邮件照常发送。" in page
    # without the form's token nothing is saved
    refused = client.post("/settings", data={"timezone": "", "language": "en", "email_notices": ["0"]})
    assert refused.status_code == 400 and stored(app, "office1") == (None, True)

    # Chinese page: English, and e-mail off (the hidden "0" alone: the box unticked)
    saved = client.post(
        "/settings", data={"timezone": "", "language": "en", "email_notices": ["0"], "csrf_token": token_of(page)}
    )
    assert saved.status_code == 302 and saved.headers["Location"] == "/settings"
    assert stored(app, "office1") == ("en", False)
    page = text_of(client.get("/settings"))
    assert '<html lang="en">' in page  # the pages follow the language chosen
    assert chosen_language(page) == "en" and CHECKBOX.search(page)[1] is None
    assert "data-email-off" in page  # the address's line says no e-mail comes

    # English page: back to Chinese, e-mail on
    saved = client.post(
        "/settings",
        data={"timezone": "", "language": "zh_CN", "email_notices": ["0", "1"], "csrf_token": token_of(page)},
    )
    assert saved.status_code == 302 and stored(app, "office1") == ("zh_CN", True)
    page = text_of(client.get("/settings"))
    assert '<html lang="zh-CN">' in page and "已保存" in page
    assert chosen_language(page) == "zh_CN" and CHECKBOX.search(page)[1] == "checked"
    assert audited(app, "set_language") == 2 and audited(app, "set_email_notices") == 2


def test_a_form_without_them_leaves_them_alone_and_a_forged_language_is_refused(app, as_user):
    c = as_user("office1")
    c.post("/settings", data={"timezone": "", "language": "en", "email_notices": ["0"]})
    assert c.post("/settings", data={"timezone": "Asia/Tokyo"}).status_code == 302  # a script's: zone only
    assert stored(app, "office1") == ("en", False)
    refused = c.post("/settings", data={"timezone": "Mars/Olympus_Mons", "language": "fr", "email_notices": ["0", "1"]})
    assert refused.status_code == 422
    page = text_of(refused)
    assert "No such language: fr. Choose one from the list." in page  # the pages read English by now
    assert "There is no such time zone; please choose one from the list." in page  # both said at once
    assert stored(app, "office1") == ("en", False)  # nothing of it stored
    with database.session_factory(app)() as s:
        assert s.scalar(select(User.timezone).where(User.username == "office1")) == "Asia/Tokyo"
    assert CHECKBOX.search(page)[1] == "checked"  # the form as typed


def test_the_language_button_remembers_the_language_and_a_sign_in_opens_in_it(make_world):
    app = make_world(csrf=True)
    app.test_client().get("/lang/en")  # nobody signed in: only this browser
    assert audited(app, "set_language") == 0
    c = app.test_client()
    token = token_of(text_of(c.get("/login")))
    assert c.post("/login", data={"username": "office1", "password": PASSWORD, "csrf_token": token}).status_code == 302
    page = text_of(c.get("/settings"))
    # the header offers the other language as a button of a form, the page's own address as next
    assert '<form method="post" action="/lang/en" class="inline lang">' in page
    assert '<input type="hidden" name="next" value="/settings">' in page
    refused = c.post("/lang/en", data={"next": "/notifications"})  # without the form's token
    assert refused.status_code == 400 and stored(app, "office1") == (None, True)
    response = c.post("/lang/en", data={"next": "/notifications", "csrf_token": token_of(page)})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert stored(app, "office1") == ("en", True)
    c.post("/lang/en", data={"csrf_token": token_of(page)})  # again: nothing changes, nothing more audited
    assert audited(app, "set_language") == 1
    # another browser, Chinese until the sign-in: then the account's language
    other = app.test_client()
    signing_in = text_of(other.get("/login"))
    assert '<html lang="zh-CN">' in signing_in
    form = {"username": "office1", "password": PASSWORD, "csrf_token": token_of(signing_in)}
    assert other.post("/login", data=form).status_code == 302
    assert '<html lang="en">' in text_of(other.get("/settings"))
    c.post("/lang/zh_CN", data={"csrf_token": token_of(page)})
    assert stored(app, "office1") == ("zh_CN", True)


def test_a_language_link_switches_the_browser_and_leaves_the_account_alone(app, as_user):
    """A GET may come from any page of any site (an image's address): it switches the pages
    of this browser, never what the account remembers."""
    c = as_user("office1")
    response = c.get("/lang/en?next=/notifications")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert '<html lang="en">' in text_of(c.get("/settings"))
    assert stored(app, "office1") == (None, True) and audited(app, "set_language") == 0
    c.get("/lang/fr")  # unknown: Chinese, the product's language
    assert '<html lang="zh-CN">' in text_of(c.get("/settings"))


def test_the_scheduler_writes_each_mail_in_its_recipients_language(make_world):
    with serving(Inbox()) as smtp:
        app = make_world(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.settings.port))
        with database.session_factory(app).begin() as s:
            for name in ("office1", "office2"):
                s.execute(update(User).where(User.username == name).values(email=f"{name}@renda.example.org"))
            s.execute(update(User).where(User.username == "office1").values(language="en"))
            notes.notify(
                s,
                NotificationKind.REMINDER,
                {"office1": None, "office2": None},
                params={"task": "审查", "case": "修路"},
                due_at=datetime(2026, 12, 10, 16, 0, tzinfo=UTC),  # 24:00 of 12-10 in Beijing
            )
        make_service(app).mailer()
    subjects = {m["To"]: m["Subject"] for m in smtp.messages}
    assert subjects == {
        "office1@renda.example.org": "Due soon: 审查 (修路)",
        "office2@renda.example.org": "到期提醒：审查（修路）",
    }


def test_the_languages_offered_are_those_the_mail_is_written_in():
    assert tuple(LANGUAGES) == texts.LANGUAGES and DEFAULT_LANGUAGE == texts.DEFAULT_LANGUAGE
    assert mail_languages()("en") is not None  # the compiled catalogue is found
