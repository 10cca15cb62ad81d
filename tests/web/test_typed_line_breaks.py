"""A text typed into a textarea up to its ``maxlength`` is accepted: the browser counts each line
break as one character, and a form submits it as two (CR LF, HTML's form encoding). Comments,
a case's cancel reason and the forms' multi-line fields count the line breaks as typed, and keep
them as plain line breaks."""

from __future__ import annotations

from pathlib import Path

from engine.usecases import cases, comments, definitions
from engine.usecases.context import SYSTEM
from tests.world import act, start_review
from web import database

DEPUTY_REPORT = Path(__file__).resolve().parents[2] / "bpmn" / "deputy_report.bpmn"


def lines_as_submitted(line: str, count: int) -> str:
    """``count`` lines of ``line`` as a browser submits them: each line break CR LF."""
    return "\r\n".join([line] * count)


def test_a_comment_of_4000_characters_with_its_line_breaks_is_posted(app, as_user):
    case = start_review(app, "office1")
    client = as_user("office1")
    # 100 lines of 39 characters and 99 line breaks: 3999 characters in the browser, 4098 as sent
    posted = client.post(f"/tasks/{case.task_id}/comments", data={"body": lines_as_submitted("已" * 39, 100)})
    assert posted.status_code == 302
    [comment] = act(app, "office1", comments.comments, case.id)
    assert comment.body == "\n".join(["已" * 39] * 100)
    on_the_case = client.post(f"/cases/{case.id}/comments", data={"body": lines_as_submitted("再" * 39, 100)})
    assert on_the_case.status_code == 302
    assert len(act(app, "office1", comments.comments, case.id)) == 2


def test_a_cancel_reason_of_1000_characters_with_its_line_breaks_cancels(app, as_user):
    case = start_review(app, "office1")
    # 10 lines of 99 characters and 9 line breaks: 999 characters in the browser, 1008 as sent
    as_user("office1").post(f"/cases/{case.id}/cancel", data={"reason": lines_as_submitted("重" * 99, 10)})
    assert act(app, "office1", cases.instance_detail, case.id).status == "cancelled"


def test_a_form_field_at_its_maxlength_with_line_breaks_is_accepted(app, as_user):
    """代表述职's 述职安排 (maxlength 2000)."""
    with database.session_factory(app).begin() as s:
        definitions.deploy(s, DEPUTY_REPORT.read_bytes(), DEPUTY_REPORT.name, SYSTEM)
    started = act(app, "office1", cases.start_instance, "deputy_report", {})
    task_id = started.open_tasks[0].task_id
    client = as_user("office1")
    assert client.post(f"/tasks/{task_id}/claim").status_code == 302
    # 100 lines of 19 characters and 99 line breaks: 1999 characters in the browser, 2098 as sent
    arrangement = lines_as_submitted("安" * 19, 100)
    done = client.post(
        f"/tasks/{task_id}",
        data={"action": "complete", "reporting_deputies": "deputy", "arrangement": arrangement},
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    detail = act(app, "office1", cases.instance_detail, started.id)
    assert detail.variables["arrangement"] == "\n".join(["安" * 19] * 100)
