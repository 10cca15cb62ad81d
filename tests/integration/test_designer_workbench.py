"""The designer's workbench against a real database (SQLite, and PostgreSQL with
TEST_DATABASE_URL): the process library (versions, case counts, rollback, offering), drafts
(revision check, upload, templates) and the diff of two versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from engine import clock
from engine.errors import Conflict, InvalidBpmn, InvalidData, NotAllowed, NotFound
from engine.usecases import cases, definitions, drafts, library, tasks, timers, version_diff
from engine.usecases.context import SYSTEM
from storage.enums import InstanceStatus
from storage.models import ProcessInstance
from tests.conftest import fixture_bpmn
from tests.world import REPO_ROOT, act, create_people

TEMPLATES = REPO_ROOT / "bpmn" / "templates"
REVIEW = fixture_bpmn("review.bpmn").decode()
RENAMED = REVIEW.replace('name="登记"', 'name="登记分类"')


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "clerk", "fin", "head", "designer", "office_designer", "supervisor")
    with session_factory.begin() as s:
        definitions.deploy(s, REVIEW, "review.bpmn", SYSTEM)
    return session_factory


def start_review(factory, subject="路灯不亮"):
    return act(factory, "clerk", cases.start_instance, "review", {"subject": subject})


def test_versions_with_their_notes_and_case_counts(world):
    first = start_review(world)
    start_review(world)
    with world.begin() as s:
        s.get(ProcessInstance, first.id).status = InstanceStatus.COMPLETED
    act(world, "designer", definitions.deploy_document, RENAMED, "review.bpmn", "登记改名")
    start_review(world)
    review = act(world, "designer", library.process_versions, "review")
    assert [v.version for v in review.versions] == [2, 1] and review.offered
    v2, v1 = review.versions
    assert (v2.note, v2.deployed_by, v2.running, v2.finished, v2.latest) == ("登记改名", "designer", 1, 0, True)
    assert (v1.note, v1.deployed_by, v1.running, v1.finished, v1.latest) == ("", "system", 1, 1, False)
    assert (review.running, review.finished) == (2, 1)
    assert [p.key for p in act(world, "designer", library.process_library)] == ["review"]


def test_the_counts_are_one_query_not_one_per_case(world):
    for n in range(5):
        start_review(world, f"第{n}件")
    statements = []
    with world() as s:
        event.listen(s.get_bind(), "before_cursor_execute", lambda *a: statements.append(a[2]))
        from engine.usecases.context import actor_for

        actor = actor_for(s, "designer")
        statements.clear()
        library.process_library(s, actor)
    assert len(statements) <= 3, statements  # the versions with their counts, the offerings


def test_only_designers_and_admins(world):
    for use_case, args in (
        (library.process_library, ()),
        (library.process_versions, ("review",)),
        (library.version_document, ("review", 1)),
        (library.set_offered, ("review", False)),
        (drafts.list_drafts, ()),
        (version_diff.compare_versions, ("review", 1, 1)),
    ):
        with pytest.raises(NotAllowed):
            act(world, "clerk", use_case, *args)


def test_download_and_an_unknown_version_named(world):
    filename, xml = act(world, "designer", library.version_document, "review", 1)
    assert filename == "review-v1.bpmn" and xml == REVIEW
    with pytest.raises(NotFound, match=r"process 'review' has no version 7: its versions are 1 to 1"):
        act(world, "designer", library.version_document, "review", 7)
    with pytest.raises(NotFound, match="no process 'nope' is deployed"):
        act(world, "designer", library.process_versions, "nope")


def test_rollback_deploys_the_old_content_as_the_newest(world):
    act(world, "designer", definitions.deploy_document, RENAMED, "review.bpmn", "")
    running = start_review(world)  # on v2
    result = act(world, "designer", library.rollback, "review", 1, "改名有误")
    assert (result.version, result.created) == (3, True)
    review = act(world, "designer", library.process_versions, "review")
    v3 = review.versions[0]
    assert (v3.version, v3.rolled_back_from, v3.note) == (3, 1, "回滚：重新部署 v1。改名有误")
    _name, xml = act(world, "designer", library.version_document, "review", 3)
    assert xml == REVIEW
    new = start_review(world)
    with world() as s:
        assert s.get(ProcessInstance, new.id).definition_id == v3.definition_id
        assert s.get(ProcessInstance, running.id).definition_id == review.versions[1].definition_id
    with pytest.raises(InvalidData, match="already the newest"):
        act(world, "designer", library.rollback, "review", 3)
    with pytest.raises(NotFound, match="no version 9"):
        act(world, "designer", library.rollback, "review", 9)


def test_a_stopped_process_is_not_offered_and_its_cases_go_on(world):
    running = start_review(world)
    act(world, "designer", library.set_offered, "review", False)
    assert "review" not in [o.key for o in act(world, "clerk", cases.start_options)]
    with pytest.raises(NotAllowed, match="'review' is not offered for new cases: designer stopped it"):
        start_review(world)
    act(world, "clerk", tasks.claim, running.open_tasks[0].task_id)
    after = act(world, "clerk", tasks.complete, running.open_tasks[0].task_id, {"lead_unit": "finance"})
    assert after and after[0].bpmn_id == "reply"  # the running case goes on
    assert not act(world, "designer", library.process_versions, "review").offered
    act(world, "designer", library.set_offered, "review", True)
    assert start_review(world).id


def test_drafts_save_resume_discard_and_the_revision_check(world):
    draft = act(world, "designer", drafts.create_draft, RENAMED, "review.bpmn", "改登记")
    assert (draft.key, draft.owner, draft.revision, draft.base_version) == ("review", "designer", 1, 1)
    saved = act(world, "designer", drafts.save_draft, draft.id, RENAMED.replace("答复", "书面答复"), 1, "改两处")
    assert (saved.revision, saved.note) == (2, "改两处")
    # the other designer opened revision 1 too: their save is refused, saying why
    with pytest.raises(Conflict, match=r"saved by designer at .* \(revision 2\) after you opened revision 1"):
        act(world, "office_designer", drafts.save_draft, draft.id, RENAMED, 1)
    document = act(world, "office_designer", drafts.get_draft, draft.id)
    assert "书面答复" in document.xml and document.draft.revision == 2
    assert [d.id for d in act(world, "office_designer", drafts.list_drafts, "review")] == [draft.id]
    with pytest.raises(Conflict):
        act(world, "designer", drafts.discard_draft, draft.id, 1)
    act(world, "designer", drafts.discard_draft, draft.id, 2)
    with pytest.raises(NotFound, match=f"no draft {draft.id}"):
        act(world, "designer", drafts.get_draft, draft.id)


def test_deploying_a_draft_uses_its_note_and_removes_it(world):
    draft = act(world, "designer", drafts.create_draft, RENAMED, "review.bpmn", "登记改名")
    with pytest.raises(Conflict):
        act(world, "designer", drafts.deploy_draft, draft.id, 0)
    (deployed,) = act(world, "designer", drafts.deploy_draft, draft.id, 1)
    assert deployed.version == 2
    assert act(world, "designer", library.process_versions, "review").versions[0].note == "登记改名"
    assert act(world, "designer", drafts.list_drafts) == []


def test_a_draft_that_does_not_deploy_stays(world):
    broken = RENAMED.replace('targetRef="set_due" />', 'targetRef="nowhere" />', 1)
    draft = act(world, "designer", drafts.create_draft, broken, "review.bpmn")  # a draft may be unfinished
    with pytest.raises(InvalidBpmn, match="nowhere"):
        act(world, "designer", drafts.deploy_draft, draft.id, 1)
    assert [d.id for d in act(world, "designer", drafts.list_drafts)] == [draft.id]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"hello", r"x\.bpmn:1: not well-formed XML"),
        (b"<html><body/></html>", r"x\.bpmn:1: not a BPMN 2\.0 file: the root element is <html>"),
        (b"\xff\xfe<a/>", r"x\.bpmn:1: not UTF-8 text \(line 1, column 1\)"),
        (b"", r"x\.bpmn: the document is empty"),
        (
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>',
            r"x\.bpmn:1: the document has no <process>",
        ),
    ],
)
def test_an_upload_that_is_not_bpmn_is_refused_naming_the_file(world, data, message):
    with pytest.raises(InvalidBpmn, match=message):
        act(world, "designer", drafts.upload_draft, data, "C:\\models\\x.bpmn")
    assert act(world, "designer", drafts.list_drafts) == []


def test_a_file_not_in_utf8_is_refused_at_the_line_and_column_of_its_first_other_byte(world):
    """Saved by Notepad in GB18030 from the third line on, after a UTF-8 byte order mark: the
    designer is told where, in lines and characters as an editor counts them, not in bytes."""
    head = '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions>\n  <bpmn:process name="审议'
    data = head.encode("utf-8") + "答复".encode("gb18030") + b'" />\n</bpmn:definitions>\n'
    with pytest.raises(InvalidBpmn) as refused:
        act(world, "designer", drafts.upload_draft, data, "gbk.bpmn")
    [problem] = refused.value.problems
    assert (problem.file, problem.line) == ("gbk.bpmn", 3)
    assert problem.message == "not UTF-8 text (line 3, column 25): a .bpmn file is XML in UTF-8"


def test_upload_a_camunda_modeler_file_into_a_draft(world):
    data = fixture_bpmn("camunda_style_gateway.bpmn")
    draft = act(world, "designer", drafts.upload_draft, data, "camunda_style_gateway.bpmn", "来自 Camunda Modeler")
    assert draft.filename == "camunda_style_gateway.bpmn" and draft.base_version is None
    (deployed,) = act(world, "designer", drafts.deploy_draft, draft.id, 1)
    assert deployed.created


def test_diff_of_two_versions_and_of_a_draft(world):
    changed = (
        RENAMED.replace('label="答复类别"', 'label="类别"')
        .replace(">accepted<", ">accepted == True<")
        .replace('<bpmn:endEvent id="supervised_end" name="督办完成" />', "")
        .replace('targetRef="supervised_end"', 'targetRef="end"')
    )
    act(world, "designer", definitions.deploy_document, changed, "review.bpmn")
    diff = act(world, "designer", version_diff.compare_versions, "review", 1, 2)
    by_id = {e.bpmn_id: e for e in diff.elements}
    assert (by_id["register"].status, by_id["register"].old_name, by_id["register"].name) == (
        "changed",
        "登记",
        "登记分类",
    )
    reply = by_id["reply"].form_fields
    assert [(c.what, c.old, c.new) for c in reply] == [("reply_class.label", "答复类别", "类别")]
    assert [(c.what, c.new) for c in by_id["f_done"].expressions] == [("conditionExpression", "accepted == True")]
    assert [(c.what, c.old, c.new) for c in by_id["f_t2"].attributes] == [("targetRef", "supervised_end", "end")]
    assert by_id["supervised_end"].status == "removed" and by_id["supervised_end"].type == "endEvent"
    assert (diff.count("changed"), diff.count("removed"), diff.count("added")) == (4, 1, 0)
    back = act(world, "designer", version_diff.compare_versions, "review", 2, 1)
    assert {e.bpmn_id: e.status for e in back.elements}["supervised_end"] == "added"

    draft = act(world, "designer", drafts.create_draft, REVIEW, "review.bpmn")
    against = act(world, "designer", version_diff.compare_draft, draft.id)
    assert (against.old_version, against.new_version, against.draft_id) == (2, None, draft.id)
    assert {e.bpmn_id for e in against.elements} == {e.bpmn_id for e in back.elements}
    with pytest.raises(NotFound, match="no version 5"):
        act(world, "designer", version_diff.compare_versions, "review", 1, 5)


def test_the_templates(world):
    names = [t.name for t in drafts.templates(TEMPLATES)]
    assert names == ["approval", "deadline_supervision", "unit_round"]
    assert all(t.title and t.description for t in drafts.templates(TEMPLATES))
    with pytest.raises(InvalidData) as refused:
        act(world, "designer", drafts.draft_from_template, TEMPLATES, "nope", "1x", "")
    assert set(refused.value.field_errors) == {"template", "key", "name"}
    with pytest.raises(InvalidData) as refused:
        act(world, "designer", drafts.draft_from_template, TEMPLATES, "approval", "1x", " ")
    assert set(refused.value.field_errors) == {"key", "name"}
    with pytest.raises(InvalidData, match="a process 'review' is already deployed"):
        act(world, "designer", drafts.draft_from_template, TEMPLATES, "approval", "review", "审批")


def _from_template(world, template, key, name):
    draft = act(world, "designer", drafts.draft_from_template, TEMPLATES, template, key, name)
    assert (draft.key, draft.name) == (key, name)
    assert "BPMNShape" in act(world, "designer", drafts.get_draft, draft.id).xml  # a diagram to edit
    (deployed,) = act(world, "designer", drafts.deploy_draft, draft.id, 1)
    assert (deployed.key, deployed.version, deployed.name) == (key, 1, name)


def _do(world, who, detail_or_tasks, bpmn_id, data):
    task = next(t for t in detail_or_tasks if t.bpmn_id == bpmn_id)
    act(world, who, tasks.claim, task.task_id)
    return act(world, who, tasks.complete, task.task_id, data)


def test_the_approval_template_runs_to_its_end(world):
    _from_template(world, "approval", "leave_approval", "请假审批")
    case = act(world, "clerk", cases.start_instance, "leave_approval", {"subject": "年休假", "details": "五天"})
    open_ = _do(world, "head", case.open_tasks, "approve", {"approved": False, "opinion": "写明日期"})
    open_ = _do(world, "clerk", open_, "revise", {"details": "12月20日起五天"})
    open_ = _do(world, "head", open_, "approve", {"approved": True})
    assert _do(world, "clerk", open_, "file", {"file_number": "2026-1"}) == []
    assert act(world, "clerk", cases.instance_detail, case.id).status == "completed"


def test_the_deadline_template_raises_a_supervision_when_overdue(world):
    _from_template(world, "deadline_supervision", "road_repair", "道路维修限期办理")
    data = {"subject": "修路", "unit": "finance", "working_days": 3}
    case = act(world, "clerk", cases.start_instance, "road_repair", data)
    assert [t.bpmn_id for t in case.open_tasks] == ["handle"]
    clock.advance(timedelta(days=10))
    timers.fire_due(world)
    detail = act(world, "clerk", cases.instance_detail, case.id)
    assert sorted(t.bpmn_id for t in detail.open_tasks) == ["handle", "supervise"]
    open_ = _do(world, "clerk", detail.open_tasks, "supervise", {"supervision_note": "请抓紧"})
    assert _do(world, "fin", open_, "handle", {"reply": "已修好"}) == []


def test_the_unit_round_template_gives_each_unit_its_task(world):
    _from_template(world, "unit_round", "year_end_report", "年终报送")
    case = act(
        world, "clerk", cases.start_instance, "year_end_report", {"subject": "年终总结", "units": ["finance", "land"]}
    )
    assert sorted(t.candidate_groups[0] for t in case.open_tasks) == ["finance", "land"]
    finance = next(t for t in case.open_tasks if "finance" in t.candidate_groups)
    open_ = _do(world, "fin", [finance], "report", {"report_text": "财政所总结"})
    assert [t.bpmn_id for t in open_] == ["report"]  # the land office's is still open


def test_the_versions_and_rollback_commands(make_app, db_url, tmp_path, world):
    runner = make_app(db_url).test_cli_runner()
    act(world, "designer", definitions.deploy_document, RENAMED, "review.bpmn", "登记改名")
    listed = runner.invoke(args=["versions", "review", "--user", "designer"])
    assert listed.exit_code == 0, listed.output
    assert "v2" in listed.output and "登记改名" in listed.output and "v1" in listed.output
    done = runner.invoke(args=["rollback", "review", "1", "--note", "改名有误", "--user", "designer", "--json"])
    assert done.exit_code == 0, done.output
    assert '"version": 3' in done.output
    missing = runner.invoke(args=["rollback", "review", "9", "--user", "designer"])
    assert missing.exit_code == 5 and "process 'review' has no version 9" in missing.output
    refused = runner.invoke(args=["versions", "review", "--user", "clerk"])
    assert refused.exit_code == 4
