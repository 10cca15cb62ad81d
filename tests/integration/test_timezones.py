"""The time zone use cases against a real database (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

import pytest
from sqlalchemy import select

from engine.deadlines import timezones
from engine.deadlines.calendar import LOCAL_TZ
from engine.errors import InvalidData, NotAllowed, NotFound
from engine.usecases import people as accounts
from storage.models import AuditEntry, User
from tests.world import act, create_people


@pytest.fixture
def people(session_factory):
    create_people(session_factory, "clerk", "fin", "root")
    return session_factory


def stored(factory, username):
    with factory() as s:
        return s.scalar(select(User.timezone).where(User.username == username))


def test_the_default_is_the_calendars_zone():
    assert timezones.DEFAULT_TIMEZONE == LOCAL_TZ.key == "Asia/Shanghai"
    assert timezones.effective(None) == "Asia/Shanghai" and timezones.zone(None) == LOCAL_TZ
    assert timezones.choices()[:5] == timezones.COMMON_TIMEZONES
    assert "localtime" not in timezones.known() and "America/New_York" in timezones.known()


def test_everyone_sets_their_own_zone(people):
    assert act(people, "clerk", accounts.profile).timezone == "Asia/Shanghai"
    assert act(people, "clerk", accounts.set_timezone, "clerk", " America/New_York ") == "America/New_York"
    assert stored(people, "clerk") == "America/New_York"
    assert act(people, "clerk", accounts.profile).timezone == "America/New_York"
    assert act(people, "fin", accounts.profile).timezone == "Asia/Shanghai"  # others keep theirs
    with people() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "set_timezone")).one()
        assert entry.actor == "clerk" and entry.data == {"username": "clerk", "timezone": "America/New_York"}
    # "" (or None) goes back to the default
    assert act(people, "clerk", accounts.set_timezone, "clerk", "") == "Asia/Shanghai"
    assert stored(people, "clerk") is None


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "asia/shanghai", "localtime", "../etc/passwd", "x" * 300])
def test_an_unknown_zone_is_invalid_data_for_the_field(people, bad):
    act(people, "clerk", accounts.set_timezone, "clerk", "Asia/Tokyo")
    with pytest.raises(InvalidData) as info:
        act(people, "clerk", accounts.set_timezone, "clerk", bad)
    assert set(info.value.field_errors) == {"timezone"} and "unknown time zone" in info.value.field_errors["timezone"]
    assert stored(people, "clerk") == "Asia/Tokyo"


def test_only_an_admin_sets_someone_elses_zone(people):
    with pytest.raises(NotAllowed):
        act(people, "clerk", accounts.set_timezone, "fin", "America/New_York")
    with pytest.raises(NotAllowed):  # a non-admin does not learn who exists either
        act(people, "clerk", accounts.set_timezone, "nobody", "America/New_York")
    assert stored(people, "fin") is None
    assert act(people, "root", accounts.set_timezone, "fin", "Europe/Berlin") == "Europe/Berlin"
    assert stored(people, "fin") == "Europe/Berlin"
    with pytest.raises(NotFound):
        act(people, "root", accounts.set_timezone, "nobody", "Europe/Berlin")


def test_admin_update_user_sets_keeps_or_resets_the_zone(people):
    def update(**kwargs):
        return act(
            people,
            "root",
            accounts.update_user,
            "fin",
            display_name="fin",
            email=None,
            roles=("officer",),
            department="finance",
            active=True,
            **kwargs,
        )

    assert update(timezone="Asia/Hong_Kong").timezone == "Asia/Hong_Kong"
    assert update().timezone == "Asia/Hong_Kong"  # not given: unchanged
    with pytest.raises(InvalidData) as info:
        update(timezone="Nowhere")
    assert "timezone" in info.value.field_errors
    assert stored(people, "fin") == "Asia/Hong_Kong"
    assert update(timezone="").timezone is None  # back to the default
    with pytest.raises(NotAllowed):
        act(
            people,
            "clerk",
            accounts.update_user,
            "fin",
            display_name="fin",
            email=None,
            roles=("officer",),
            department="finance",
            active=True,
            timezone="Europe/Berlin",
        )
