"""The API takes what its caller read of a task, as the task page does: the task's
``draft_revision`` sent back with a draft save (``revision``), its ``holding`` with a hand-over or
a give-back (``seen``). A draft saved since, or a claim, hand-over or give-back since, is not
overridden unseen: 409 with the reason and ``said`` naming who did what and when. Left out, the
API does as it did (the last one wins)."""

from __future__ import annotations

import re


def detail(caller, task: str) -> dict:
    return caller.get(f"/tasks/{task}").get_json()


def holder(world, task: str) -> str | None:
    return detail(world.as_("fin"), task)["task"]["assignee"]


def test_the_task_says_which_draft_and_which_holding_it_read(world):
    task = world.to_unit("finance")["reply"]
    fin = world.as_("fin")
    fresh = detail(fin, task)
    assert (fresh["draft_revision"], fresh["holding"]) == (0, 0)  # nothing saved, nobody claimed it yet

    assert fin.post(f"/tasks/{task}/claim").status_code == 200
    saved = fin.put(f"/tasks/{task}/draft", json={"data": {"reply_class": "B"}})
    assert saved.status_code == 204
    now = detail(fin, task)
    assert now["holding"] > 0
    assert now["draft_revision"] == int(saved.headers["Draft-Revision"]) > now["holding"]


def test_a_draft_save_over_one_saved_since_is_refused_naming_who_and_when(world):
    task = world.to_unit("finance")["reply"]
    fin, fin2 = world.as_("fin"), world.as_("fin2")
    read = detail(fin, task)["draft_revision"]
    assert fin2.put(f"/tasks/{task}/draft", json={"data": {"reply_class": "A"}}).status_code == 204

    refused = fin.put(f"/tasks/{task}/draft", json={"data": {"reply_class": "B"}, "revision": read})

    assert refused.status_code == 409
    body = refused.get_json()
    assert body["code"] == "conflict"
    assert re.search(r"^a draft of '答复' was saved by fin2 at \d{4}-\d\d-\d\d \d\d:\d\d UTC", body["message"])
    assert body["said"]["title"] == "草稿已在别处保存"
    assert re.search(
        r"^您打开此页后，fin2 同志 于 \d{4}-\d\d-\d\d \d\d:\d\d 保存了「答复」的草稿，您的草稿没有保存",
        body["said"]["text"],
    ), body["said"]["text"]
    theirs = detail(fin2, task)
    assert theirs["has_draft"] is True and theirs["values"]["reply_class"] == "A"  # fin2's stands

    # with the revision read now, it goes over that one; its answer names the revision to save on with
    again = fin.put(f"/tasks/{task}/draft", json={"data": {"reply_class": "B"}, "revision": theirs["draft_revision"]})
    assert again.status_code == 204
    on = fin.put(
        f"/tasks/{task}/draft", json={"data": {"reply_class": "C"}, "revision": int(again.headers["Draft-Revision"])}
    )
    assert on.status_code == 204
    mine = detail(fin, task)
    assert mine["values"]["reply_class"] == "C" and mine["draft_revision"] == int(on.headers["Draft-Revision"])


def test_a_draft_save_without_a_revision_is_saved_as_before(world):
    task = world.to_unit("finance")["reply"]
    assert world.as_("fin2").put(f"/tasks/{task}/draft", json={"data": {"reply_class": "A"}}).status_code == 204
    fin = world.as_("fin")
    assert fin.put(f"/tasks/{task}/draft", json={"data": {"reply_class": "B"}}).status_code == 204
    assert detail(fin, task)["values"]["reply_class"] == "B"


def test_a_hand_over_from_before_the_holder_handed_it_on_is_refused(world):
    task = world.to_unit("finance")["reply"]
    fin, admin = world.as_("fin"), world.as_("admin")
    assert fin.post(f"/tasks/{task}/claim").status_code == 200
    seen = detail(admin, task)["holding"]
    assert fin.post(f"/tasks/{task}/hand-over", json={"to": "fin2"}).status_code == 200  # meanwhile

    refused = admin.post(f"/tasks/{task}/hand-over", json={"to": "fin", "seen": seen})

    assert refused.status_code == 409
    body = refused.get_json()
    assert re.search(
        r"^fin handed it on at \d{4}-\d\d-\d\d \d\d:\d\d UTC, after the page that asked for '答复' to be handed over "
        r"was read; it was not handed over: fin2 holds it now$",
        body["message"],
    ), body["message"]
    assert body["said"]["title"] == "任务的办理人已变动"
    assert re.search(
        r"^您打开此页后，fin 同志 于 \S+ \S+ 将「答复」转交给了 fin2 同志，未能转交。$", body["said"]["text"]
    ), body["said"]["text"]
    assert holder(world, task) == "fin2"

    fresh = detail(admin, task)["holding"]
    handed = admin.post(f"/tasks/{task}/hand-over", json={"to": "fin", "seen": fresh})
    assert handed.status_code == 200 and handed.get_json()["assignee"] == "fin"


def test_a_give_back_from_before_the_holder_handed_it_on_is_refused(world):
    task = world.to_unit("finance")["reply"]
    fin, admin = world.as_("fin"), world.as_("admin")
    assert fin.post(f"/tasks/{task}/claim").status_code == 200
    seen = detail(admin, task)["holding"]
    assert fin.post(f"/tasks/{task}/hand-over", json={"to": "fin2"}).status_code == 200  # meanwhile

    refused = admin.post(f"/tasks/{task}/unclaim", json={"seen": seen})

    assert refused.status_code == 409
    body = refused.get_json()
    assert body["message"].endswith("it was not given back: fin2 holds it now"), body["message"]
    assert re.search(
        r"^您打开此页后，fin 同志 于 \S+ \S+ 将「答复」转交给了 fin2 同志，未能退回。$", body["said"]["text"]
    ), body["said"]["text"]
    assert holder(world, task) == "fin2"  # not taken from fin2 unseen

    fresh = detail(admin, task)["holding"]
    given = admin.post(f"/tasks/{task}/unclaim", json={"seen": fresh})
    assert given.status_code == 200 and given.get_json()["assignee"] is None


def test_without_seen_a_hand_over_and_a_give_back_go_as_before(world):
    task = world.to_unit("finance")["reply"]
    fin, admin = world.as_("fin"), world.as_("admin")
    assert fin.post(f"/tasks/{task}/claim").status_code == 200
    assert admin.post(f"/tasks/{task}/hand-over", json={"to": "fin2"}).get_json()["assignee"] == "fin2"
    assert admin.post(f"/tasks/{task}/unclaim").get_json()["assignee"] is None  # no body at all


def test_what_is_not_a_revision_is_refused_at_its_field(world):
    task = world.to_unit("finance")["reply"]
    fin = world.as_("fin")
    assert fin.post(f"/tasks/{task}/claim").status_code == 200
    for path, body, name in (
        ("draft", {"data": {}, "revision": -1}, "revision"),
        ("hand-over", {"to": "fin2", "seen": "latest"}, "seen"),
        ("unclaim", {"seen": -5}, "seen"),
    ):
        call = fin.put if path == "draft" else fin.post
        refused = call(f"/tasks/{task}/{path}", json=body)
        assert refused.status_code == 422, path
        assert list(refused.get_json()["fields"]) == [name], refused.get_json()
    assert holder(world, task) == "fin"


def test_the_document_says_what_to_send_back(world):
    spec = world.app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert {"draft_revision", "holding"} <= set(schemas["TaskDetail"]["properties"])
    assert "revision" in schemas["Draft"]["properties"] and "seen" in schemas["HandOver"]["properties"]
    draft = spec["paths"]["/api/v1/tasks/{task_id}/draft"]["put"]
    assert "Draft-Revision" in draft["responses"]["204"]["headers"]
    unclaim = spec["paths"]["/api/v1/tasks/{task_id}/unclaim"]["post"]["requestBody"]
    assert unclaim["required"] is False  # a call with no body at all gives it back as before
    assert unclaim["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Unclaim"}
    assert set(schemas["Unclaim"]["properties"]) == {"seen"}
