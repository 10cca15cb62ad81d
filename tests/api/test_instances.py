"""Start, list, look at and cancel cases; confidential fields as on the pages."""

from tests.world import start_petition, start_review


def test_start_with_form_data_and_422_per_field(world):
    clerk = world.as_("clerk")
    bad = clerk.post("/instances", json={"process_key": "review", "data": {"rounds": "many"}})
    assert bad.status_code == 422
    assert set(bad.get_json()["fields"]) == {"subject", "rounds"}
    no_key = clerk.post("/instances", json={"data": {}})
    assert no_key.status_code == 422 and set(no_key.get_json()["fields"]) == {"process_key"}
    unknown = clerk.post("/instances", json={"process_key": "nope"})
    assert unknown.status_code == 404
    started = clerk.post(
        "/instances", json={"process_key": "review", "data": {"subject": "修路"}, "business_key": "2026-001"}
    )
    assert started.status_code == 201
    body = started.get_json()
    assert body["title"] == "修路" and body["status"] == "running" and body["version"] == 1
    assert [t["bpmn_id"] for t in body["open_tasks"]] == ["register"]
    assert (
        world.as_("deputy").post("/instances", json={"process_key": "review", "data": {"subject": "x"}}).status_code
        == 403
    )


def test_detail_variables_history_and_highlights(world):
    case = world.to_unit("finance")
    detail = world.as_("clerk").get(f"/instances/{case['case']}").get_json()
    assert detail["status"] == "running" and detail["process_key"] == "review"
    assert detail["variables"]["subject"] == "路灯不亮" and detail["variables"]["lead_unit"] == "finance"
    assert detail["labels"]["lead_unit"] == "主办单位"
    assert [h["action"] for h in detail["history"]] == ["start", "complete"]
    assert {"start", "register", "set_due"} <= set(detail["completed_bpmn_ids"])
    assert "reply" in detail["active_bpmn_ids"] and detail["overdue_bpmn_ids"] == []
    assert [t["bpmn_id"] for t in detail["open_tasks"]] == ["reply"]
    assert "reply_timer" in {t["bpmn_id"] for t in detail["pending_timers"]}
    assert detail["element_names"]["reply"] == "答复"
    assert world.as_("clerk").get("/instances/999999").status_code == 404


def test_list_filters_and_visibility(world):
    world.to_unit("finance", subject="修桥")
    world.to_unit("land", subject="修渠")
    start_review(world.app, "clerk", "未登记")
    clerk = world.as_("clerk")
    assert clerk.get("/instances").get_json()["total"] == 3
    assert [c["title"] for c in clerk.get("/instances?text=修渠").get_json()["items"]] == ["修渠"]
    # a case's number, with or without #, as the pages show it
    bridge = [c["id"] for c in clerk.get("/instances?text=修桥").get_json()["items"]]
    assert [c["id"] for c in clerk.get(f"/instances?text=%23{bridge[0]}").get_json()["items"]] == bridge
    assert [c["id"] for c in clerk.get(f"/instances?text={bridge[0]}").get_json()["items"]] == bridge
    assert world.as_("landy").get(f"/instances?text={bridge[0]}").get_json()["total"] == 0  # not one of theirs
    assert clerk.get("/instances?status=completed").get_json()["total"] == 0
    assert clerk.get("/instances?process=petition_min").get_json()["total"] == 0
    assert clerk.get("/instances?mine=true&per_page=2").get_json()["total"] == 3
    assert len(clerk.get("/instances?per_page=2").get_json()["items"]) == 2
    # a unit sees the cases it has (had) a task in; supervisors and the office see all
    assert [c["title"] for c in world.as_("fin").get("/instances").get_json()["items"]] == ["修桥"]
    assert world.as_("deputy").get("/instances").get_json()["total"] == 0
    assert world.as_("supervisor").get("/instances").get_json()["total"] == 3
    assert world.as_("clerk2").get("/instances").get_json()["total"] == 3  # the congress office sees all
    assert [c["title"] for c in world.as_("landy").get("/instances").get_json()["items"]] == ["修渠"]
    bad = clerk.get("/instances?status=lost")
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"status"}


def test_admin_cancels_any_case(world):
    case = world.to_unit("land")
    assert world.as_("admin").post(f"/instances/{case['case']}/cancel", json={"reason": "误登"}).status_code == 204
    assert world.as_("admin").get(f"/instances/{case['case']}").get_json()["status"] == "cancelled"


def test_cancel_rules(world):
    case = world.to_unit("finance")
    reason = {"reason": "重复"}
    no_reason = world.as_("clerk").post(f"/instances/{case['case']}/cancel", json={})
    assert no_reason.status_code == 422 and set(no_reason.get_json()["fields"]) == {"reason"}
    blank = world.as_("clerk").post(f"/instances/{case['case']}/cancel", json={"reason": "   "})
    assert blank.status_code == 422 and set(blank.get_json()["fields"]) == {"reason"}
    assert world.as_("landy").post(f"/instances/{case['case']}/cancel", json=reason).status_code == 404
    assert world.as_("deputy").post(f"/instances/{case['case']}/cancel", json=reason).status_code == 404
    assert world.as_("supervisor").post(f"/instances/{case['case']}/cancel", json=reason).status_code == 403
    # the finance unit handles the case but did not start it: not theirs to cancel
    refused = world.as_("fin").post(f"/instances/{case['case']}/cancel", json=reason)
    assert refused.status_code == 403 and "office" in refused.get_json()["message"]
    done = world.as_("clerk").post(f"/instances/{case['case']}/cancel", json={"reason": "重复"})
    assert done.status_code == 204
    detail = world.as_("clerk").get(f"/instances/{case['case']}").get_json()
    assert detail["status"] == "cancelled" and detail["open_tasks"] == []
    assert detail["history"][-1]["action"] == "cancel" and detail["history"][-1]["data"] == {"reason": "重复"}
    again = world.as_("clerk").post(f"/instances/{case['case']}/cancel", json=reason)
    assert again.status_code == 409
    assert world.as_("fin").get(f"/tasks/{case['reply']}").get_json()["can_act"] is False


def test_a_task_lists_the_run_time_choices_of_its_form(world):
    case = start_petition(world.app, "clerk", unit="finance")
    task = world.as_("fin").get(f"/tasks/{case.task_id}").get_json()
    [copy_to] = [f for f in task["form"]["fields"] if f["id"] == "copy_to"]
    assert copy_to["multiple_source"] == "departments"
    assert set(task["choices"]) == {"departments"}  # only what the form refers to
    assert task["choices"]["departments"]["finance"] == "财政所"


def test_confidential_fields_masked_for_the_unit(world):
    """Every carrier and every role: tests/access/test_confidentiality.py."""
    case = start_petition(world.app, "clerk", unit="finance")
    fin_task = world.as_("fin").get(f"/tasks/{case.task_id}").get_json()
    assert fin_task["data"]["subject"] == "反映低保评定问题"
    assert (fin_task["data"]["petitioner_name"], fin_task["data"]["petitioner_phone"]) == ("******", "******")
    assert set(fin_task["hidden"]) == {"petitioner_name", "petitioner_phone"}
    fin_case = world.as_("fin").get(f"/instances/{case.id}").get_json()
    assert fin_case["variables"]["petitioner_name"] == "******"
    assert "张三" not in str(fin_case) and "13900001111" not in str(fin_case)
    assert "张三" not in str(fin_task) and "13900001111" not in str(fin_task)
    # neither a plain officer of the office nor a supervisor may read it
    for username in ("clerk", "supervisor"):
        seen = world.as_(username).get(f"/instances/{case.id}").get_json()
        assert (
            seen["variables"]["petitioner_name"] == "******"
            and seen["history"][0]["data"]["petitioner_phone"] == "******"
        )
