"""POST /api/v1/designer/check: deploy's own checks on the document being edited, storing
nothing, each problem with the element's id and name; GET /api/v1/designer/date-helpers: what
a due date may be written with. Designers only."""

from __future__ import annotations

from storage import repositories as repo
from tests.conftest import FIXTURES

REVIEW = (FIXTURES / "review.bpmn").read_text()

EMPTY_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="blank" name="新流程" isExecutable="true">
    <bpmn:startEvent id="start" name="开始" />
  </bpmn:process>
</bpmn:definitions>
"""
CONDITIONAL_START = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="when_ready" isExecutable="true">
    <bpmn:startEvent id="start" name="条件满足时">
      <bpmn:conditionalEventDefinition><bpmn:condition>ready</bpmn:condition></bpmn:conditionalEventDefinition>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f" sourceRef="start" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def _branch_without_condition(xml: str) -> str:
    """review.bpmn with the condition of the 'accepted' branch of its gateway 是否通过 taken away."""
    start = xml.index("<bpmn:conditionExpression", xml.index('id="f_done"'))
    end = xml.index("</bpmn:conditionExpression>", start) + len("</bpmn:conditionExpression>")
    return xml[:start] + xml[end:]


def test_a_sound_document_is_deployable_and_nothing_is_stored(world):
    api = world.as_("designer")
    answer = api.post("/designer/check", json={"xml": REVIEW, "filename": "review.bpmn"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"deployable": True, "processes": ["review"], "problems": []}
    with world.factory() as s:
        assert repo.latest_definition(s, "review").version == 1  # checked, not deployed


def test_a_branch_without_a_condition_is_named_by_element_id_and_name(world):
    api = world.as_("designer")
    answer = api.post("/designer/check", json={"xml": _branch_without_condition(REVIEW)}).get_json()
    assert answer["deployable"] is False
    [problem] = answer["problems"]
    assert problem["severity"] == "error"
    assert (problem["element_id"], problem["element_name"], problem["element_type"]) == ("f_done", "", "sequenceFlow")
    assert "branch of gateway 'decide' has no condition and is not its default" in problem["message"]
    task = REVIEW.replace(
        'camunda:formKey="check"', 'camunda:dueDate="${deadline_in_days(}" camunda:formKey="check"', 1
    )
    due = api.post("/designer/check", json={"xml": task}).get_json()["problems"]
    assert {(p["element_id"], p["element_name"], p["element_type"]) for p in due} == {("check", "审核答复", "userTask")}
    assert any("ends too early" in p["message"] for p in due)
    assert problem["line"] > 1


def test_an_empty_or_unstartable_process_is_refused_by_check_and_by_deploy(world):
    api = world.as_("designer")
    empty = api.post("/designer/check", json={"xml": EMPTY_PROCESS}).get_json()
    assert [(p["element_id"], p["element_name"]) for p in empty["problems"]] == [("start", "开始")]
    assert "is empty: nothing follows its start event" in empty["problems"][0]["message"]
    waiting = api.post("/designer/check", json={"xml": CONDITIONAL_START}).get_json()
    assert [p["element_id"] for p in waiting["problems"]] == ["when_ready"]
    assert "cannot be started" in waiting["problems"][0]["message"]
    # deploy refuses both in the same words: the check is deploy's own
    made = api.post("/designer/drafts", json={"xml": EMPTY_PROCESS, "filename": "blank.bpmn"}).get_json()
    refused = api.post(f"/designer/drafts/{made['id']}/deploy", json={"revision": made["revision"]})
    assert refused.status_code == 422
    assert "is empty" in refused.get_json()["problems"][0]["message"]
    with world.factory() as s:
        assert repo.latest_definition(s, "blank") is None


def test_what_is_not_bpmn_is_a_located_problem_not_an_error_answer(world):
    api = world.as_("designer")
    broken = api.post("/designer/check", json={"xml": "<bpmn:definitions", "filename": "x.bpmn"}).get_json()
    assert broken["deployable"] is False
    [problem] = broken["problems"]
    assert problem["line"] == 1 and problem["element_id"] is None and problem["element_name"] == ""
    assert "not well-formed XML" in problem["message"]
    blank = api.post("/designer/check", json={"xml": ""}).get_json()
    assert blank["problems"][0]["message"] == "the document is empty"
    assert api.post("/designer/check", json={}).status_code == 422  # no xml at all: the field is named


def test_a_deploy_warning_is_a_warning_and_stays_deployable(world):
    api = world.as_("designer")
    no_id = REVIEW.replace('<bpmn:sequenceFlow id="f1" ', "<bpmn:sequenceFlow ", 1)
    assert no_id != REVIEW
    answer = api.post("/designer/check", json={"xml": no_id}).get_json()
    assert answer["deployable"] is True
    assert [p["severity"] for p in answer["problems"]] == ["warning"]


def test_date_helpers_offer_the_functions_and_every_period_setting(world):
    helpers = world.as_("designer").get("/designer/date-helpers").get_json()
    expressions = [h["expression"] for h in helpers]
    assert "${deadline_in_working_days(10)}" in expressions
    assert "${deadline_in_months(setting('proposal.reply_months'))}" in expressions
    assert "${deadline_in_working_days(setting('proposal.evaluation_working_days'))}" in expressions
    assert not any("script." in e or "congress." in e for e in expressions)  # not periods
    reply = next(h for h in helpers if "proposal.reply_months" in h["expression"])
    assert reply["label"].startswith("代表建议答复期限")


def test_only_designers_and_administrators_may_ask(world):
    for who in ("clerk", "chair"):
        assert world.as_(who).post("/designer/check", json={"xml": REVIEW}).status_code == 403
        assert world.as_(who).get("/designer/date-helpers").status_code == 403
    assert world.as_("admin").post("/designer/check", json={"xml": REVIEW}).status_code == 200


def test_a_group_or_user_no_one_here_is_is_a_warning(world):
    nobody = REVIEW.replace('camunda:candidateGroups="office"', 'camunda:candidateGroups="office,zhengfuban"', 1)
    answer = world.as_("designer").post("/designer/check", json={"xml": nobody, "filename": "review.bpmn"})
    assert answer.status_code == 200
    checked = answer.get_json()
    assert checked["deployable"] is True
    [warning] = checked["problems"]
    assert (warning["severity"], warning["element_id"], warning["element_name"], warning["message"]) == (
        "warning",
        "register",
        "登记",
        "user task 'register' is offered to the group 'zhengfuban', which is no unit (code or name) or role here: "
        "no one would get it",
    )


def test_a_task_offered_to_the_monitoring_role_is_a_warning(world):
    """monitor is a monitoring system's account: it reads /metrics and is offered no work."""
    monitored = REVIEW.replace('camunda:candidateGroups="office"', 'camunda:candidateGroups="monitor"', 1)
    checked = world.as_("designer").post("/designer/check", json={"xml": monitored, "filename": "review.bpmn"})
    [warning] = checked.get_json()["problems"]
    assert (warning["severity"], warning["element_id"], warning["message"]) == (
        "warning",
        "register",
        "user task 'register' is offered to the group 'monitor': that role is a monitoring system's account, "
        "which reads the metrics and takes no task",
    )


def test_an_id_written_twice_names_each_element_by_its_own_line(world):
    """Two elements sharing an id: each problem names the element at its own line (the user task
    登记, then the end event 办结 that took its id), not the last of the id twice."""
    twice = REVIEW.replace('<bpmn:endEvent id="end" name="办结" />', '<bpmn:endEvent id="register" name="办结" />', 1)
    assert twice != REVIEW
    answer = world.as_("designer").post("/designer/check", json={"xml": twice, "filename": "review.bpmn"}).get_json()
    assert answer["deployable"] is False
    duplicates = [p for p in answer["problems"] if p["message"] == "duplicate id 'register'"]
    assert [(p["line"], p["element_id"], p["element_name"], p["element_type"]) for p in duplicates] == [
        (35, "register", "登记", "userTask"),
        (94, "register", "办结", "endEvent"),
    ]
