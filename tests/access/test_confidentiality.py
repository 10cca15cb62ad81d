"""A petitioner's identity reaches only those with ``confidential.read`` (the office head and
the petition officer): on every carrier (form data, case variables, history, drafts,
comments, attachments, titles, notifications, e-mails, search; pages, API and command line)
everyone else sees it masked, withheld, or not at all."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine import clock
from engine.errors import InvalidBpmn, InvalidData
from engine.notifications.outbox import SmtpSettings, send_outbox
from engine.usecases import cases, comments, definitions, people, tasks
from engine.usecases import timers as timer_usecases
from engine.usecases.confidentiality import mask, mask_filename
from engine.usecases.context import SYSTEM
from storage.models import Notification, User
from tests.access.conftest import MASKED, MAY_READ_IDENTITY, SECRETS, Town
from tests.conftest import REPO_ROOT
from tests.integration.test_notifications import Inbox
from tests.servers import free_port
from tests.world import FIXTURES, PETITIONER, act
from web import database

# who sees the petition at all (tests/access/test_matrix.py), and of them who may read it
SEES_PETITION = ["office_admin", "head", "keeper", "chair", "finance", "office_supervisor", "outsider"]
MASKED_FOR = [p for p in SEES_PETITION if p not in MAY_READ_IDENTITY]


def _absent(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.mark.parametrize(
    "value, shown",
    [
        ("张三丰", "******"),  # not 张**: a surname narrows a township down to a few families
        ("欧阳娜娜", "******"),
        ("13900001111", "******"),  # not 139****1111: the last four digits tell whose phone
        ("139-0000-1111", "******"),
        ("110101199003071234", "******"),
        ("李", "******"),
        ("", ""),
        (None, None),
        ("城关镇幸福村三组十五号", "******"),  # how long it is tells nothing
        ("青山镇新街社区12栋3单元1502室", "******"),  # many digits: still an address, no room number shown
        (["张三", "李四"], ["******"]),  # nor how many
    ],
)
def test_mask_hand_computed(value, shown):
    assert mask(value) == shown


def test_mask_filename_keeps_the_kind_of_file():
    assert mask_filename("张某来信.pdf") == "******.pdf"
    assert mask_filename("x") == "******"


@pytest.mark.parametrize("person", MASKED_FOR)
def test_pages_show_the_identity_masked(town: Town, person):
    scene = town.scene()
    act(town.app, "head", tasks.hand_over, scene.handle, "finance2", "已约张三丰面谈")
    client = town.browser(person)
    case = client.get(f"/cases/{scene.petition}").get_data(as_text=True)
    task = client.get(f"/tasks/{scene.handle}").get_data(as_text=True)
    for html in (case, task):
        assert "反映低保评定问题" in html
        assert not _absent(html), _absent(html)
        assert all(m in html for m in MASKED) and "保密" in html
        assert "******.pdf" in html and f'href="/attachments/{scene.letter}"' not in html
        assert "保密意见，仅作者和有保密权限的人员可见" in html


@pytest.mark.parametrize("person", sorted(MAY_READ_IDENTITY))
def test_the_keepers_of_the_record_read_it(town: Town, person):
    scene = town.scene()
    client = town.browser(person)
    html = client.get(f"/cases/{scene.petition}").get_data(as_text=True)
    assert "张三丰" in html and "13900001111" in html and "张某来信.pdf" in html and "已电话联系信访人" in html
    assert client.get(f"/attachments/{scene.letter}").data == b"%PDF-1.4 letter"
    detail = town.api(person, "GET", f"/instances/{scene.petition}").get_json()
    assert detail["variables"]["petitioner_name"] == "张三丰" and detail["hidden"] == []


@pytest.mark.parametrize("person", MASKED_FOR)
def test_the_api_masks_every_carrier(town: Town, person):
    scene = town.scene()
    act(town.app, "head", tasks.hand_over, scene.handle, "finance2", "已约张三丰面谈")
    case = town.api(person, "GET", f"/instances/{scene.petition}")
    task = town.api(person, "GET", f"/tasks/{scene.handle}")
    comments = town.api(person, "GET", f"/instances/{scene.petition}/comments")
    files = town.api(person, "GET", f"/instances/{scene.petition}/attachments")
    for response in (case, task, comments, files):
        assert response.status_code == 200
        assert not _absent(response.get_data(as_text=True))
    detail = case.get_json()
    assert (detail["variables"]["petitioner_name"], detail["variables"]["petitioner_phone"]) == MASKED
    assert sorted(detail["hidden"]) == ["petitioner_name", "petitioner_phone"]
    start = next(h for h in detail["history"] if h["action"] == "start")
    assert (start["data"]["petitioner_name"], start["data"]["petitioner_phone"]) == MASKED
    [note] = comments.get_json()
    assert note["withheld"] and note["confidential"] and note["body"] == ""
    [letter] = files.get_json()
    assert letter["withheld"] and letter["filename"] == "******.pdf" and letter["sha256"] == ""
    assert town.api(person, "GET", f"/attachments/{scene.letter}").status_code == 403
    assert task.get_json()["data"]["petitioner_name"] == "******"


@pytest.mark.parametrize("person", MASKED_FOR)
def test_the_command_line_masks_it(town: Town, person):
    scene = town.scene()
    code, out, _error = town.cli(person, "instance", str(scene.petition))
    assert code == 0 and not _absent(out)
    assert json.loads(out)["variables"]["petitioner_name"] == "******"
    plain = town.app.test_cli_runner().invoke(args=["instance", str(scene.petition), "--user", person])
    assert plain.exit_code == 0 and "******" in plain.stdout and not _absent(plain.stdout)


def test_the_author_of_a_confidential_note_still_reads_it(town: Town):
    scene = town.scene()
    mine = act(town.app, "finance", comments.add_comment, "已走访信访人张三丰", task_id=scene.handle)
    assert mine.confidential and not mine.withheld  # a petition's notes are confidential by default
    by_chair = act(town.app, "chair", comments.comments, scene.petition)
    assert [c.withheld for c in by_chair] == [True, True]
    by_finance = act(town.app, "finance", comments.comments, scene.petition)
    assert [c.body for c in by_finance] == ["", "已走访信访人张三丰"]
    open_note = act(
        town.app, "finance", comments.add_comment, "已转财政所办理", task_id=scene.handle, confidential=False
    )
    assert act(town.app, "chair", comments.comments, scene.petition)[-1].body == open_note.body


def test_a_unit_cannot_write_the_identity(town: Town):
    scene = town.scene()
    with pytest.raises(InvalidData) as refused:
        act(town.app, "finance", tasks.complete, scene.handle, {"answer": "已答复", "petitioner_name": "李四"})
    assert set(refused.value.field_errors) == {"petitioner_name"}


def test_a_draft_is_its_authors_and_the_form_it_loads_over_stays_masked(town: Town):
    """The chair, who sees every case, once read the unit's draft here. What a unit typed so far
    is not yet its answer (a name, a guess it will take back): until the task is submitted the
    draft is its author's alone (access.may_read_draft). The chair reads the form as it starts,
    the petitioner masked in it as everywhere, with no mark of a draft."""
    scene = town.scene()
    act(town.app, "finance", tasks.save_draft, scene.handle, {"answer": "草稿：已联系张三丰"})
    page = town.api("chair", "GET", f"/tasks/{scene.handle}").get_json()
    assert page["has_draft"] is False and "answer" not in page["values"]
    assert page["values"]["petitioner_name"] == "******"
    mine = town.api("finance", "GET", f"/tasks/{scene.handle}").get_json()
    assert mine["has_draft"] is True and mine["values"]["answer"] == "草稿：已联系张三丰"
    assert mine["values"]["petitioner_name"] == "******"  # the unit may not read the identity: masked under its draft


def test_search_does_not_find_a_case_by_its_petitioner(town: Town):
    town.scene()
    for person in ("keeper", "chair", "finance"):
        client = town.browser(person)
        assert "反映低保评定问题" in client.get("/cases").get_data(as_text=True)
        assert "反映低保评定问题" not in client.get("/cases?q=张三丰").get_data(as_text=True)
        assert town.api(person, "GET", "/instances?text=张三丰").get_json()["total"] == 0
        assert town.api(person, "GET", "/tasks?text=张三丰").get_json()["total"] == 0


def test_deploy_refuses_a_title_taken_from_a_confidential_field(town: Town):
    xml = (FIXTURES / "petition_min.bpmn").read_text()
    leaky = xml.replace(
        '<camunda:formField id="subject" label="事由" type="string">',
        '<camunda:formField id="subject" label="事由" type="string"><camunda:properties>'
        '<camunda:property id="confidential" value="true" /></camunda:properties>',
    )
    with database.session_factory(town.app).begin() as s, pytest.raises(InvalidBpmn) as refused:
        definitions.deploy(s, leaky, "leaky.bpmn", SYSTEM)
    [problem] = refused.value.problems
    assert problem.element_id == "start" and "'subject' is confidential" in problem.message


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.settings = SmtpSettings(host="127.0.0.1", port=controller.port, sender="renda@example.org")
    yield inbox
    controller.stop()


def test_notifications_and_mails_never_carry_the_identity(town: Town, smtp):
    """The real petition process, overdue at acceptance and at handling: every notice and
    every e-mail names the case by its title only."""
    factory = database.session_factory(town.app)
    with factory.begin() as s:
        definitions.deploy(s, (REPO_ROOT / "bpmn" / "petition.bpmn").read_bytes(), "petition.bpmn", SYSTEM)
        for user in s.scalars(select(User)):
            user.email = f"{user.username}@example.org"
    case = act(
        town.app,
        "keeper",
        cases.start_instance,
        "petition",
        {
            "channel": "letter",
            "petitioner_name": "张三丰",
            "petitioner_phone": "13900001111",
            "petition_subject": "低保资格",
            "petition_content": "张三丰申请复核低保资格",
            "received_on": "2026-12-07",
            "disposition": "register",
        },
    )
    clock.advance(timedelta(days=16))
    assert timer_usecases.fire_due(factory) >= 1
    [accept] = case.open_tasks
    # the office's petition tasks are the petition officer's (a plain officer of the office may not take them)
    act(town.app, "keeper", tasks.complete, accept.task_id, {"acceptance": "accept", "notified_on": "2026-12-23"})
    assign = act(town.app, "keeper", cases.instance_detail, case.id).open_tasks[0]
    act(town.app, "keeper", tasks.complete, assign.task_id, {"handling_unit": "finance", "assignment_note": "请办理"})
    clock.advance(timedelta(days=70))
    assert timer_usecases.fire_due(factory) >= 1
    send_outbox(factory, smtp.settings)
    with factory() as s:
        notes = s.scalars(select(Notification)).all()
    assert {n.kind.value for n in notes} >= {"overdue"} and len(smtp.messages) >= 2
    for n in notes:
        assert not _absent(f"{n.subject} {n.message} {json.dumps(n.params, ensure_ascii=False)}"), n.message
    for message in smtp.messages:
        assert not _absent(message.get_content() + str(message["Subject"]))
    assert all(case.title in m.get_content() for m in smtp.messages)


def test_identity_needs_the_permission_not_the_department(town: Town):
    """A supervisor and a designer who sit in the office see the real petition (its first task
    is the office's) but only masked; the plain officer there too."""
    factory = database.session_factory(town.app)
    with factory.begin() as s:
        definitions.deploy(s, (REPO_ROOT / "bpmn" / "petition.bpmn").read_bytes(), "petition.bpmn", SYSTEM)
        people.update_user(
            s,
            SYSTEM,
            "office_designer",
            display_name="设计员",
            email=None,
            roles=("designer",),
            department="office",
            active=True,
        )
    case = act(
        town.app,
        "keeper",
        cases.start_instance,
        "petition",
        {
            "channel": "visit",
            "petitioner_name": "张三丰",
            "petitioner_phone": "13900001111",
            "petition_subject": "低保资格",
            "petition_content": "申请复核",
            "received_on": "2026-12-07",
            "disposition": "register",
        },
    )
    for person in ("office_supervisor", "office_designer", "clerk"):
        detail = town.api(person, "GET", f"/instances/{case.id}").get_json()
        assert detail["variables"]["petitioner_name"] == "******", person
    assert town.api("head", "GET", f"/instances/{case.id}").get_json()["variables"]["petitioner_name"] == "张三丰"
    assert PETITIONER["petitioner_name"] == "张三丰"


def test_the_start_form_marks_confidential_fields(town: Town):
    html = town.browser("keeper").get("/start/petition_min").get_data(as_text=True)
    assert 'class="field confidential" data-field="petitioner_name"' in html
    assert "保密信息：仅有保密权限的人员（人大办主任、信访专员）可见" in html


def test_a_petition_started_from_the_page_reaches_the_unit_without_the_identity(town: Town):
    keeper = town.browser("keeper")
    response = keeper.post(
        "/start/petition_min",
        data={"subject": "道路积水", "petitioner_name": "李四", "petitioner_phone": "", "unit": "civil_affairs"},
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/cases/")
    inbox = town.browser("civil").get("/?tab=group").get_data(as_text=True)
    assert "道路积水" in inbox and "李四" not in inbox
    refused = keeper.post("/start/petition_min", data={"subject": "", "unit": "nowhere"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "必填" in html and "不是可选的值" in html
