"""The last carriers of a petitioner's identity (the QA walk of 2026-12-06, after the texts were
masked): a 督办's opinion names the petitioner ("请尽快答复陈小红") and was read in clear on the
case and task pages, the printed 督办通知书, the board, the API, the notification and its e-mail;
a file left open named its petitioner in the case's list of files though the history masked it;
and a supervisor, a designer, an administrator or a plain officer who sits in the office could
claim or complete the office's petition task (decide to accept the petition and tell the
petitioner) seeing masks, refused a hand-over of it only as "not in the unit or role"."""

from __future__ import annotations

import io
import json
from urllib.parse import unquote

import openpyxl
import pytest
from sqlalchemy import select

from engine.errors import NotAllowed
from engine.notifications.outbox import send_outbox
from engine.usecases import attachments, cases, definitions, supervision, tasks
from engine.usecases.context import SYSTEM
from storage.models import Notification, User
from tests.access.conftest import Town
from tests.conftest import REPO_ROOT
from tests.file_samples import docx
from tests.integration.test_notifications import Inbox, serving
from tests.world import act
from web import database

MASK = "******"  # confidentiality.MASK, written out: what a reader sees is the test
PETITION = {
    "channel": "letter",
    "petitioner_name": "陈小红",
    "petitioner_phone": "13812345678",
    "petitioner_address": "青山镇新街社区12栋3单元1502室",
    "petition_subject": "宅基地纠纷",
    "petition_content": "邻居占用宅基地。",
    "received_on": "2026-12-07",
    "disposition": "register",
}
LEAKS = ("陈小红", "陈 小红", "13812345678", "138-1234-5678", "1502室")
OPINION = "请尽快电话答复陈 小红（138-1234-5678），并报结果"
OPINION_MASKED = f"请尽快电话答复{MASK}（{MASK}），并报结果"
# who sees a petition but may not read the identity: the handling unit, supervisors, the chair
WITHOUT_THE_RIGHT = ["finance", "office_supervisor", "outsider", "chair"]
# who sits in the office without the right: the office's petition task is not theirs to take
IN_THE_OFFICE_WITHOUT_THE_RIGHT = ["office_supervisor", "office_designer", "office_admin", "clerk"]


def _leaks(text: str) -> list[str]:
    return [s for s in LEAKS if s in text]


def _registered(town: Town) -> tuple[int, str]:
    """The real petition process, registered by the petition officer: (case, its open task
    审查是否受理并告知信访人, offered to the office)."""
    with database.session_factory(town.app).begin() as s:
        definitions.deploy(s, (REPO_ROOT / "bpmn" / "petition.bpmn").read_bytes(), "petition.bpmn", SYSTEM)
    case = act(town.app, "keeper", cases.start_instance, "petition", PETITION)
    [accept] = case.open_tasks
    return case.id, accept.task_id


def _with_the_unit(town: Town) -> tuple[int, str]:
    """A registered petition accepted and assigned to the finance unit: (case, the unit's task)."""
    case_id, accept = _registered(town)
    act(town.app, "keeper", tasks.complete, accept, {"acceptance": "accept", "notified_on": "2026-12-07"})
    [assign] = act(town.app, "keeper", cases.instance_detail, case_id).open_tasks
    act(town.app, "keeper", tasks.complete, assign.task_id, {"handling_unit": "finance", "assignment_note": "请办理"})
    [handle] = act(town.app, "keeper", cases.instance_detail, case_id).open_tasks
    return case_id, handle.task_id


# -- 1. a 督办's opinion ---------------------------------------------------------------------
def _supervised(town: Town) -> tuple[int, str, int]:
    """The unit's task pressed on by a supervisor outside the office, the petitioner named in the
    opinion as a supervisor would type it: (case, task, 督办)."""
    case_id, handle = _with_the_unit(town)
    issued = act(town.app, "outsider", supervision.issue, case_id, handle, OPINION, None)
    return case_id, handle, issued.id


@pytest.mark.parametrize("person", WITHOUT_THE_RIGHT)
def test_the_pages_say_a_supervision_opinion_without_the_identity(town: Town, person):
    case_id, handle, _issued = _supervised(town)
    client = town.browser(person)
    for page in (f"/cases/{case_id}", f"/tasks/{handle}"):
        html = client.get(page).get_data(as_text=True)
        assert OPINION_MASKED in html and _leaks(html) == [], (page, _leaks(html))


def test_the_printed_notice_says_the_opinion_without_the_identity(town: Town):
    _case, _task, issued = _supervised(town)
    # printed for the unit it is addressed to: without the identity, whoever prints it (its
    # issuer; the office head, who may read the identity himself)
    for person in ("outsider", "office_supervisor", "finance", "head"):
        response = town.browser(person).get(f"/board/supervisions/{issued}/notice")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and OPINION_MASKED in html and _leaks(html) == [], person


@pytest.mark.parametrize("person", WITHOUT_THE_RIGHT)
def test_the_api_says_the_opinion_without_the_identity(town: Town, person):
    case_id, _task, _issued = _supervised(town)
    response = town.api(person, "GET", f"/instances/{case_id}/supervisions")
    assert response.status_code == 200 and _leaks(response.get_data(as_text=True)) == []
    assert [s["opinion"] for s in response.get_json()] == [OPINION_MASKED]


def test_issuing_answers_the_issuer_as_every_read_does(town: Town):
    case_id, handle = _with_the_unit(town)
    response = town.api(
        "outsider", "POST", f"/instances/{case_id}/supervisions", json={"task_id": handle, "opinion": OPINION}
    )
    assert response.status_code == 201 and response.get_json()["opinion"] == OPINION_MASKED


def test_the_board_says_the_opinion_without_the_identity(town: Town):
    _supervised(town)
    for person in ("office_supervisor", "outsider"):
        html = town.browser(person).get("/board/").get_data(as_text=True)
        assert OPINION_MASKED in html and _leaks(html) == [], person
        board = town.api(person, "GET", "/board").get_json()
        assert [s["opinion"] for s in board["open_supervisions"]] == [OPINION_MASKED], person
        for fmt in ("xlsx", "csv"):  # the downloads count the 督办, never quote them
            download = town.browser(person).get(f"/board/export.{fmt}")
            assert download.status_code == 200
            if fmt == "xlsx":
                book = openpyxl.load_workbook(io.BytesIO(download.data))
                text = " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row)
            else:
                text = download.data.decode("utf-8-sig")
            assert _leaks(text) == [], (person, fmt)
    head = town.api("head", "GET", "/board").get_json()  # the office head reads the identity
    assert [s["opinion"] for s in head["open_supervisions"]] == [OPINION]


def test_a_notice_and_its_mail_say_the_opinion_as_their_recipient_may_read_it(town: Town):
    """A 督办 on the office's own petition task reaches whoever may take it: the petition officer
    and the office head, who read the opinion as written; a supervisor sitting in the office reads
    the supervisors' copy (who holds it, not 「请尽快办理」) with the identity masked, in the
    notification and in its e-mail alike; the others of the office, who may not take the task
    (a plain officer, the administrator, the designer), are told nothing of it."""
    factory = database.session_factory(town.app)
    case_id, accept = _registered(town)
    with factory.begin() as s:
        for user in s.scalars(select(User)):
            user.email = f"{user.username}@example.org"
    act(town.app, "outsider", supervision.issue, case_id, accept, OPINION, None)
    with factory() as s:
        told = {
            n.username: n
            for n in s.scalars(
                select(Notification).where(Notification.kind == "supervision", Notification.instance_id == case_id)
            )
        }
    assert sorted(told) == ["head", "keeper", "office_supervisor"]  # not the issuer, the clerk, the admin
    task = "「审查是否受理并告知信访人」（案件：宅基地纠纷 · 来信）"
    for person in ("keeper", "head"):
        assert told[person].message == f"{task}收到督办，请尽快办理并回复。督办意见：{OPINION}", person
        assert told[person].params["opinion"] == OPINION, person
    watching = told["office_supervisor"]
    assert watching.message == (
        f"outsider 同志 对{task}发出督办，要求办理人（镇人大办）尽快办理并回复。督办意见：{OPINION_MASKED}"
    )
    assert watching.params["opinion"] == OPINION_MASKED and watching.params["watching"] is True
    assert _leaks(f"{watching.subject} {watching.message} {json.dumps(watching.params, ensure_ascii=False)}") == []
    # the notification page writes it again from what was kept for its reader
    page = town.browser("office_supervisor").get("/notifications").get_data(as_text=True)
    assert OPINION_MASKED in page and _leaks(page) == []
    with serving(Inbox()) as smtp:
        assert send_outbox(factory, smtp.settings) >= len(told)
    mails = {str(m["To"]): m.get_content() for m in smtp.messages}
    assert OPINION in mails["keeper@example.org"] and OPINION in mails["head@example.org"]
    body = mails["office_supervisor@example.org"]
    assert OPINION_MASKED in body and _leaks(body) == []
    assert not {"clerk@example.org", "office_admin@example.org", "office_designer@example.org"} & mails.keys()


# -- 2. a file left open ---------------------------------------------------------------------
def test_a_file_left_open_is_named_without_the_identity(town: Town):
    case_id, handle = _with_the_unit(town)
    letter = act(
        town.app,
        "keeper",
        attachments.add_attachment,
        "陈小红来信.pdf",
        b"%PDF-1.4",
        instance_id=case_id,
        confidential=False,
    )
    reply = act(
        town.app, "finance", attachments.add_attachment, "答复陈小红.docx", docx(), task_id=handle, confidential=False
    )
    for person in ("chair", "office_supervisor"):
        listed = act(town.app, person, attachments.attachments, case_id)
        assert [a.filename for a in listed] == [f"{MASK}来信.pdf", f"答复{MASK}.docx"], person
        assert not any(a.withheld for a in listed)  # left open: opened by whoever sees the case
        api = town.api(person, "GET", f"/instances/{case_id}/attachments")
        assert [a["filename"] for a in api.get_json()] == [f"{MASK}来信.pdf", f"答复{MASK}.docx"], person
        client = town.browser(person)
        for page in (f"/cases/{case_id}", f"/tasks/{handle}"):
            html = client.get(page).get_data(as_text=True)
            assert f"{MASK}来信.pdf" in html and _leaks(html) == [], (person, page, _leaks(html))
        download = client.get(f"/attachments/{letter.id}")
        assert download.status_code == 200 and download.data == b"%PDF-1.4"
        assert unquote(download.headers["Content-Disposition"]).endswith(f"{MASK}来信.pdf"), person
    # its uploader keeps the name they gave it; the keepers of the record read every name in full
    mine = act(town.app, "finance", attachments.attachments, case_id)
    assert [a.filename for a in mine] == [f"{MASK}来信.pdf", "答复陈小红.docx"]
    assert [a.filename for a in act(town.app, "head", attachments.attachments, case_id)] == [
        "陈小红来信.pdf",
        "答复陈小红.docx",
    ]
    assert reply.filename == "答复陈小红.docx"


# -- 3. and 4. the office's petition task is for those who may read the identity ------------------
@pytest.mark.parametrize("person", IN_THE_OFFICE_WITHOUT_THE_RIGHT)
def test_the_office_petition_task_is_claimed_only_by_whoever_may_read_the_identity(town: Town, person):
    _case, accept = _registered(town)
    with pytest.raises(NotAllowed) as refused:
        act(town.app, person, tasks.claim, accept)
    assert refused.value.reason == "task_for_confidential_readers"
    with pytest.raises(NotAllowed) as refused:  # completing it unclaimed would take it as well
        act(town.app, person, tasks.complete, accept, {"acceptance": "reject", "notified_on": "2026-12-07"})
    assert refused.value.reason == "task_for_confidential_readers"
    page = town.api(person, "GET", f"/tasks/{accept}").get_json()
    assert page["can_claim"] is False and page["can_act"] is False  # nor is it offered to them
    said = town.browser(person).get(f"/tasks/{accept}").get_data(as_text=True)
    assert 'id="for-confidential-readers"' in said and "只有有保密权限的人员可以签收办理" in said  # and why
    kept = town.browser("keeper").get(f"/tasks/{accept}").get_data(as_text=True)
    assert 'id="for-confidential-readers"' not in kept
    assert act(town.app, "keeper", tasks.claim, accept).assignee == "keeper"


def test_refused_claims_and_hand_overs_say_why(town: Town):
    _case, accept = _registered(town)
    response = town.browser("office_supervisor").post(f"/tasks/{accept}/claim")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "「审查是否受理并告知信访人」所在案件含保密信息，只有有保密权限的人员可以签收办理。" in html
    assert "请由有保密权限的同事签收办理。" in html
    answered = town.api("clerk", "POST", f"/tasks/{accept}/claim")
    assert answered.status_code == 403 and answered.get_json()["code"] == "not_allowed"
    assert "confidential.read" in answered.get_json()["message"]
    handed = town.browser("keeper").post(f"/tasks/{accept}/handover", data={"colleague": "office_supervisor"})
    html = handed.get_data(as_text=True)
    assert handed.status_code == 403
    assert "不能查看本案的保密信息，不能转交给其办理「审查是否受理并告知信访人」" in html
    assert "不在可以办理" not in html and "请转交给有保密权限的同事。" in html
    answered = town.api("keeper", "POST", f"/tasks/{accept}/hand-over", json={"to": "clerk"})
    assert answered.status_code == 403 and "confidential.read" in answered.get_json()["message"]


def test_the_handling_units_petition_task_is_taken_by_any_of_its_people(town: Town):
    """None of the finance unit may read the identity, by design: its petition task is any of
    theirs, while the office's, offered where the petition officer reads it, is hers."""
    case_id, accept = _registered(town)
    with pytest.raises(NotAllowed):
        act(town.app, "clerk", tasks.claim, accept)
    act(town.app, "keeper", tasks.complete, accept, {"acceptance": "accept", "notified_on": "2026-12-07"})
    [assign] = act(town.app, "keeper", cases.instance_detail, case_id).open_tasks
    act(town.app, "keeper", tasks.complete, assign.task_id, {"handling_unit": "finance", "assignment_note": "请办理"})
    [handle] = act(town.app, "keeper", cases.instance_detail, case_id).open_tasks
    assert act(town.app, "finance", tasks.claim, handle.task_id).assignee == "finance"
    assert act(town.app, "finance", tasks.hand_over, handle.task_id, "finance2").assignee == "finance2"


@pytest.mark.parametrize("person", IN_THE_OFFICE_WITHOUT_THE_RIGHT)
def test_the_office_petition_task_is_not_handed_over_by_whoever_may_not_take_it(town: Town, person):
    """Not to such people, nor by them: a supervisor in the office whose role lets him reassign
    tasks passes the petition officer's task on no more than he takes it."""
    _case, accept = _registered(town)
    with pytest.raises(NotAllowed) as refused:
        act(town.app, person, tasks.hand_over, accept, "keeper")
    assert refused.value.reason == "task_for_confidential_readers"
    assert act(town.app, person, tasks.colleagues, accept) == []  # the page offers no 转交
    assert act(town.app, "keeper", tasks.claim, accept).assignee == "keeper"  # still the officer's


def test_the_printed_notice_is_masked_for_the_unit_it_is_addressed_to_whoever_prints_it(town: Town):
    _case_id, _handle, issued = _supervised(town)
    printed = act(town.app, "keeper", supervision.notice, issued)  # the petition officer may read it all
    assert _leaks(printed.supervision.opinion) == [] and MASK in printed.supervision.opinion
