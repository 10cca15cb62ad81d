"""PATCH /api/v1/me sets what 我的设置 sets: beside the time zone, the language one reads the
pages and one's notification e-mails in (null: the product's default) and whether
notifications are e-mailed at all, and answers them. A field not sent is left as it is; every
refused field is said at once, and then nothing is changed."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import User
from web.api.schemas import NotificationSchema, ProfileUpdateSchema


def stored(world, username: str) -> tuple[str | None, bool, str | None]:
    with world.factory() as s:
        found = s.execute(
            select(User.language, User.email_notices, User.timezone).where(User.username == username)
        ).one()
    return found.language, found.email_notices, found.timezone


def test_change_the_language_and_the_email_switch(world):
    clerk = world.as_("clerk")
    changed = clerk.patch("/me", json={"timezone": "Asia/Urumqi", "language": "en", "email_notices": False})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["timezone"], body["language"], body["email_notices"]) == ("Asia/Urumqi", "en", False)
    assert stored(world, "clerk") == ("en", False, "Asia/Urumqi")
    assert stored(world, "fin") == (None, True, None)
    # not sent: left as they are, and answered as they are
    kept = clerk.patch("/me", json={"timezone": "Asia/Urumqi"}).get_json()
    assert (kept["language"], kept["email_notices"]) == ("en", False)
    assert stored(world, "clerk") == ("en", False, "Asia/Urumqi")
    # null: the product's default again; the switch back on
    again = clerk.patch("/me", json={"timezone": "", "language": None, "email_notices": True}).get_json()
    assert (again["timezone"], again["language"], again["email_notices"]) == ("Asia/Shanghai", None, True)
    assert stored(world, "clerk") == (None, True, None)


def test_every_refused_choice_is_said_and_nothing_changes(world):
    clerk = world.as_("clerk")
    refused = clerk.patch("/me", json={"timezone": "Mars/Olympus_Mons", "language": "fr", "email_notices": False})
    assert refused.status_code == 422
    codes = refused.get_json()["codes"]
    assert set(codes) == {"timezone", "language"}
    assert codes["language"] == {"code": "unknown_language", "params": {"language": "fr", "known": "zh_CN, en"}}
    assert stored(world, "clerk") == (None, True, None)
    not_a_boolean = clerk.patch("/me", json={"timezone": "", "email_notices": "no"})
    assert not_a_boolean.status_code == 422 and set(not_a_boolean.get_json()["codes"]) == {"email_notices"}
    assert stored(world, "clerk") == (None, True, None)


def test_the_schema_documents_the_choices():
    update = ProfileUpdateSchema().fields
    assert update["language"].metadata["enum"] == ["zh_CN", "en", None]
    assert "email_notices" in update and not update["timezone"].required  # each left as it is when not sent


def test_the_stored_email_texts_are_not_said_to_be_what_is_emailed():
    """An e-mail is written when it is sent, in the recipient's language (engine.notifications.
    outbox): the stored subject and message are what the row keeps, in Chinese."""
    said = NotificationSchema().fields
    for name in ("email_subject", "email_message"):
        description = said[name].metadata["description"]
        assert "as stored when the notification was made" in description
        assert "as stored and e-mailed" not in description
    assert "when it is sent" in said["email_subject"].metadata["description"]
