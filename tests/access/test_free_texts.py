"""What people write on a petition repeats the petitioner's identity: a letter's first line names
its writer and gives a phone, a note asks a colleague to call them back, a cancel reason names the
duplicate's petitioner. Whoever may not read the identity (the handling unit, a supervisor, the
chair) reads every such text with each confidential value of the case masked in it, however it was
typed, on every page, download and answer of the API; the masks themselves tell nothing (the QA
walk of 2026-12-06, findings 1 to 5)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import openpyxl
import pytest

from engine.errors import NotAllowed
from engine.usecases import audit_log, cases, comments, definitions, tasks
from engine.usecases.context import SYSTEM
from tests.access.conftest import Town
from tests.conftest import REPO_ROOT
from tests.world import act
from web import database

MASK = "******"  # confidentiality.MASK, written out: what a reader sees is the test
CONTENT = "我叫陈 小红，住新街社区，电话138-1234-5678。邻居占用我家宅基地。"
CONTENT_MASKED = f"我叫{MASK}，住新街社区，电话{MASK}。邻居占用我家宅基地。"
PETITION = {
    "channel": "letter",
    "petitioner_name": "陈小红",
    "petitioner_phone": "13812345678",
    "petitioner_address": "青山镇新街社区12栋3单元1502室",
    "petitioner_id_number": "43052419900307281X",
    "petition_subject": "宅基地纠纷",
    "petition_content": CONTENT,
    "received_on": "2026-12-07",
    "disposition": "register",
}
# the identity as typed anywhere, and what the old masks showed of it (陈**, 138****5678,
# 430***********281X, 青山镇***********502室)
LEAKS = ("陈小红", "陈 小红", "13812345678", "138-1234-5678", "1502室", "502室", "281X", "陈*", "138*", "*5678")
# who sees the petition but may not read the identity: the handling unit, a supervisor, the chair
READERS_WITHOUT = ["finance", "office_supervisor", "chair"]


def _leaks(text: str) -> list[str]:
    return [s for s in LEAKS if s in text]


@dataclass
class Petition:
    id: int
    handle: str  # the handling unit's open task 办理并书面答复信访人


def _petition(town: Town) -> Petition:
    """The real petition process: registered by the petition officer with the letter's content
    as written, accepted and assigned to the finance unit with a note naming the petitioner."""
    with database.session_factory(town.app).begin() as s:
        definitions.deploy(s, (REPO_ROOT / "bpmn" / "petition.bpmn").read_bytes(), "petition.bpmn", SYSTEM)
    case = act(town.app, "keeper", cases.start_instance, "petition", PETITION)
    [accept] = case.open_tasks
    act(town.app, "keeper", tasks.complete, accept.task_id, {"acceptance": "accept", "notified_on": "2026-12-07"})
    [assign] = act(town.app, "keeper", cases.instance_detail, case.id).open_tasks
    note = {"handling_unit": "finance", "assignment_note": "请核实陈小红反映的情况"}
    act(town.app, "keeper", tasks.complete, assign.task_id, note)
    [handle] = act(town.app, "keeper", cases.instance_detail, case.id).open_tasks
    return Petition(case.id, handle.task_id)


@pytest.mark.parametrize("person", READERS_WITHOUT)
def test_the_task_page_masks_the_identity_in_what_was_written(town: Town, person):
    petition = _petition(town)
    html = town.browser(person).get(f"/tasks/{petition.handle}").get_data(as_text=True)
    assert _leaks(html) == []
    assert CONTENT_MASKED in html and f"请核实{MASK}反映的情况" in html


@pytest.mark.parametrize("person", READERS_WITHOUT)
def test_the_case_page_masks_the_identity_in_what_was_written(town: Town, person):
    petition = _petition(town)
    html = town.browser(person).get(f"/cases/{petition.id}").get_data(as_text=True)
    assert _leaks(html) == []
    assert CONTENT_MASKED in html and f"请核实{MASK}反映的情况" in html


def test_the_keepers_of_the_record_read_what_was_written_in_full(town: Town):
    petition = _petition(town)
    for person in ("keeper", "head"):
        html = town.browser(person).get(f"/cases/{petition.id}").get_data(as_text=True)
        assert CONTENT in html and "请核实陈小红反映的情况" in html and "1502室" in html


def test_the_history_masks_the_identity_in_every_entry(town: Town):
    petition = _petition(town)
    history = act(town.app, "chair", audit_log.case_history, petition.id)
    start, _accept, assign = (e.data for e in history.entries if e.action in ("start", "complete"))
    assert start["petition_content"] == CONTENT_MASKED
    assert [start[f] for f in PETITION if f.startswith("petitioner_")] == [MASK] * 4
    assert assign["assignment_note"] == f"请核实{MASK}反映的情况"
    assert _leaks(str([e.data for e in history.entries])) == []
    by_keeper = act(town.app, "keeper", audit_log.case_history, petition.id)
    assert next(e.data for e in by_keeper.entries if e.action == "start")["petition_content"] == CONTENT


@pytest.mark.parametrize("person", READERS_WITHOUT)
def test_the_history_download_masks_the_identity(town: Town, person):
    petition = _petition(town)
    response = town.browser(person).get(f"/cases/{petition.id}/history.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = [str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert _leaks(" ".join(cells)) == []
    [started] = [c for c in cells if "信访内容" in c]
    assert f"信访内容：我叫{MASK}，住新街社区，电话{MASK}。邻居占用我家宅基地" in started
    assert f"信访人姓名：{MASK}（保密）" in started and f"住址：{MASK}（保密）" in started


@pytest.mark.parametrize("person", READERS_WITHOUT)
def test_the_api_masks_the_identity_in_what_was_written(town: Town, person):
    petition = _petition(town)
    task = town.api(person, "GET", f"/tasks/{petition.handle}")
    case = town.api(person, "GET", f"/instances/{petition.id}")
    assert task.status_code == case.status_code == 200
    assert _leaks(task.get_data(as_text=True)) == [] and _leaks(case.get_data(as_text=True)) == []
    data, detail = task.get_json()["data"], case.get_json()
    assert data["petition_content"] == CONTENT_MASKED and data["assignment_note"] == f"请核实{MASK}反映的情况"
    assert detail["variables"]["petition_content"] == CONTENT_MASKED
    start = next(h for h in detail["history"] if h["action"] == "start")
    assert start["data"]["petition_content"] == CONTENT_MASKED


def test_the_masks_tell_nothing_of_the_values(town: Town):
    """An address with many digits was masked like a phone (青山镇***********502室), a name kept its
    surname and a phone its last four digits: every field now shows the same mask."""
    petition = _petition(town)
    for person in READERS_WITHOUT:
        variables = town.api(person, "GET", f"/instances/{petition.id}").get_json()["variables"]
        assert [variables[f] for f in PETITION if f.startswith("petitioner_")] == [MASK] * 4, person
        html = town.browser(person).get(f"/cases/{petition.id}").get_data(as_text=True)
        assert "青山镇" not in html and "1502" not in html and _leaks(html) == [], person


def test_a_comment_left_open_masks_the_identity_for_others(town: Town):
    petition = _petition(town)
    open_note = "已电话联系陈小红（138 1234 5678），约定周三面谈"
    act(town.app, "keeper", comments.add_comment, open_note, instance_id=petition.id, confidential=False)
    act(town.app, "finance", comments.add_comment, "走访了陈小红", task_id=petition.handle, confidential=False)
    said = f"已电话联系{MASK}（{MASK}），约定周三面谈"
    assert [c.body for c in act(town.app, "chair", comments.comments, petition.id)] == [said, f"走访了{MASK}"]
    answered = town.api("office_supervisor", "GET", f"/instances/{petition.id}/comments").get_json()
    assert [c["body"] for c in answered] == [said, f"走访了{MASK}"]
    html = town.browser("chair").get(f"/cases/{petition.id}").get_data(as_text=True)
    assert said in html and _leaks(html) == []
    # its author keeps their own words; the keepers of the record read all
    assert [c.body for c in act(town.app, "finance", comments.comments, petition.id)] == [said, "走访了陈小红"]
    assert [c.body for c in act(town.app, "keeper", comments.comments, petition.id)] == [open_note, "走访了陈小红"]


def test_a_cancel_reason_masks_the_identity(town: Town):
    petition = _petition(town)
    reason = "与#1重复登记（同一信访人陈 小红，电话13812345678），撤销本件"
    act(town.app, "keeper", cases.cancel_instance, petition.id, reason)
    said = f"与#1重复登记（同一信访人{MASK}，电话{MASK}），撤销本件"
    for person in READERS_WITHOUT:
        detail = town.api(person, "GET", f"/instances/{petition.id}").get_json()
        [cancel] = [h for h in detail["history"] if h["action"] == "cancel"]
        assert cancel["data"]["reason"] == said, person
        html = town.browser(person).get(f"/cases/{petition.id}").get_data(as_text=True)
        assert said in html and _leaks(html) == [], person
    [cancel] = [e for e in act(town.app, "keeper", audit_log.case_history, petition.id).entries if e.action == "cancel"]
    assert cancel.data == {"reason": reason}


def test_a_hand_over_note_is_masked_for_its_recipient_and_withheld_from_others(town: Town):
    """The recipient once read the note in full though he may not read the identity."""
    petition = _petition(town)
    note = "请联系信访人陈小红（13812345678）核实"
    act(town.app, "finance", tasks.hand_over, petition.handle, "finance2", note)

    def said_to(person):
        [entry] = [
            e for e in act(town.app, person, audit_log.case_history, petition.id).entries if e.action == "hand_over"
        ]
        return entry.data["comment"], entry.data.get("withheld", False)

    assert said_to("finance2") == (f"请联系信访人{MASK}（{MASK}）核实", False)  # addressed to him: masked
    assert said_to("finance") == (note, False)  # its author's own words
    assert said_to("chair") == ("", True)  # nobody else's business
    assert said_to("keeper") == (note, False)
    html = town.browser("finance2").get(f"/tasks/{petition.handle}").get_data(as_text=True)
    assert f"请联系信访人{MASK}（{MASK}）核实" in html and _leaks(html) == []


def test_the_office_hands_a_petition_task_only_to_whoever_may_read_the_identity(town: Town):
    """The office's petition task (it tells the petitioner) was offered to the supervisor, the
    designer and the administrator who sit in the office, who would work it seeing masks; the
    handling unit's task, none of whose people may read the identity, goes to any of them."""
    with database.session_factory(town.app).begin() as s:
        definitions.deploy(s, (REPO_ROOT / "bpmn" / "petition.bpmn").read_bytes(), "petition.bpmn", SYSTEM)
    case = act(town.app, "keeper", cases.start_instance, "petition", PETITION)
    [accept] = case.open_tasks
    offered = {username for username, _name in act(town.app, "keeper", tasks.colleagues, accept.task_id)}
    assert offered == {"head"}  # not office_supervisor, office_designer, office_admin nor the clerk
    with pytest.raises(NotAllowed) as refused:
        act(town.app, "keeper", tasks.hand_over, accept.task_id, "office_supervisor", "请审查")
    assert refused.value.reason == "colleague_cannot_read_confidential"  # not "not in the unit or role": he is
    assert act(town.app, "keeper", tasks.hand_over, accept.task_id, "head").assignee == "head"

    petition = _petition(town)
    assert "finance2" in {username for username, _name in act(town.app, "finance", tasks.colleagues, petition.handle)}
    assert act(town.app, "finance", tasks.hand_over, petition.handle, "finance2").assignee == "finance2"
