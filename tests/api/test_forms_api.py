"""Forms through the API as the pages show them: a field shown only for one choice says so
(``visible_when``), a bound written as an expression comes evaluated for the task at hand (the
expression kept beside it), and a process's start form is there to read before starting, with
its run-time option lists, for whoever may start it."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT
from tests.world import deploy

EXTENSION_LEFT = "${setting('proposal.max_extension_months') - extension_months_total}"
PROPOSAL = {
    "kind": "suggestion",
    "title": "修缮村道",
    "content": "村道破损，建议修缮",
    "deputy": "deputy",
    "submitted_during": "recess",
}


@pytest.fixture
def proposals(world):
    deploy(world.app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    return world


def reply_task(world) -> str:
    """A proposal registered and assigned to finance through the API: its 办理并书面答复 task."""
    clerk = world.as_("clerk")
    started = clerk.post("/instances", json={"process_key": "proposal", "data": PROPOSAL})
    assert started.status_code == 201, started.get_json()
    [classify] = started.get_json()["open_tasks"]
    assigned = clerk.post(
        f"/tasks/{classify['task_id']}/complete",
        json={"data": {"category": "construction", "lead_unit": "finance", "cohandling_units": []}},
    )
    assert assigned.status_code == 200, assigned.get_json()
    [reply] = assigned.get_json()["open_tasks"]
    assert reply["bpmn_id"] == "Task_Reply"
    return reply["task_id"]


def test_a_task_form_says_which_fields_follow_a_choice_and_its_bounds_as_they_apply(proposals):
    task_id = reply_task(proposals)
    form = proposals.as_("fin").get(f"/tasks/{task_id}").get_json()["form"]
    fields = {f["id"]: f for f in form["fields"]}
    assert fields["handling_action"]["visible_when"] is None
    # required, but only while the unit replies: shown for that choice alone
    assert fields["reply_class"]["required"] is True
    assert fields["reply_class"]["visible_when"] == {"field": "handling_action", "values": ["reply"], "negated": False}
    assert fields["extension_months"]["visible_when"] == {
        "field": "handling_action",
        "values": ["extend"],
        "negated": False,
    }
    # three months may be asked for in all, none of them granted yet
    assert fields["extension_months"]["constraints"] == {"required": "", "min": "1", "max": "3"}
    assert fields["extension_months"]["constraints_as_declared"] == {"max": EXTENSION_LEFT}
    assert fields["reply_text"]["constraints_as_declared"] == {}


def test_the_start_form_as_the_start_page_offers_it(proposals):
    form = proposals.as_("clerk").get("/definitions/proposal/form")
    assert form.status_code == 200, form.get_json()
    body = form.get_json()
    assert (body["key"], body["name"], body["version"]) == ("proposal", "代表建议、批评和意见办理", 1)
    fields = {f["id"]: f for f in body["form"]["fields"]}
    assert list(fields) == ["kind", "title", "content", "deputy", "joint_deputies", "submitted_during"]
    assert fields["kind"]["options"] == [
        {"id": "suggestion", "name": "建议、批评和意见"},
        {"id": "motion", "name": "议案"},
    ]
    assert fields["title"]["constraints"] == {"required": "", "maxlength": "200"}
    assert (fields["deputy"]["options_source"], fields["deputy"]["readonly"]) == ("deputies", False)
    assert fields["joint_deputies"]["multiple_source"] == "deputies"
    # the world's one deputy, by name, as the page's lists offer him
    assert body["choices"] == {"deputies": {"deputy": "deputy 同志"}}


def test_a_deputy_is_offered_the_start_form_in_his_own_name(proposals):
    body = proposals.as_("deputy").get("/definitions/proposal/form").get_json()
    [deputy] = [f for f in body["form"]["fields"] if f["id"] == "deputy"]
    assert (deputy["readonly"], deputy["default"]) == (True, "deputy")
    [joint] = [f for f in body["form"]["fields"] if f["id"] == "joint_deputies"]
    assert joint["options_exclude"] == ["deputy"]


def test_the_start_form_of_a_department_list_and_who_may_not_read_it(world):
    body = world.as_("clerk").get("/definitions/petition_min/form").get_json()
    [unit] = [f for f in body["form"]["fields"] if f["id"] == "unit"]
    assert (unit["options_source"], unit["required"]) == ("departments", True)
    assert body["choices"]["departments"]["finance"] == "财政所"
    # as the start page: fin may not start a petition, nobody may start what is not deployed
    refused = world.as_("fin").get("/definitions/petition_min/form")
    assert (refused.status_code, refused.get_json()["code"]) == (403, "not_allowed")
    assert world.as_("clerk").get("/definitions/nope/form").status_code == 404
    assert world.anonymous().get("/definitions/review/form").status_code == 401
