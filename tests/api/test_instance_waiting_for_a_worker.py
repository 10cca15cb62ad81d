"""GET /api/v1/instances/{id} of a case waiting for an external worker: the external task is
where it stands (active on its diagram), though no task is open in it; and of a case moved to
another version: a step done before the move is named as it was then."""

from __future__ import annotations

from engine.usecases import case_migration, cases, tasks
from engine.usecases.context import actor_for
from tests.world import act, deploy


def test_the_external_task_it_waits_at_is_active(world):
    deploy(world.app, "external_task.bpmn")
    case_id = act(world.app, "clerk", cases.start_instance, "external_task", {"subject": "开会通知"}).id
    body = world.as_("clerk").get(f"/instances/{case_id}").get_json()
    assert body["open_tasks"] == []
    assert "send_sms" in body["active_bpmn_ids"]  # beside its error boundary event, armed while it waits
    assert body["element_names"]["send_sms"] == "发送短信通知"


def test_a_step_done_before_a_move_keeps_its_name_then(world):
    deploy(world.app, "migrate_v1.bpmn")
    case = act(world.app, "clerk", cases.start_instance, "migrate", {"subject": "来信甲"})
    act(world.app, "clerk", tasks.claim, case.open_tasks[0].task_id)
    deploy(world.app, "migrate_v2.bpmn")  # 受理 is 受理登记 there
    with world.factory() as s:
        designer = actor_for(s, "designer")
    case_migration.migrate_cases(world.factory, designer, "migrate", 1, 2)
    body = world.as_("clerk").get(f"/instances/{case.id}").get_json()
    claims = [(h["bpmn_id"], h["task_name"]) for h in body["history"] if h["action"] == "claim"]
    assert claims == [("accept", "受理")]
    assert [t["name"] for t in body["open_tasks"]] == ["受理登记"]
    [moved] = [h for h in body["history"] if h["action"] == "case_migrated"]
    assert (moved["data"]["from_version"], moved["data"]["to_version"]) == (1, 2)
