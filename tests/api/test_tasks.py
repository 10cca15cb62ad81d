"""The inbox API (the same filters as the inbox page) and the work on a task."""

from datetime import timedelta

from engine import clock
from engine.usecases import people
from tests.world import act, deploy, start_review


def test_scopes_mine_group_open(world):
    first = start_review(world.app, "clerk", "第一件").task_id
    second = start_review(world.app, "clerk", "第二件").task_id
    clerk = world.as_("clerk")
    assert clerk.post(f"/tasks/{first}/claim").status_code == 200
    mine = clerk.get("/tasks?scope=mine").get_json()
    group = clerk.get("/tasks?scope=group").get_json()
    open_ = clerk.get("/tasks").get_json()
    assert [t["task_id"] for t in mine["items"]] == [first] and mine["total"] == 1
    assert [t["task_id"] for t in group["items"]] == [second]
    assert {t["task_id"] for t in open_["items"]} == {first, second} and open_["total"] == 2
    # a colleague of the same unit sees the unclaimed one only
    assert [t["task_id"] for t in world.as_("clerk2").get("/tasks").get_json()["items"]] == [second]
    # another unit sees neither
    assert world.as_("fin").get("/tasks").get_json() == {"total": 0, "page": 1, "per_page": 25, "items": []}


def test_filters_process_unit_text_overdue_due_before(world):
    fin_case = world.to_unit("finance", subject="修桥申请")
    world.to_unit("land", subject="宅基地纠纷")
    supervisor = world.as_("supervisor")  # scope all
    everything = supervisor.get("/tasks?scope=all").get_json()
    assert everything["total"] == 2
    assert [t["title"] for t in supervisor.get("/tasks?scope=all&unit=finance").get_json()["items"]] == ["修桥申请"]
    assert [t["title"] for t in supervisor.get("/tasks?scope=all&text=宅基地").get_json()["items"]] == ["宅基地纠纷"]
    assert supervisor.get("/tasks?scope=all&process=petition_min").get_json()["total"] == 0
    assert supervisor.get("/tasks?scope=all&process=review").get_json()["total"] == 2
    assert supervisor.get("/tasks?scope=all&overdue=true").get_json()["total"] == 0
    [reply] = [t for t in everything["items"] if t["task_id"] == fin_case["reply"]]
    assert reply["due_at"] is not None and reply["overdue"] is False
    due = reply["due_at"]
    assert supervisor.get("/tasks", query_string={"scope": "all", "due_before": due}).get_json()["total"] == 0
    later = clock.now() + timedelta(days=400)
    assert (
        supervisor.get("/tasks", query_string={"scope": "all", "due_before": later.isoformat()}).get_json()["total"]
        == 2
    )
    clock.advance(timedelta(days=400))
    overdue = supervisor.get("/tasks?scope=all&overdue=true").get_json()
    assert overdue["total"] == 2 and all(t["overdue"] for t in overdue["items"])


def test_paging_with_total(world):
    for n in range(7):
        start_review(world.app, "clerk", f"案件 {n}")
    clerk = world.as_("clerk")
    pages = [clerk.get(f"/tasks?per_page=3&page={p}").get_json() for p in (1, 2, 3, 4)]
    assert [p["total"] for p in pages] == [7, 7, 7, 7]
    assert [len(p["items"]) for p in pages] == [3, 3, 1, 0]
    ids = [t["task_id"] for p in pages for t in p["items"]]
    assert len(set(ids)) == 7


def test_sort_orders(world):
    first = world.to_unit("finance", subject="先")["reply"]
    clock.advance(timedelta(days=3))
    second = world.to_unit("land", subject="后")["reply"]
    supervisor = world.as_("supervisor")

    def order(sort: str) -> list[str]:
        return [t["task_id"] for t in supervisor.get(f"/tasks?scope=all&sort={sort}").get_json()["items"]]

    assert order("due") == [first, second] and order("-due") == [second, first]
    assert order("created") == [first, second] and order("-created") == [second, first]


def test_bad_filters_are_422_per_field(world):
    response = world.as_("clerk").get("/tasks?scope=everything&per_page=0&due_before=yesterday&sort=title")
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_data" and set(body["fields"]) == {"scope", "per_page", "due_before", "sort"}
    assert "Must be one of" in body["fields"]["scope"]


def test_scope_all_is_for_supervisors(world):
    response = world.as_("clerk").get("/tasks?scope=all")
    assert response.status_code == 403 and response.get_json()["code"] == "not_allowed"


def test_detail_has_form_data_and_history(world):
    case = world.to_unit("finance")
    detail = world.as_("fin").get(f"/tasks/{case['reply']}").get_json()
    assert detail["task"]["bpmn_id"] == "reply" and detail["task"]["candidate_groups"] == ["finance"]
    fields = {f["id"]: f for f in detail["form"]["fields"]}
    assert fields["reply_class"]["type"] == "enum" and fields["reply_class"]["required"] is True
    assert [o["id"] for o in fields["reply_class"]["options"]] == ["A", "B"]
    assert fields["pages"]["constraints"] == {"min": "1"}
    assert detail["data"]["subject"] == "路灯不亮" and detail["data"]["lead_unit"] == "finance"
    assert detail["can_act"] is True and detail["instance_status"] == "running"
    assert [h["action"] for h in detail["history"]] == ["start", "complete"]
    assert [c["username"] for c in detail["colleagues"]] == ["fin2"]


def test_claim_unclaim_hand_over(world):
    case = world.to_unit("finance")
    fin, fin2, task = world.as_("fin"), world.as_("fin2"), case["reply"]
    claimed = fin.post(f"/tasks/{task}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "fin"
    taken = fin2.post(f"/tasks/{task}/claim")
    assert taken.status_code == 409 and "already claimed by fin" in taken.get_json()["message"]
    assert fin.post(f"/tasks/{task}/unclaim").get_json()["assignee"] is None
    handed = fin.post(f"/tasks/{task}/hand-over", json={"to": "fin2", "comment": "请你办理"})
    assert handed.status_code == 200 and handed.get_json()["assignee"] == "fin2"
    assert [t["task_id"] for t in fin2.get("/tasks?scope=mine").get_json()["items"]] == [task]
    wrong = fin2.post(f"/tasks/{task}/hand-over", json={"to": "landy"})
    assert wrong.status_code == 403 and "landy" in wrong.get_json()["message"]
    nobody = fin2.post(f"/tasks/{task}/hand-over", json={"to": "ghost"})
    assert nobody.status_code == 422 and set(nobody.get_json()["fields"]) == {"to"}
    missing = fin2.post(f"/tasks/{task}/hand-over", json={})
    assert missing.status_code == 422 and set(missing.get_json()["fields"]) == {"to"}


def test_complete_422_per_field_then_200(world):
    case = world.to_unit("finance")
    fin = world.as_("fin")
    bad = fin.post(f"/tasks/{case['reply']}/complete", json={"data": {"reply_class": "Z", "pages": 0, "x": 1}})
    assert bad.status_code == 422
    body = bad.get_json()
    assert body["code"] == "invalid_data"
    assert set(body["fields"]) == {"reply_class", "pages", "x"}
    assert "not one of the allowed values" in body["fields"]["reply_class"]
    assert "at least 1" in body["fields"]["pages"]
    not_a_dict = fin.post(f"/tasks/{case['reply']}/complete", json={"data": [1, 2]})
    assert not_a_dict.status_code == 422 and set(not_a_dict.get_json()["fields"]) == {"data"}
    ok = fin.post(f"/tasks/{case['reply']}/complete", json={"data": {"reply_class": "A", "pages": 3}})
    assert ok.status_code == 200
    [check] = ok.get_json()["open_tasks"]
    assert check["bpmn_id"] == "check" and check["assignee"] == "chair"
    again = fin.post(f"/tasks/{case['reply']}/complete", json={"data": {"reply_class": "A"}})
    assert again.status_code == 409 and again.get_json()["code"] == "already_completed"
    assert "already completed by fin" in again.get_json()["message"]


def test_a_draft_is_kept_for_its_author_alone(world):
    """A draft is its author's until the task is submitted: a colleague of the unit, who may
    complete the same task, and the chair, who sees every case, read the form as it starts."""
    case = world.to_unit("finance")
    saved = world.as_("fin").put(f"/tasks/{case['reply']}/draft", json={"data": {"reply_class": "B"}})
    assert saved.status_code == 204
    mine = world.as_("fin").get(f"/tasks/{case['reply']}").get_json()
    assert mine["has_draft"] is True and mine["values"]["reply_class"] == "B"
    for other in ("fin2", "chair"):
        detail = world.as_(other).get(f"/tasks/{case['reply']}").get_json()
        assert detail["has_draft"] is False and "reply_class" not in detail["values"], other
    assert world.as_("landy").put(f"/tasks/{case['reply']}/draft", json={"data": {}}).status_code == 404


def test_unknown_task_is_404(world):
    response = world.as_("clerk").get("/tasks/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    assert world.as_("clerk").get("/tasks/not-a-uuid").status_code == 404


def test_a_fresh_field_left_out_is_answered_empty_as_the_page_sends_it(world):
    """A round sent back (fresh_rounds: 复核 again): the first round's opinion, a fresh field,
    is not the second round's when the second completion leaves it out; the page's form starts
    it empty and sends it so. The note, not fresh, keeps the case's value, as Camunda keeps it."""
    deploy(world.app, "fresh_rounds.bpmn")
    clerk = world.as_("clerk")
    case = clerk.post("/instances", json={"process_key": "fresh_rounds", "data": {"subject": "年度报告"}}).get_json()
    [first] = case["open_tasks"]
    sent_back = clerk.post(
        f"/tasks/{first['task_id']}/complete",
        json={"data": {"decision": "again", "opinion": "材料不全", "note": "见附件"}},
    )
    [second] = sent_back.get_json()["open_tasks"]
    assert second["bpmn_id"] == "review"
    done = clerk.post(f"/tasks/{second['task_id']}/complete", json={"data": {"decision": "done"}})
    assert done.status_code == 200, done.get_json()
    variables = clerk.get(f"/instances/{case['id']}").get_json()["variables"]
    assert (variables["decision"], variables["opinion"], variables["note"]) == ("done", None, "见附件")


def test_a_completion_names_the_tasks_no_active_person_can_take(world):
    """What the task page warns of after a submission, the API's answer says: 国土所's only
    member deactivated, its reply opened all the same, and named; finance's has people."""
    landy = {"display_name": "landy 同志", "email": None, "roles": ("officer",), "department": "land"}
    act(world.app, "admin", people.update_user, "landy", **landy, active=False)
    clerk = world.as_("clerk")
    to_land = clerk.post(
        f"/tasks/{start_review(world.app, 'clerk', '宅基地纠纷').task_id}/complete",
        json={"data": {"lead_unit": "land"}},
    )
    assert to_land.status_code == 200
    [reply] = to_land.get_json()["open_tasks"]
    assert (reply["candidate_groups"], to_land.get_json()["nobody_to_take"]) == (["land"], [reply["task_id"]])
    to_finance = clerk.post(
        f"/tasks/{start_review(world.app, 'clerk', '路灯不亮').task_id}/complete",
        json={"data": {"lead_unit": "finance"}},
    )
    assert to_finance.status_code == 200 and to_finance.get_json()["nobody_to_take"] == []
