"""Text holding a control character (a NUL pasted from another program: PostgreSQL keeps none)
is refused where people write it, as a field error beside what they typed, on every door the
use cases serve: a form's text field, a draft, a cancel reason, a hand-over's note, a 督办's
opinion, a person's name. Any other input carrying one is refused whole (422), nothing stored,
instead of failing the request."""

from __future__ import annotations

import io

import pytest

from engine.errors import InvalidData
from engine.usecases import attachments, cases, people, tasks
from tests.web.conftest import text_of
from tests.world import act, start_review

SAID = "含有控制字符（如 NUL），请删去后再提交"


def test_a_forms_text_field_with_a_nul_is_refused_beside_it_as_typed(app, as_user):
    case = start_review(app, "office1")
    refused = as_user("office1").post(f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "fin\x00ance"})
    assert refused.status_code == 422
    page = text_of(refused)
    assert (
        'value="fin\x00ance"' in page
        and f'<p class="field-error" id="f-lead_unit-error" role="alert">{SAID}</p>' in page
    )
    assert act(app, "office1", cases.instance_detail, case.id).open_tasks[0].task_id == case.task_id  # not completed


def test_a_draft_with_a_control_character_is_refused_not_kept(app, as_user):
    case = start_review(app, "office1")
    refused = as_user("office1").post(f"/tasks/{case.task_id}", data={"action": "draft", "lead_unit": "财政\x07所"})
    assert refused.status_code == 422 and SAID in text_of(refused)
    assert act(app, "office1", tasks.task_page, case.task_id).has_draft is False


def test_a_cancel_reason_with_a_nul_is_refused_beside_it(app, as_user):
    case = start_review(app, "office1")
    refused = as_user("office1").post(f"/cases/{case.id}/cancel", data={"reason": "撤回\x00"})
    assert refused.status_code == 422
    assert f'<p class="field-error" id="cancel-error" role="alert">案件未撤销：{SAID}</p>' in text_of(refused)
    assert act(app, "office1", cases.instance_detail, case.id).status == "running"


@pytest.mark.parametrize(
    ("who", "use_case", "args", "field"),
    [
        ("office1", tasks.hand_over, ("office2", "请\x00办理"), "comment"),
        ("office1", cases.cancel_instance, ("撤\x1b回",), "reason"),
    ],
    ids=["hand-over note", "cancel reason"],
)
def test_every_door_refuses_it_as_a_field_error(app, who, use_case, args, field):
    case = start_review(app, "office1")
    target = case.task_id if use_case is tasks.hand_over else case.id
    with pytest.raises(InvalidData) as refused:
        act(app, who, use_case, target, *args)
    assert refused.value.codes[field].code == "control_character"


def test_a_persons_name_with_a_nul_is_refused(app):
    with pytest.raises(InvalidData) as refused:
        act(app, "admin", people.create_user, "zhang", "Qing-he-73-jie~", display_name="张\x00三", roles=("officer",))
    assert refused.value.codes["display_name"].code == "control_character"


def test_any_other_text_the_database_cannot_keep_is_refused_whole(app, as_user, db_url):
    """An attached file's name carries no rule of its own: PostgreSQL refuses its NUL, and the
    request says so instead of failing; nothing is stored."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite keeps a NUL")
    case = start_review(app, "office1")
    upload = {"file": (io.BytesIO(b"%PDF-1.4"), "来信\x00.pdf")}
    refused = as_user("office1").post(f"/cases/{case.id}/attachments", data=upload, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "提交的内容含有控制字符（如 NUL），无法保存：请删去后再提交。" in text_of(refused)
    assert act(app, "office1", attachments.list_attachments, case.id) == []
