"""/api/v1/me/tokens: tokens are made signed in (a session with its CSRF token), never with
a token; they expire when asked to (90 days unless said otherwise), and an expired token is
refused like a revoked one."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import clock
from storage.models import ApiToken

REFUSED = "the API token is unknown or revoked, has expired, or its account is disabled"


def token_count(world) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(ApiToken))


# a refused token, said in the API's default language
SIGN_IN = {"language": "zh_CN", "title": "请先登录", "text": "登录后才能使用此功能。", "hint": "", "fields": {}}


def make_signed_in(world, body: dict):
    browser, csrf_token = world.browser("clerk")
    return browser.post("/me/tokens", json=body, headers={"X-CSRFToken": csrf_token})


def test_a_token_cannot_make_a_token(world):
    """The walk that found it: token 1 made token 10, token 1 was revoked, token 10 went on."""
    clerk = world.as_("clerk")
    before = token_count(world)
    refused = clerk.post("/me/tokens", json={"name": "接班的令牌"})
    assert refused.status_code == 403
    assert refused.get_json() == {
        "code": "not_allowed",
        "message": "an API token cannot make API tokens: make it on 我的设置 (/settings), or through the API "
        "signed in (the session cookie and its X-CSRFToken header), or with 'congressflow tokens create'",
        "fields": {},
        "codes": {},
        "said": {
            "language": "zh_CN",
            "title": "没有权限",
            "text": "您的角色或所在单位无权查看或办理此项。",
            "hint": "",
            "fields": {},
        },
    }
    assert token_count(world) == before
    # listing and revoking one's own tokens with a token stay allowed
    [mine] = clerk.get("/me/tokens").get_json()
    assert mine["name"] == "tests" and mine["expires_at"] is None and mine["expired"] is False
    assert clerk.delete(f"/me/tokens/{mine['id']}").status_code == 200
    assert clerk.get("/me").status_code == 401


def test_an_admins_token_cannot_make_tokens_either(world):
    assert world.as_("admin").post("/me/tokens", json={"name": "x"}).status_code == 403


def test_signed_in_a_token_expires_in_90_days_unless_said_otherwise(world, frozen_clock):
    default = make_signed_in(world, {"name": "默认"})
    assert default.status_code == 201
    assert default.get_json()["token"]["expires_at"] == "2027-03-07T01:00:00+00:00"  # 90 days on
    chosen = make_signed_in(world, {"name": "一周", "expires_in_days": 7})
    assert chosen.get_json()["token"]["expires_at"] == "2026-12-14T01:00:00+00:00"
    forever = make_signed_in(world, {"name": "长期", "expires_in_days": None})
    assert forever.status_code == 201 and forever.get_json()["token"]["expires_at"] is None


@pytest.mark.parametrize("days", [0, -1, 3651, "7", 1.5, True])
def test_an_expiry_out_of_bounds_or_not_a_whole_number_is_refused(world, days):
    before = token_count(world)
    refused = make_signed_in(world, {"name": "脚本", "expires_in_days": days})
    assert refused.status_code == 422 and set(refused.get_json()["fields"]) == {"expires_in_days"}
    assert token_count(world) == before


def test_an_expired_token_is_refused_like_a_revoked_one(world, frozen_clock):
    made = make_signed_in(world, {"name": "一天", "expires_in_days": 1}).get_json()
    script = world.anonymous()
    script.headers = {"Authorization": f"Bearer {made['secret']}"}
    clock.advance(timedelta(days=1) - timedelta(seconds=1))
    assert script.get("/me").get_json()["username"] == "clerk"
    clock.advance(timedelta(seconds=1))
    refused = script.get("/me")
    assert refused.status_code == 401
    assert refused.get_json() == {
        "code": "unauthorized",
        "message": REFUSED,
        "fields": {},
        "codes": {},
        "said": SIGN_IN,
    }
    listed = {t["name"]: t["expired"] for t in world.as_("clerk").get("/me/tokens").get_json()}
    assert listed == {"tests": False, "一天": True}


def test_a_token_made_without_an_expiry_goes_on_working(world, frozen_clock):
    """Tokens made before expiry existed have none: they stay valid."""
    clerk = world.as_("clerk")
    clock.advance(timedelta(days=3650))
    assert clerk.get("/me").status_code == 200
