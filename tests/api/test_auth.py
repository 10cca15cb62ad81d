"""Who may call the API: a valid token, or a signed-in session (writes with the CSRF
token); nobody else. Personal tokens through the API."""

from datetime import timedelta

from sqlalchemy import select

from engine import clock
from storage.models import ApiToken


def test_no_credentials_is_401_json(world):
    for path in ("/tasks", "/definitions", "/instances", "/me"):
        response = world.anonymous().get(path)
        assert response.status_code == 401, path
        assert response.get_json()["code"] == "unauthorized"
    assert world.anonymous().post("/instances", json={}).status_code == 401


def test_wrong_and_malformed_tokens(world):
    world.token("clerk")
    for header in (
        "Bearer cf_wrong",
        "Bearer " + world.token("clerk")[:-1] + "x",
        "Basic abc",
        "Bearer ",
        "Token " + world.token("clerk"),
    ):
        response = world.anonymous().get("/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["code"] == "unauthorized"
    assert world.anonymous().get("/me", headers={"Authorization": "Bearer " + world.token("clerk")}).status_code == 200


def test_revoked_token_and_inactive_user_stop_at_once(world):
    clerk = world.as_("clerk")
    browser, csrf_token = world.browser("clerk")  # tokens are made signed in, not with a token
    spare = browser.post("/me/tokens", json={"name": "脚本"}, headers={"X-CSRFToken": csrf_token})
    assert spare.status_code == 201
    secret, token_id = spare.get_json()["secret"], spare.get_json()["token"]["id"]
    script = world.anonymous()
    script.headers = {"Authorization": f"Bearer {secret}"}
    assert script.get("/me").get_json()["username"] == "clerk"
    listed = clerk.get("/me/tokens").get_json()
    assert {t["name"] for t in listed} == {"tests", "脚本"} and all("secret" not in t for t in listed)
    assert clerk.delete(f"/me/tokens/{token_id}").status_code == 200
    assert script.get("/me").status_code == 401
    assert clerk.delete(f"/me/tokens/{token_id}").status_code == 409
    # someone else's token cannot be revoked (it does not exist for them)
    assert world.as_("fin").delete(f"/me/tokens/{token_id}").status_code == 404
    with world.factory.begin() as s:
        s.scalars(select(ApiToken)).first().user.active = False
    disabled = clerk.get("/me")
    assert disabled.status_code == 401
    assert (
        disabled.get_json()["message"] == "the API token is unknown or revoked, has expired, or its account is disabled"
    )


def test_last_used_is_recorded(world):
    clerk = world.as_("clerk")
    clerk.get("/me")
    with world.factory() as s:
        first = s.scalars(select(ApiToken)).one().last_used_at
    assert first == clock.now()
    clock.advance(timedelta(minutes=5))
    clerk.get("/me")
    with world.factory() as s:
        assert s.scalars(select(ApiToken)).one().last_used_at == clock.now()


def test_token_names_are_checked(world):
    browser, csrf_token = world.browser("clerk")
    response = browser.post("/me/tokens", json={"name": ""}, headers={"X-CSRFToken": csrf_token})
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"name"}


def test_session_reads_and_csrf_protected_writes(world):
    browser, csrf_token = world.browser("clerk")
    assert browser.get("/me").get_json()["username"] == "clerk"
    start = {"process_key": "review", "data": {"subject": "浏览器里发起"}}
    refused = browser.post("/instances", json=start)
    assert refused.status_code == 400 and refused.get_json()["code"] == "csrf"
    forged = browser.post("/instances", json=start, headers={"X-CSRFToken": "forged"})
    assert forged.status_code == 400
    accepted = browser.post("/instances", json=start, headers={"X-CSRFToken": csrf_token})
    assert accepted.status_code == 201
    # a token request needs no CSRF token, even with a session cookie beside it
    browser.headers = {"Authorization": f"Bearer {world.token('clerk')}"}
    assert browser.post("/instances", json=start).status_code == 201
