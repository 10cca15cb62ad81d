"""What a deputy reads of his own proposal, through every door (page, API, command line): its
facts by their labels and its history with the values the forms label, his own evaluations in
full; never the process's working variables by their technical keys (``rehandle_count``,
``solved``), which the office and the units, who work the case, still see."""

from __future__ import annotations

import json
import re

import pytest

from engine import access
from engine.usecases import cases, tasks
from tests.access.conftest import Town
from tests.conftest import REPO_ROOT
from tests.world import act, deploy

# working variables of the proposal process (its scripts' bookkeeping), never labelled by a form
WORKING = ("rehandle_count", "solved", "outcome", "evaluation_count", "initiator", "reply_due")


def evaluated_proposal(town: Town) -> int:
    """A proposal the office registered for ``deputy``, answered by finance, evaluated 不满意 by
    the deputy (so re-handled and waiting for his second evaluation)."""
    deploy(town.app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    data = {"kind": "suggestion", "title": "修缮村道", "content": "村道破损", "deputy": "deputy"}
    case = act(town.app, "clerk", cases.start_instance, "proposal", {**data, "submitted_during": "recess"})
    [classify] = case.open_tasks
    act(town.app, "clerk", tasks.complete, classify.task_id, {"category": "construction", "lead_unit": "finance"})
    [reply] = act(town.app, "clerk", cases.instance_detail, case.id).open_tasks
    act(town.app, "finance", tasks.claim, reply.task_id)
    act(
        town.app,
        "finance",
        tasks.complete,
        reply.task_id,
        {"handling_action": "reply", "reply_class": "A", "reply_text": "已安排修缮", "reply_signer": "张所长"},
    )
    [evaluate] = act(town.app, "clerk", cases.instance_detail, case.id).open_tasks
    evaluation = {"evaluation": "不满意", "unsatisfied_reason": "未见动工"}
    act(town.app, "deputy", tasks.complete, evaluate.task_id, evaluation)
    return case.id


@pytest.mark.parametrize(
    "roles, may",
    [
        (("deputy",), False),
        ((), False),
        (("officer",), True),
        (("officer", "deputy"), True),  # an officer who is also a deputy works the processes
        (("supervisor",), True),
        (("chair",), True),
        (("admin",), True),
        (("designer",), True),
    ],
)
def test_who_reads_a_cases_working_data(roles, may):
    assert access.may_read_working_data(access.Actor("x", frozenset(roles))) is may


def test_the_deputys_case_page_shows_labelled_facts_and_his_own_evaluation(town: Town):
    case_id = evaluated_proposal(town)
    html = town.browser("deputy").get(f"/cases/{case_id}").get_data(as_text=True)
    variables = html.split('id="variables"', 1)[1].split("</section>", 1)[0]
    assert '<dd data-var="evaluation">不满意</dd>' in variables
    assert '<dd data-var="reply_text">已安排修缮</dd>' in variables
    assert "其他流程变量" not in html
    assert not any(f'data-var="{key}"' in html or f"<code>{key}</code>" in html for key in WORKING)
    history = re.sub(r"<[^>]+>|\s+", " ", html.split('id="history"', 1)[1].split("</ol>", 1)[0])
    assert "评价：不满意；不满意的理由：未见动工" in history  # what he entered himself
    assert "答复内容：已安排修缮" in history and "主办单位：财政所" in history  # the others' labelled values

    office = town.browser("clerk").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "其他流程变量" in office and "<code>rehandle_count</code>" in office  # the office works the case
    assert "评价：不满意；不满意的理由：未见动工" in re.sub(r"<[^>]+>|\s+", " ", office)


def test_the_api_and_the_command_line_give_the_deputy_the_same(town: Town):
    case_id = evaluated_proposal(town)
    detail = town.api("deputy", "GET", f"/instances/{case_id}").get_json()
    assert set(detail["variables"]) <= set(detail["labels"])
    assert detail["variables"]["evaluation"] == "不满意" and not set(WORKING) & set(detail["variables"])
    [own] = [h for h in detail["history"] if h["actor"] == "deputy" and h["action"] == "complete"]
    assert own["data"] == {"evaluation": "不满意", "unsatisfied_reason": "未见动工"}
    for entry in detail["history"]:  # others' entries: labelled values, or what the page says of them
        assert entry["data"] is None or set(entry["data"]) <= set(detail["labels"]) | {"to", "comment"}
    code, out, _error = town.cli("deputy", "instance", str(case_id))
    assert code == 0 and json.loads(out)["variables"] == detail["variables"]

    office = town.api("clerk", "GET", f"/instances/{case_id}").get_json()
    assert set(WORKING) <= set(office["variables"])


def test_a_task_of_his_case_gives_the_deputy_its_labelled_data_only(town: Town):
    case_id = evaluated_proposal(town)
    [task] = act(town.app, "clerk", cases.instance_detail, case_id).open_tasks  # re-handling, at finance
    read = town.api("deputy", "GET", f"/tasks/{task.task_id}").get_json()
    assert read["data"]["evaluation"] == "不满意" and not set(WORKING) & set(read["data"])
    assert set(WORKING) & set(town.api("finance", "GET", f"/tasks/{task.task_id}").get_json()["data"])


def test_a_hand_over_note_between_the_units_officers_is_not_the_deputys(town: Town):
    """The unit's officer hands the re-handling over to a colleague with a note for him alone
    ("内部交接：…", the form's 给同事的说明): the deputy reads that it was handed over, not the
    note, on the page, in the API and in the history download; the colleague and the office
    read it."""
    case_id = evaluated_proposal(town)
    [task] = act(town.app, "clerk", cases.instance_detail, case_id).open_tasks  # re-handling, at finance
    act(town.app, "finance", tasks.claim, task.task_id)
    note = "内部交接：此事涉及领导亲属，谨慎处理"
    act(town.app, "finance", tasks.hand_over, task.task_id, "finance2", note)

    page = town.browser("deputy").get(f"/cases/{case_id}").get_data(as_text=True)
    api = town.api("deputy", "GET", f"/instances/{case_id}").get_json()
    download = town.browser("deputy").get(f"/cases/{case_id}/history.csv").data.decode("utf-8-sig")
    assert note not in page and note not in json.dumps(api, ensure_ascii=False) and note not in download
    [handed] = [h for h in api["history"] if h["action"] == "hand_over"]
    assert handed["data"] == {"to": "finance2", "comment": "", "withheld": True}
    for reader in ("finance2", "clerk"):
        assert note in town.browser(reader).get(f"/cases/{case_id}").get_data(as_text=True), reader
