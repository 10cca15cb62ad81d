"""A hand-over names whom in ``to``: a person who is not there, or who holds the task already, is
a refusal of that field (422 ``fields.to``), not a missing task (404) nor a hand-over to oneself
written into the history (QA-D defect 8)."""

from storage import repositories as repo


def history_actions(caller, task: str) -> list[str]:
    return [entry["action"] for entry in caller.get(f"/tasks/{task}").get_json()["history"]]


def test_an_unknown_or_deactivated_person_is_a_field_error_on_to(world):
    task = world.to_unit("finance")["reply"]
    fin = world.as_("fin")
    assert fin.post(f"/tasks/{task}/claim").status_code == 200
    nobody = fin.post(f"/tasks/{task}/hand-over", json={"to": "nobody"})
    assert nobody.status_code == 422
    assert nobody.get_json()["fields"] == {"to": "no user 'nobody'"}
    assert nobody.get_json()["codes"]["to"] == {"code": "unknown_user", "params": {"username": "nobody"}}
    with world.factory.begin() as s:
        repo.user_by_name(s, "fin2").active = False
    gone = fin.post(f"/tasks/{task}/hand-over", json={"to": "fin2"})
    assert gone.status_code == 422 and gone.get_json()["fields"] == {"to": "fin2 is deactivated"}
    assert [t["task_id"] for t in fin.get("/tasks?scope=mine").get_json()["items"]] == [task]


def test_handing_a_task_to_whoever_holds_it_is_refused_and_not_recorded(world):
    task = world.to_unit("finance")["reply"]
    fin = world.as_("fin")
    assert fin.post(f"/tasks/{task}/claim").status_code == 200
    before = history_actions(fin, task)
    mine = fin.post(f"/tasks/{task}/hand-over", json={"to": "fin", "comment": "给自己"})
    assert mine.status_code == 422
    assert mine.get_json()["fields"] == {"to": "the task is yours already: hand it to a colleague"}
    # whoever may reassign tasks handing it to its holder: nothing would change either
    theirs = world.as_("admin").post(f"/tasks/{task}/hand-over", json={"to": "fin"})
    assert theirs.status_code == 422
    assert theirs.get_json()["codes"]["to"] == {"code": "holds_task_already", "params": {"username": "fin"}}
    assert history_actions(fin, task) == before
    # to a colleague it goes, as before
    handed = fin.post(f"/tasks/{task}/hand-over", json={"to": "fin2"})
    assert handed.status_code == 200 and handed.get_json()["assignee"] == "fin2"
