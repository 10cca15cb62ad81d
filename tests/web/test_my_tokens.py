"""我的设置 → 接口令牌: a person makes, lists and revokes their own API tokens on the page;
the secret is shown once, on the page that made it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import clock
from engine.usecases import tokens
from storage.models import ApiToken
from tests.web.conftest import text_of
from tests.world import PASSWORD, act
from web import database

SECRET = re.compile(r'id="new-token-secret" value="(cf_[^"]+)"')


def secret_on(response) -> str:
    return SECRET.search(response.get_data(as_text=True)).group(1)


def token_rows(app) -> list[ApiToken]:
    with database.session_factory(app)() as s:
        return list(s.scalars(select(ApiToken).order_by(ApiToken.id)))


def api_me(app, secret: str):
    return app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})


def test_the_secret_is_shown_once_and_the_token_is_listed(app, as_user, frozen_clock):
    c = as_user("office1")
    empty = text_of(c.get("/settings"))
    assert "接口令牌" in empty and "您还没有接口令牌" in empty
    assert 'name="expires_in_days" type="number" min="1" max="3650" step="1" inputmode="numeric" value="90"' in empty

    made = c.post("/settings/tokens", data={"name": "报表脚本", "expires_in_days": "90"})
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    secret = secret_on(made)
    assert "已创建令牌「报表脚本」" in text_of(made) and "只显示这一次" in text_of(made)
    assert api_me(app, secret).get_json()["username"] == "office1"

    page = c.get("/settings").get_data(as_text=True)
    assert secret not in page and 'id="new-token-secret"' not in page
    [row] = re.findall(r'<tr data-token-id="\d+" data-state="(\w+)">(.*?)</tr>', page, re.S)
    listed = re.sub(r"\s+", " ", row[1])
    assert row[0] == "active"
    # created at 01:00 UTC = 09:00 Beijing; 90 days on; used once just now
    assert '<td class="title">报表脚本</td>' in listed
    assert '<td data-label="创建时间">2026-12-07 09:00</td>' in listed
    assert '<td data-label="最近使用">2026-12-07 09:00</td>' in listed
    assert '<td data-label="到期时间">2027-03-07 09:00</td>' in listed
    assert '<span class="badge ok">有效</span>' in listed
    [stored] = token_rows(app)
    assert stored.expires_at == frozen_clock + timedelta(days=90)


def test_no_expiry_when_left_empty_and_an_expired_token_is_shown_and_refused(app, as_user, frozen_clock):
    c = as_user("office1")
    forever = secret_on(c.post("/settings/tokens", data={"name": "长期", "expires_in_days": ""}))
    brief = secret_on(c.post("/settings/tokens", data={"name": "一天", "expires_in_days": "1"}))
    clock.advance(timedelta(days=1))
    page = text_of(c.get("/settings"))
    assert "永不过期" in page
    assert re.search(
        r'data-state="expired"> <td class="title">一天</td>.*?<span class="badge overdue">已过期</span>', page
    )
    assert api_me(app, brief).status_code == 401
    assert api_me(app, forever).status_code == 200


@pytest.mark.parametrize(
    ("form", "field", "says"),
    [
        ({"name": "  ", "expires_in_days": "90"}, "name", "必填"),
        ({"name": "脚本", "expires_in_days": "三十"}, "expires_in_days", "必须是整数"),
        ({"name": "脚本", "expires_in_days": "0"}, "expires_in_days", "不能小于 1"),
        # a negative whole number is one too (QA walk B, finding 10: it was "no number")
        ({"name": "脚本", "expires_in_days": "-1"}, "expires_in_days", "不能小于 1"),
        ({"name": "脚本", "expires_in_days": "-" + "9" * 5000}, "expires_in_days", "不能小于 1"),
        ({"name": "脚本", "expires_in_days": "0" * 5000 + "3651"}, "expires_in_days", "不能大于 3650"),
        ({"name": "脚本", "expires_in_days": "1.5"}, "expires_in_days", "必须是整数"),
        ({"name": "脚本", "expires_in_days": "--1"}, "expires_in_days", "必须是整数"),
        ({"name": "脚本", "expires_in_days": "3651"}, "expires_in_days", "不能大于 3650"),
        ({"name": "脚本", "expires_in_days": "9" * 5000}, "expires_in_days", "不能大于 3650"),
    ],
)
def test_bad_input_is_said_beside_its_field_and_nothing_is_made(app, as_user, form, field, says):
    c = as_user("office1")
    refused = c.post("/settings/tokens", data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert f'<p class="field-error" id="{field}-error" data-field="{field}" role="alert">{says}</p>' in html
    # the field itself is marked and names its message (drawn red, read out with the field)
    assert f'aria-describedby="{field}-error" aria-invalid="true">' in html
    assert 'id="new-token-secret"' not in html
    assert f'value="{form[field][:20]}' in html  # what was typed is kept
    assert token_rows(app) == []


def test_revoking_stops_the_token_and_says_so(app, as_user, frozen_clock):
    c = as_user("office1")
    secret = secret_on(c.post("/settings/tokens", data={"name": "报表脚本", "expires_in_days": "90"}))
    [token] = token_rows(app)
    page = c.get("/settings").get_data(as_text=True)
    assert f'action="/settings/tokens/{token.id}/revoke"' in page and "确认撤销" in page

    revoked = c.post(f"/settings/tokens/{token.id}/revoke")
    assert revoked.status_code == 302 and revoked.headers["Location"] == "/settings#tokens"
    assert api_me(app, secret).status_code == 401
    page = text_of(c.get("/settings"))
    assert "已撤销令牌「报表脚本」" in page
    assert 'data-state="revoked"' in page and "已撤销（2026-12-07 09:00）" in page
    assert f"/settings/tokens/{token.id}/revoke" not in page  # nothing left to revoke
    # again (another tab): said, not an error
    again = c.post(f"/settings/tokens/{token.id}/revoke", follow_redirects=True)
    assert again.status_code == 200 and "此令牌已撤销过了" in text_of(again)


def test_someone_elses_token_cannot_be_revoked(app, as_user):
    theirs = act(app, "office1", tokens.create_token, "office1", "张三的报表")
    c = as_user("office2")
    assert c.post(f"/settings/tokens/{theirs.token.id}/revoke").status_code == 404
    assert token_rows(app)[0].revoked_at is None
    assert api_me(app, theirs.secret).status_code == 200
    assert "张三的报表" not in text_of(c.get("/settings"))  # nor listed on their page


def test_without_the_pages_csrf_token_nothing_is_made_or_revoked(make_world):
    app = make_world(csrf=True)
    mine = act(app, "office1", tokens.create_token, "office1", "脚本")
    c = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
    signed_in = c.post("/login", data={"username": "office1", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302

    made = c.post("/settings/tokens", data={"name": "伪造", "expires_in_days": "90"})
    assert made.status_code == 400 and "安全令牌" in text_of(made)
    revoked = c.post(f"/settings/tokens/{mine.token.id}/revoke")
    assert revoked.status_code == 400
    assert [(t.name, t.revoked_at) for t in token_rows(app)] == [("脚本", None)]

    # with it, both work
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/settings").get_data(as_text=True)).group(1)
    assert c.post("/settings/tokens", data={"name": "真的", "csrf_token": token}).status_code == 200
    assert c.post(f"/settings/tokens/{mine.token.id}/revoke", data={"csrf_token": token}).status_code == 302
    with database.session_factory(app)() as s:
        assert s.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))) == 1


def test_the_section_reads_whole_in_english(as_user):
    """The hint names the header and the token in words (an angle-bracketed <token> in the
    English was taken by the browser for a tag and left out)."""
    client = as_user("office1")
    client.get("/lang/en")
    html = text_of(client.get("/settings"))
    assert "send the header “Authorization: Bearer” followed by the token." in html
    assert "<token>" not in html


FORM_ID = re.compile(r'<input type="hidden" name="form_id" value="([^"]+)">')


def test_the_page_reloaded_after_a_token_was_made_makes_no_second_one(app, as_user):
    c = as_user("office1")
    form_id = FORM_ID.search(c.get("/settings").get_data(as_text=True)).group(1)
    sent = {"name": "报表脚本", "expires_in_days": "90", "form_id": form_id}
    made = c.post("/settings/tokens", data=sent)
    assert made.status_code == 200 and secret_on(made)

    again = c.post("/settings/tokens", data=sent, follow_redirects=True)  # the browser's reload
    assert again.request.path == "/settings"
    assert "这张表单已提交过，令牌已经创建，密钥只显示那一次" in text_of(again)
    assert 'id="new-token-secret"' not in again.get_data(as_text=True)
    assert [t.name for t in token_rows(app)] == ["报表脚本"]

    # the form on the page that showed the secret is a new one: it makes another token
    next_id = FORM_ID.search(made.get_data(as_text=True)).group(1)
    assert next_id != form_id
    second = c.post("/settings/tokens", data={**sent, "name": "第二个", "form_id": next_id})
    assert second.status_code == 200 and secret_on(second)
    assert [t.name for t in token_rows(app)] == ["报表脚本", "第二个"]
