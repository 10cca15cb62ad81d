"""/api/v1/designer/processes/{key}/migrations: the dry run and the move, with the map and the
revisions the dry run showed; bad input named, never a 500; designers and administrators only;
a browser session needs the CSRF token; the OpenAPI document declares them."""

from __future__ import annotations

import pytest

from engine.usecases import cases, tasks
from tests.world import act, deploy

MIGRATIONS = "/designer/processes/migrate/migrations"


@pytest.fixture
def town(world):
    deploy(world.app, "migrate_v1.bpmn")
    at_accept = act(world.app, "clerk", cases.start_instance, "migrate", {"subject": "来信甲"}).id
    at_handle = act(world.app, "clerk", cases.start_instance, "migrate", {"subject": "来信乙"})
    act(world.app, "clerk", tasks.complete, at_handle.open_tasks[0].task_id, {})
    deploy(world.app, "migrate_v2.bpmn")
    return world, at_accept, at_handle.id


def test_dry_run_then_move(town):
    world, at_accept, at_handle = town
    api = world.as_("designer")
    run = api.post(MIGRATIONS + "/dry-run", json={"from_version": 1, "to_version": 2})
    assert run.status_code == 200, run.get_json()
    body = run.get_json()
    assert (body["movable"], body["refused"]) == (1, 1)
    assert body["plan"]["unmatched"] == [
        {"bpmn_id": "handle", "name": "办理", "kind": "UserTask", "target": None, "suggested": "review"}
    ]
    checks = {c["instance_id"]: c for c in body["cases"]}
    assert (checks[at_accept]["movable"], checks[at_accept]["steps"]) == (True, ["受理"])
    [reason] = checks[at_handle]["reasons"]
    assert (reason["code"], reason["bpmn_id"], reason["blocking"], reason["fields"]) == (
        "task_removed",
        "handle",
        True,
        [],
    )
    assert reason["message"] == "正在办理的「办理」（handle）在新版本中已删除，也没有映射到新版本的环节。"

    only = [{"id": at_accept, "revision": checks[at_accept]["revision"]}]
    moved = api.post(MIGRATIONS, json={"from_version": 1, "to_version": 2, "cases": only})
    assert moved.status_code == 200, moved.get_json()
    assert [(c["instance_id"], c["outcome"]) for c in moved.get_json()["cases"]] == [(at_accept, "moved")]
    mapped = api.post(MIGRATIONS, json={"from_version": 1, "to_version": 2, "map": {"handle": "review"}})
    assert [(c["instance_id"], c["outcome"]) for c in mapped.get_json()["cases"]] == [(at_handle, "moved")]
    versions = api.get("/designer/processes/migrate").get_json()["versions"]
    assert [(v["version"], v["running"]) for v in versions] == [(2, 2), (1, 0)]


def test_a_stale_revision_is_reported_not_moved(town):
    world, at_accept, _at_handle = town
    stale = world.as_("admin").post(
        MIGRATIONS, json={"from_version": 1, "to_version": 2, "cases": [{"id": at_accept, "revision": 0}]}
    )
    assert stale.status_code == 200
    [case] = stale.get_json()["cases"]
    assert (case["outcome"], case["message"]) == ("refused", "")  # by a check, as the schema says
    [reason] = case["reasons"]
    assert (reason["code"], reason["blocking"], reason["message"]) == (
        "changed_after_dry_run",
        True,
        "此案件在试运行之后已有变化（已有人办理或处理过），未迁移：请重新试运行，确认后再迁移。",
    )


def test_bad_input_is_named_never_a_500(town):
    world, _at_accept, _at_handle = town
    api = world.as_("designer")
    unknown = api.post(MIGRATIONS + "/dry-run", json={"from_version": 1, "to_version": 2, "map": {"x": "review"}})
    assert unknown.status_code == 422
    assert unknown.get_json()["fields"] == {"map.x": "version 1 of 'migrate' has no element 'x'"}
    assert api.post(MIGRATIONS + "/dry-run", json={"from_version": 1}).status_code == 422
    assert api.post(MIGRATIONS + "/dry-run", json={"from_version": 1, "to_version": 7}).status_code == 404
    assert api.post(MIGRATIONS + "/dry-run", json={"from_version": 2, "to_version": 2}).status_code == 422
    assert api.post(MIGRATIONS, json={"from_version": 1, "to_version": 2, "cases": [{"id": 0}]}).status_code == 422
    nowhere = api.post("/designer/processes/nope/migrations/dry-run", json={"from_version": 1, "to_version": 2})
    assert nowhere.status_code == 404


def test_only_designers_and_admins(town):
    world, at_accept, _at_handle = town
    for username in ("clerk", "chair", "supervisor"):
        refused = world.as_(username).post(MIGRATIONS + "/dry-run", json={"from_version": 1, "to_version": 2})
        assert refused.status_code == 403, username
        assert "process.migrate" in refused.get_json()["message"]
        assert world.as_(username).post(MIGRATIONS, json={"from_version": 1, "to_version": 2}).status_code == 403
    assert world.anonymous().post(MIGRATIONS, json={"from_version": 1, "to_version": 2}).status_code == 401
    browser, token = world.browser("designer")
    assert browser.post(MIGRATIONS, json={"from_version": 1, "to_version": 2}).status_code in (400, 403)
    done = browser.post(
        MIGRATIONS + "/dry-run", json={"from_version": 1, "to_version": 2}, headers={"X-CSRFToken": token}
    )
    assert done.status_code == 200 and done.get_json()["cases"][0]["instance_id"] == at_accept


def test_the_openapi_document_declares_them(world):
    paths = world.anonymous().get("/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/designer/processes/{key}/migrations"]
    assert "post" in paths["/api/v1/designer/processes/{key}/migrations/dry-run"]
