"""我的设置: the addresses its forms post to open the page when reloaded or reopened (QA walk B,
finding 2: a refused password, a refused or made token, left the browser at an address that
answered 405). A GET there changes nothing and shows no secret again."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ApiToken
from tests.web.conftest import text_of
from web import database


def token_names(app) -> list[str]:
    with database.session_factory(app)() as s:
        return list(s.scalars(select(ApiToken.name).order_by(ApiToken.id)))


def test_a_refused_password_change_reloaded_opens_the_page(as_user):
    c = as_user("office1")
    refused = c.post(
        "/settings/password",
        data={"current_password": "wrong", "password": "a-new-long-password", "password_repeat": "a-new-long-password"},
    )
    assert refused.status_code == 422 and "当前密码不正确" in text_of(refused)
    reloaded = c.get("/settings/password")
    assert (reloaded.status_code, reloaded.headers["Location"]) == (303, "/settings#password")
    assert "修改密码" in text_of(c.get(reloaded.headers["Location"]))
    # the password is as it was: signing in with it still works (as_user signs in with it)
    assert as_user("office1").get("/settings").status_code == 200


def test_a_token_page_reloaded_opens_the_page_and_makes_nothing(app, as_user):
    c = as_user("office1")
    refused = c.post("/settings/tokens", data={"name": " ", "expires_in_days": "90"})
    assert refused.status_code == 422
    reloaded = c.get("/settings/tokens")
    assert (reloaded.status_code, reloaded.headers["Location"]) == (303, "/settings#tokens")

    made = c.post("/settings/tokens", data={"name": "报表脚本", "expires_in_days": "90"})
    assert made.status_code == 200 and 'id="new-token-secret"' in made.get_data(as_text=True)
    reopened = c.get("/settings/tokens", follow_redirects=True)
    assert reopened.request.path == "/settings"
    assert 'id="new-token-secret"' not in reopened.get_data(as_text=True)  # shown once, not again
    assert token_names(app) == ["报表脚本"]


def test_a_revoke_address_reloaded_opens_the_page_and_revokes_nothing(app, as_user):
    c = as_user("office1")
    c.post("/settings/tokens", data={"name": "报表脚本", "expires_in_days": "90"})
    with database.session_factory(app)() as s:
        token = s.scalars(select(ApiToken)).one()
    reloaded = c.get(f"/settings/tokens/{token.id}/revoke")
    assert (reloaded.status_code, reloaded.headers["Location"]) == (303, "/settings#tokens")
    with database.session_factory(app)() as s:
        assert s.get(ApiToken, token.id).revoked_at is None


def test_signed_out_the_addresses_lead_to_the_sign_in(client):
    for path in ("/settings/password", "/settings/tokens", "/settings/tokens/1/revoke"):
        assert client.get(path, follow_redirects=True).request.path == "/login", path
