"""The case page says why a 督办 ended unanswered: the process took its task back (改办), by
what; not only that its task or case ended."""

from __future__ import annotations

from engine.usecases import cases, supervision, tasks
from tests.conftest import REPO_ROOT
from tests.web.conftest import text_of
from tests.world import act, deploy


def reassigned_under_a_supervision(app) -> int:
    """A proposal whose lead unit (finance) got a 督办, asked to return it and was let go (改办)."""
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    data = {
        "kind": "suggestion",
        "title": "修缮村道",
        "content": "见附件",
        "deputy": "deputy",
        "submitted_during": "recess",
    }
    case = act(app, "office1", cases.start_instance, "proposal", data)
    assignment = {
        "category": "construction",
        "lead_unit": "finance",
        "cohandling_units": [],
        "assignment_note": "请办理",
    }
    act(app, "office1", tasks.complete, case.open_tasks[0].task_id, assignment)

    def open_task(bpmn_id: str) -> str:
        found = act(app, "office1", cases.instance_detail, case.id).open_tasks
        return next(t.task_id for t in found if t.bpmn_id == bpmn_id)

    act(app, "supervisor", supervision.issue, case.id, open_task("Task_Reply"), "请尽快答复", None)
    act(
        app,
        "finance1",
        tasks.complete,
        open_task("Task_Reply"),
        {"handling_action": "return", "return_reason": "非本所职责"},
    )
    decision = {"return_decision": "reassign", "return_opinion": "同意改办"}
    act(app, "office1", tasks.complete, open_task("Task_ReviewReturn"), decision)
    return case.id


def test_the_case_page_says_the_supervised_task_was_withdrawn_and_by_what(app, as_user):
    case_id = reassigned_under_a_supervision(app)
    listed = text_of(as_user("supervisor").get(f"/cases/{case_id}")).split('id="supervisions"', 1)[1]
    listed = listed.split("</section>", 1)[0]
    assert 'data-state="ended"' in listed and "未回复，已结束" in listed
    assert 'title="所督办的任务已撤回，未作回复"' in listed
    assert '<span class="withdrawn">任务已因「退回改办」撤回</span>' in listed
