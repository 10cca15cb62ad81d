"""Mail tasks (issue 15): a case passes a ``camunda:type="mail"`` task at once, its ``${…}``
fields rendered with the case's data; the mail is queued in ``outgoing_mails`` in the same
transaction as the case, with a ``mail_queued`` entry in its history. A rendered address that
is not one fails the task like a failing script: the starter's error (nothing stored), or an
incident when the scheduler reached the task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.errors import ScriptError
from engine.usecases import cases, incidents
from engine.usecases.confidentiality import history_for
from storage.enums import InstanceStatus
from storage.models import AuditEntry, OutgoingMail, ProcessInstance
from tests.world import create_people, deploy_mail_task_to_a_confidential_address
from tests.world import deploy as deploy_fixtures

from .conftest import act, advance_and_fire, open_ids, status

MEETING = {"subject": "第三次代表大会", "deputy_name": "王五", "meeting_day": "2027-01-05"}


@pytest.fixture
def township(people):
    create_people(people, "admin")
    deploy_fixtures(people, "mail_task.bpmn", "mail_after_timer.bpmn")
    return people


def mails(factory) -> list[OutgoingMail]:
    with factory() as s:
        return list(s.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def history(factory, case_id, action) -> list[AuditEntry]:
    with factory() as s:
        query = select(AuditEntry).where(AuditEntry.instance_id == case_id, AuditEntry.action == action)
        return list(s.scalars(query.order_by(AuditEntry.id)))


def test_a_case_passes_a_mail_task_and_its_rendered_mail_is_queued_with_the_case(township, frozen_clock):
    case = act(township, "clerk", cases.start_instance, "mail_task", {**MEETING, "deputy_email": "wang5@example.org"})
    assert open_ids(township, case.id) == ["check"]  # the mail task completed at once
    [mail] = mails(township)
    assert (mail.instance_id, mail.bpmn_id, mail.sender, mail.charset) == (case.id, "notify", None, "utf-8")
    assert (mail.to_addresses, mail.cc_addresses, mail.bcc_addresses) == (
        ["wang5@example.org"],
        ["镇人大办 <office@renda.example.org>"],
        ["archive@renda.example.org"],
    )
    assert mail.subject == "会议通知：第三次代表大会"
    assert mail.text == "王五代表：请于2027-01-05参加会议。"
    assert mail.html == "<p>王五代表：请于<b>2027-01-05</b>参加会议。</p>"
    assert (mail.created_at, mail.sent_at, mail.attempts, mail.error) == (frozen_clock, None, 0, None)
    [entry] = history(township, case.id, "mail_queued")
    assert (entry.actor, entry.bpmn_id, entry.task_id) == ("system", "notify", mail.task_id)
    assert entry.data == {
        "to": ["wang5@example.org"],
        "cc": ["镇人大办 <office@renda.example.org>"],
        "bcc": ["archive@renda.example.org"],
    }


def test_an_address_that_is_not_one_is_the_starters_error_and_nothing_is_stored(township, frozen_clock):
    with pytest.raises(ScriptError) as info:
        act(township, "clerk", cases.start_instance, "mail_task", {**MEETING, "deputy_email": "王五的邮箱"})
    assert info.value.message == "notify: mail field 'to': '王五的邮箱' is not an e-mail address"
    assert mails(township) == []
    with township() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_a_mail_task_the_scheduler_reaches_is_queued_by_the_firing(township, frozen_clock):
    data = {"subject": "年度报告", "recipient": "Li Si <lisi@example.org>, zhao@example.org"}
    case_id = act(township, "clerk", cases.start_instance, "mail_after_timer", data).id
    assert mails(township) == []  # nothing before the timer
    assert advance_and_fire(township, timedelta(hours=1, minutes=1)) == 1
    [mail] = mails(township)
    assert (mail.bpmn_id, mail.to_addresses, mail.cc_addresses, mail.subject, mail.text, mail.html) == (
        "remind",
        ["Li Si <lisi@example.org>", "zhao@example.org"],
        [],
        "提醒：年度报告",
        "请尽快办理。",
        None,
    )
    assert open_ids(township, case_id) == ["check"]
    assert [e.data["to"] for e in history(township, case_id, "mail_queued")] == [
        ["Li Si <lisi@example.org>", "zhao@example.org"]
    ]


def test_a_failing_address_after_a_timer_fails_the_task_and_is_an_incident_on_the_case(township, frozen_clock):
    data = {"subject": "年度报告", "recipient": "lisi@example.org; zhao@example.org"}
    case_id = act(township, "clerk", cases.start_instance, "mail_after_timer", data).id
    assert advance_and_fire(township, timedelta(hours=1, minutes=1)) == 0  # the firing failed, rolled back
    [seen] = act(township, "admin", incidents.list_incidents)
    assert (seen.instance_id, seen.kind, seen.bpmn_id) == (case_id, "timer", "wait")
    assert seen.message == "remind: mail field 'to': 'lisi@example.org; zhao@example.org' is not an e-mail address"
    assert [i.id for i in act(township, "admin", cases.case_page, case_id).incidents] == [seen.id]
    assert mails(township) == [] and history(township, case_id, "mail_queued") == []
    assert open_ids(township, case_id) == [] and status(township, case_id) == InstanceStatus.RUNNING


def test_the_recipients_in_the_history_are_masked_on_a_case_with_confidential_fields(township):
    deploy_mail_task_to_a_confidential_address(township)
    case_id = act(
        township, "clerk", cases.start_instance, "mail_task", {**MEETING, "deputy_email": "wangwu@example.org"}
    ).id

    with township() as s:
        definition_id = s.get(ProcessInstance, case_id).definition_id

    def recipients(username):
        history = act(township, username, history_for, case_id, definition_id)
        [entry] = [h for h in history if h.action == "mail_queued"]
        return {k: entry.data[k] for k in ("to", "cc", "bcc")}, entry.data.get("withheld", False)

    # the confidential address is the mail's only recipient (deploy refuses one beside others)
    assert recipients("clerk") == ({"to": ["******"], "cc": [], "bcc": []}, True)
    assert recipients("xinfang") == ({"to": ["wangwu@example.org"], "cc": [], "bcc": []}, False)
