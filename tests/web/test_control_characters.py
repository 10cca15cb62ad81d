"""Text holding a control character (a NUL pasted from another program: PostgreSQL keeps none)
is refused where people write it, as a field error beside what they typed, on every door the
use cases serve: a form's text field, a draft, a cancel reason, a hand-over's note, a 督办's
opinion, a person's name, an attached file's name, an API token's name, the name of a process
begun from a template; so are the invisible characters that set a direction (U+202A–U+202E,
U+2066–U+2069), which show the text after them reversed. Any other input carrying a control
character is refused whole (422), nothing stored, instead of failing the request."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from engine.errors import InvalidData
from engine.usecases import attachments, cases, comments, drafts, people, tasks, tokens
from storage.models import Department
from tests.web.conftest import text_of
from tests.world import act, session_factory_of, start_review
from web import database

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
    """A text no rule of ours checks that PostgreSQL cannot keep (a NUL) is refused whole, 422,
    saying why, instead of failing; nothing is stored. (A draft's file name was such a text: it
    has a rule of its own now, the next test.) The door is the test's own, writing as given."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite keeps a NUL")

    def unchecked() -> str:
        database.session().add(Department(code="water", name="水利\x00站"))
        database.session().commit()
        return "stored"

    app.add_url_rule("/test/unchecked", "unchecked", unchecked, methods=["POST"])
    refused = as_user("designer").post("/test/unchecked")
    assert refused.status_code == 422
    assert "提交的内容含有控制字符（如 NUL），无法保存：请删去后再提交。" in text_of(refused)
    with session_factory_of(app)() as s:
        assert s.scalar(select(Department).where(Department.code == "water")) is None


def test_a_drafts_file_name_with_a_nul_is_refused_by_its_own_rule(app, as_user):
    designer = as_user("designer")
    made = designer.post(
        "/designer/drafts/from-template", data={"template": "approval", "key": "leave", "name": "请假审批"}
    )
    xml = act(app, "designer", drafts.get_draft, int(made.headers["Location"].rsplit("/", 1)[1])).xml
    refused = designer.post("/designer/drafts/save", data={"xml": xml, "filename": "请假\x00.bpmn"})
    assert refused.status_code == 422
    assert f"文件名：{SAID}" in text_of(refused)
    assert [d.filename for d in act(app, "designer", drafts.list_drafts)] == ["leave.bpmn"]


# -- names: a file's, a token's, a process's begun from a template ---------------------------
DIRECTION_SAID = "含有看不见的文字方向控制符（如 U+202E），会使文字显示得与实际不同，请删去后再提交"


@pytest.mark.parametrize(
    ("filename", "said"),
    [("x\x01y.txt", SAID), ("nul\x00.html.txt", SAID), ("evil\u202egnp.txt", DIRECTION_SAID)],
    ids=["control", "nul", "right-to-left override"],
)
@pytest.mark.parametrize("door", ["case", "task"])
def test_an_attached_files_name_with_a_control_or_direction_character_is_refused(app, as_user, filename, said, door):
    case = start_review(app, "office1")
    url = f"/cases/{case.id}/attachments" if door == "case" else f"/tasks/{case.task_id}/attachments"
    upload = {"file": (io.BytesIO(b"\xe6\x9d\xa5\xe4\xbf\xa1"), filename)}
    refused = as_user("office1").post(url, data=upload, content_type="multipart/form-data", follow_redirects=True)
    assert refused.status_code == 200  # back on the page the file was sent from, saying why
    assert f"附件未上传：{said}" in text_of(refused)
    assert act(app, "office1", attachments.list_attachments, case.id) == []


def test_a_file_name_with_a_zero_width_space_or_a_direction_mark_is_taken(app, as_user):
    """Only the characters that turn text around are refused: a zero-width space pasted with a
    name, or a left-to-right mark, changes no character's place."""
    case = start_review(app, "office1")
    upload = {"file": (io.BytesIO("来信".encode()), "来\u200b信\u200e.txt")}
    sent = as_user("office1").post(f"/cases/{case.id}/attachments", data=upload, content_type="multipart/form-data")
    assert sent.status_code == 302
    assert [a.filename for a in act(app, "office1", attachments.list_attachments, case.id)] == ["来\u200b信\u200e.txt"]


@pytest.mark.parametrize(
    ("name", "said"), [("a\x00b", SAID), ("a\x01b", SAID), ("报表\u2067脚本\u2069", DIRECTION_SAID)]
)
def test_a_token_name_with_a_control_or_direction_character_is_refused_beside_it(app, as_user, name, said):
    refused = as_user("office1").post("/settings/tokens", data={"name": name, "expires_in_days": "90"})
    assert refused.status_code == 422
    assert said in text_of(refused)
    assert act(app, "office1", tokens.list_tokens, "office1") == []


@pytest.mark.parametrize(("name", "said"), [("模板\x01", SAID), ("请假\u202e审批", DIRECTION_SAID)])
def test_a_process_from_a_template_named_with_a_control_or_direction_character_is_refused(app, as_user, name, said):
    refused = as_user("designer").post(
        "/designer/drafts/from-template", data={"template": "approval", "key": "leave", "name": name}
    )
    assert refused.status_code == 422
    assert said in text_of(refused)
    assert act(app, "designer", drafts.list_drafts) == []


# -- free text: a direction character is refused there too -----------------------------------
def test_a_comment_with_a_direction_override_is_refused_beside_it(app, as_user):
    case = start_review(app, "office1")
    refused = as_user("office1").post(f"/cases/{case.id}/comments", data={"body": "已核实\u202e，请办理"})
    assert refused.status_code == 422
    assert f"意见未发表：{DIRECTION_SAID}" in text_of(refused)
    assert act(app, "office1", comments.comments, case.id) == []


def test_a_forms_text_field_with_a_direction_isolate_is_refused_beside_it(app, as_user):
    case = start_review(app, "office1")
    refused = as_user("office1").post(
        f"/tasks/{case.task_id}", data={"action": "complete", "lead_unit": "财政\u2066所"}
    )
    assert refused.status_code == 422
    assert 'id="f-lead_unit-error" role="alert">' in text_of(refused)
    assert act(app, "office1", cases.instance_detail, case.id).open_tasks[0].task_id == case.task_id


def test_a_comment_with_a_zero_width_space_is_taken(app, as_user):
    case = start_review(app, "office1")
    sent = as_user("office1").post(f"/cases/{case.id}/comments", data={"body": "已\u200b核实"})
    assert sent.status_code == 302
    assert [c.body for c in act(app, "office1", comments.comments, case.id)] == ["已\u200b核实"]
