"""PATCH /api/v1/me changes only what it is sent: the language or the e-mail switch alone
leaves the time zone as it is (the time zone is no more required than they are); a body
sending nothing is refused as the body's (``json``), nothing changed."""

from __future__ import annotations

from sqlalchemy import select

from engine.usecases import people
from engine.usecases.context import actor_for
from storage.models import User
from web.api.schemas import ProfileUpdateSchema


def stored(world, username: str) -> tuple[str | None, bool, str | None]:
    with world.factory() as s:
        found = s.execute(
            select(User.language, User.email_notices, User.timezone).where(User.username == username)
        ).one()
    return found.language, found.email_notices, found.timezone


def test_the_language_alone_leaves_the_time_zone(world):
    with world.factory.begin() as s:
        people.set_timezone(s, actor_for(s, "clerk"), "clerk", "Asia/Urumqi")
    clerk = world.as_("clerk")
    changed = clerk.patch("/me", json={"language": "en"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["timezone"], body["language"], body["email_notices"]) == ("Asia/Urumqi", "en", True)
    assert stored(world, "clerk") == ("en", True, "Asia/Urumqi")


def test_the_email_switch_alone_leaves_the_rest(world):
    clerk = world.as_("clerk")
    changed = clerk.patch("/me", json={"email_notices": False})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["timezone"], body["language"], body["email_notices"]) == ("Asia/Shanghai", None, False)
    assert stored(world, "clerk") == (None, False, None)


def test_a_refused_language_alone_is_said_as_the_languages(world):
    refused = world.as_("clerk").patch("/me", json={"language": "fr"})
    assert refused.status_code == 422
    assert set(refused.get_json()["codes"]) == {"language"}
    assert stored(world, "clerk") == (None, True, None)


def test_a_body_sending_nothing_is_refused_as_the_bodys(world):
    clerk = world.as_("clerk")
    for sent in ({"json": {}}, {}):  # an empty object; no body at all
        refused = clerk.patch("/me", **sent)
        assert refused.status_code == 422
        said = refused.get_json()
        assert said["codes"] == {"json": {"code": "required", "params": {}}}
        assert said["said"]["fields"] == {"json": "必填"}
    assert stored(world, "clerk") == (None, True, None)


def test_the_schema_says_each_field_is_optional():
    update = ProfileUpdateSchema()
    assert not any(f.required for f in update.fields.values())
    assert "left as it is when not sent" in update.fields["timezone"].metadata["description"]
    assert "at least one" in (ProfileUpdateSchema.__doc__ or "")
