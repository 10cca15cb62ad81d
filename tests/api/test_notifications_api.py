"""/api/v1/me/notifications: one's own notifications (paged, unread only), marking them read
(some or all); someone else's ids are ignored; documented in the OpenAPI document.

The notifications come the real way: a case waits for the finance office's reply, the clock
passes its due date and the 督办 timer a day after it, and the scheduler fires (the overdue
notice, the 督办)."""

from datetime import timedelta

from sqlalchemy import select

from engine import clock
from engine.usecases import notifications, timers
from engine.usecases.context import actor_for
from storage.enums import NotificationKind
from storage.models import Notification
from tests.world import deploy


def overdue_reply(world) -> dict:
    """A case started by the office (through the API) waiting for the finance office's reply
    (tests/fixtures/overdue_then_supervised.bpmn: due 2026-12-22 24:00, Beijing time, its 督办
    timer a day later: the due date is an overdue notice of its own), then the clock past both
    and the timers fired: {"case": its id, "reply": the reply's task id}."""
    deploy(world.app, "overdue_then_supervised.bpmn")
    started = world.as_("clerk").post(
        "/instances", json={"process_key": "overdue_then_supervised", "data": {"subject": "修桥申请"}}
    )
    assert started.status_code == 201, started.get_json()
    [reply] = started.get_json()["open_tasks"]
    clock.advance(timedelta(days=30))
    assert timers.fire_due(world.factory) == 3  # its reminder (long past: it tells nobody), due date, 督办 timer
    return {"case": started.get_json()["id"], "reply": reply["task_id"]}


def ids_of(world, username: str) -> list[int]:
    with world.factory() as s:
        return list(
            s.scalars(
                select(Notification.id)
                .where(Notification.username == username)
                .order_by(Notification.created_at.desc(), Notification.id.desc())
            )
        )


def test_list_my_notifications(world):
    case = overdue_reply(world)
    fin = world.as_("fin")
    body = fin.get("/me/notifications").get_json()
    assert body["total"] == body["unread"] == len(body["items"]) == len(ids_of(world, "fin")) >= 2
    assert (body["page"], body["per_page"]) == (1, 25)
    assert [n["id"] for n in body["items"]] == ids_of(world, "fin")  # newest first
    assert [n["kind"] for n in body["items"]] == ["supervision", "overdue", "task"]
    kinds = {n["kind"]: n for n in body["items"]}
    overdue = kinds["overdue"]
    assert overdue["subject"] == "逾期：答复（修桥申请）" and overdue["kind_label"] == "逾期"
    assert overdue["message"] == "「答复」（案件：修桥申请）已于 2026-12-22 24:00 到期，尚未办结。请尽快办理。"
    assert overdue["task_id"] == case["reply"] and overdue["instance_id"] == case["case"]
    assert overdue["read_at"] is None and overdue["created_at"].endswith("+00:00")
    assert overdue["params"]["task"] == "答复" and overdue["params"]["case"] == "修桥申请"
    assert overdue["params"]["due_at"].endswith("+00:00")
    assert kinds["supervision"]["params"]["event"] == "次日督办" and "interrupting" in kinds["supervision"]["params"]
    # someone of another unit has none of them (only their own "new task" notices)
    theirs = world.as_("clerk").get("/me/notifications").get_json()
    assert [n["id"] for n in theirs["items"]] == ids_of(world, "clerk")
    assert not set(ids_of(world, "fin")) & {n["id"] for n in theirs["items"]}
    assert {n["kind"] for n in theirs["items"]} <= {"task"}
    assert world.anonymous().get("/me/notifications").status_code == 401


def test_paging_and_unread_only(world):
    with world.factory.begin() as s:
        for n in range(5):
            notifications.notify(s, NotificationKind.REMINDER, {"clerk2": None}, f"提醒 {n}", "正文")
            clock.advance(timedelta(minutes=1))
    me = world.as_("clerk2")
    pages = [me.get(f"/me/notifications?per_page=2&page={p}").get_json() for p in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0] and {p["total"] for p in pages} == {5}
    assert [n["subject"] for p in pages for n in p["items"]] == [f"提醒 {n}" for n in (4, 3, 2, 1, 0)]
    newest = pages[0]["items"][0]["id"]
    assert me.post("/me/notifications/read", json={"ids": [newest]}).get_json() == {"marked": 1}
    unread = me.get("/me/notifications?unread=true").get_json()
    assert unread["total"] == unread["unread"] == 4 and newest not in [n["id"] for n in unread["items"]]
    everything = me.get("/me/notifications").get_json()
    assert everything["total"] == 5 and everything["unread"] == 4
    assert everything["items"][0]["read_at"] is not None
    bad = me.get("/me/notifications?per_page=0&unread=perhaps")
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"per_page", "unread"}


def test_mark_all_read_and_only_ones_own(world):
    overdue_reply(world)
    fin, supervisor = world.as_("fin"), world.as_("supervisor")
    theirs = ids_of(world, "supervisor")
    assert theirs
    # ids of someone else's notifications are ignored: nothing changes, nothing is counted
    assert fin.post("/me/notifications/read", json={"ids": theirs}).get_json() == {"marked": 0}
    assert supervisor.get("/me/notifications?unread=true").get_json()["total"] == len(theirs)
    # no ids: all of one's own, and only those
    mine = ids_of(world, "fin")
    assert fin.post("/me/notifications/read").get_json() == {"marked": len(mine)}
    assert fin.get("/me/notifications").get_json()["unread"] == 0
    assert supervisor.get("/me/notifications").get_json()["unread"] == len(theirs)
    assert fin.post("/me/notifications/read", json={}).get_json() == {"marked": 0}  # already read
    assert supervisor.post("/me/notifications/read", json={"ids": []}).get_json() == {"marked": 0}  # none named
    assert supervisor.post("/me/notifications/read", json={"ids": None}).get_json() == {"marked": len(theirs)}
    with world.factory() as s:
        assert notifications.unread_count(s, actor_for(s, "fin2")) > 0  # a colleague's copy
    bad = fin.post("/me/notifications/read", json={"ids": ["x", 0]})
    assert bad.status_code == 422 and "ids.0" in bad.get_json()["fields"]
    assert world.anonymous().post("/me/notifications/read").status_code == 401


def test_a_browser_session_needs_the_csrf_token(world):
    overdue_reply(world)
    browser, token = world.browser("fin")
    assert browser.get("/me/notifications").get_json()["unread"] > 0
    refused = browser.post("/me/notifications/read")
    assert refused.status_code == 400 and refused.get_json()["code"] == "csrf"
    assert browser.get("/me/notifications").get_json()["unread"] > 0
    accepted = browser.post("/me/notifications/read", headers={"X-CSRFToken": token})
    assert accepted.status_code == 200 and browser.get("/me/notifications").get_json()["unread"] == 0


def test_documented_in_openapi(world):
    spec = world.anonymous().get("/openapi.json").get_json()
    listing = spec["paths"]["/api/v1/me/notifications"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"unread", "page", "per_page"}
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("NotificationPage")
    marking = spec["paths"]["/api/v1/me/notifications/read"]["post"]
    assert marking["requestBody"]["required"] is False
    assert "ignored" in marking["description"]
    assert set(spec["components"]["schemas"]["Notification"]["properties"]) >= {
        "id",
        "kind",
        "subject",
        "message",
        "task_id",
        "instance_id",
        "created_at",
        "read_at",
    }
