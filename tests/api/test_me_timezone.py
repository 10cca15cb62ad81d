"""/api/v1/me says which zone the web pages show the caller's dates in; the API itself
keeps speaking UTC."""

from engine.usecases import people
from engine.usecases.context import actor_for
from tests.world import start_review


def test_me_has_the_time_zone(world):
    assert world.as_("clerk").get("/me").get_json()["timezone"] == "Asia/Shanghai"
    with world.factory.begin() as s:
        people.set_timezone(s, actor_for(s, "clerk"), "clerk", "America/New_York")
    assert world.as_("clerk").get("/me").get_json()["timezone"] == "America/New_York"
    assert world.as_("fin").get("/me").get_json()["timezone"] == "Asia/Shanghai"


def test_api_dates_stay_utc_whatever_the_zone(world, frozen_clock):
    with world.factory.begin() as s:
        people.set_timezone(s, actor_for(s, "clerk"), "clerk", "America/New_York")
    case = start_review(world.app, "clerk", "路灯不亮")
    started = world.as_("clerk").get(f"/instances/{case.id}").get_json()["started_at"]
    assert started == "2026-12-07T01:00:00+00:00"


def test_change_my_time_zone(world):
    clerk = world.as_("clerk")
    changed = clerk.patch("/me", json={"timezone": "Asia/Urumqi"})
    assert changed.status_code == 200 and changed.get_json()["timezone"] == "Asia/Urumqi"
    assert clerk.get("/me").get_json()["timezone"] == "Asia/Urumqi"
    refused = clerk.patch("/me", json={"timezone": "Mars/Olympus_Mons"})
    assert refused.status_code == 422 and set(refused.get_json()["fields"]) == {"timezone"}
    assert clerk.get("/me").get_json()["timezone"] == "Asia/Urumqi"  # nothing changed
    assert clerk.patch("/me", json={"timezone": ""}).get_json()["timezone"] == "Asia/Shanghai"
    assert world.as_("fin").get("/me").get_json()["timezone"] == "Asia/Shanghai"
