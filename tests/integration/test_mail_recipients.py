"""Who a process mail reaches, read from what a real SMTP server (aiosmtpd on localhost)
receives (QA notifications, findings 1, 5 and 7):

* a petitioner's address (a confidential field) in a mail of a version deployed before deploy
  refused it beside other recipients gets a message of its own, naming nobody else, and the
  others' message does not name it;
* a mail whose ``to`` the server refuses is not "sent": every ``to`` refused, failed; some
  refused, partly refused, naming them;
* an optional recipient field left empty is no recipient: the mail goes to the others, and a
  mail left with no ``to`` is kept as not sent, saying why, while the case goes on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.bpmn import mail_tasks
from engine.errors import InvalidBpmn
from engine.notifications.outbox import send_outbox
from engine.usecases import cases, definitions
from engine.usecases.context import SYSTEM
from storage.models import AuditEntry, OutgoingMail
from tests.world import act, create_people

from .test_mail_task_outbox import EnvelopeInbox
from .test_notifications import serving

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="t">"""
SECRET = '<camunda:properties><camunda:property id="confidential" value="true"/></camunda:properties>'
REQUIRED = '<camunda:validation><camunda:constraint name="required"/></camunda:validation>'


def process(key: str, recipients: str, secret: bool = True) -> bytes:
    """The tester's ``mail_ack`` (/tmp/qa-n/bpmn/mailtest.bpmn): a letter registered, its writer
    acknowledged by e-mail (``recipients``: the mail task's address fields), then checked."""
    return f"""{HEAD}
  <bpmn:process id="{key}" name="来信回执测试" isExecutable="true">
    <bpmn:startEvent id="register" name="登记">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="title" label="标题" type="string">{REQUIRED}</camunda:formField>
        <camunda:formField id="writer_email" label="来信人邮箱" type="string">{SECRET if secret else ""}
        </camunda:formField>
        <camunda:formField id="cc_to" label="抄送" type="string"/>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="register" targetRef="ack"/>
    <bpmn:serviceTask id="ack" name="发送回执" camunda:type="mail">
      <bpmn:extensionElements>
        {recipients}
        <camunda:field name="subject"><camunda:expression>来信已收到：${{title}}</camunda:expression></camunda:field>
        <camunda:field name="text"><camunda:string>您的来信已收到。</camunda:string></camunda:field>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="ack" targetRef="review"/>
    <bpmn:userTask id="review" name="核对回执" camunda:candidateGroups="office"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="done"/>
    <bpmn:endEvent id="done"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


TO_WRITER = '<camunda:field name="to"><camunda:expression>${writer_email}</camunda:expression></camunda:field>'
CC_TO = '<camunda:field name="cc"><camunda:expression>${cc_to}</camunda:expression></camunda:field>'
CC_OFFICE = (
    '<camunda:field name="cc"><camunda:string>镇人大办 &lt;office@zhen.example.cn&gt;</camunda:string></camunda:field>'
)
BCC_ARCHIVE = '<camunda:field name="bcc"><camunda:string>archive@zhen.example.cn</camunda:string></camunda:field>'


@pytest.fixture
def smtp():
    with serving(EnvelopeInbox(refuse={"bounce@example.com"})) as inbox:
        yield inbox


@pytest.fixture
def township(session_factory, monkeypatch):
    create_people(session_factory, "clerk", "head")  # the office head reads what is confidential
    # the tester's process as it was deployed before deploy refused it (a version still in use)
    with monkeypatch.context() as before_the_fix:
        before_the_fix.setattr(mail_tasks, "_recipient_problems", lambda process, file: ([], []), raising=False)
        deploy(session_factory, process("mail_ack", TO_WRITER + CC_TO + BCC_ARCHIVE))
    deploy(session_factory, process("ack_alone", TO_WRITER))  # the petitioner's own acknowledgement
    deploy(session_factory, process("notice", TO_WRITER + CC_TO, secret=False))
    deploy(session_factory, process("notice_office", TO_WRITER + CC_OFFICE, secret=False))
    return session_factory


def deploy(factory, source: bytes) -> None:
    with factory.begin() as s:
        definitions.deploy(s, source, "ack.bpmn", SYSTEM)


def start(factory, key: str, **data: str) -> int:
    return act(factory, "clerk", cases.start_instance, key, {"title": "村道路灯损坏", **data}).id


def rows(factory) -> list[OutgoingMail]:
    with factory() as s:
        return list(s.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def mails_on_the_page(factory, username: str, case_id: int):
    return act(factory, username, cases.case_page, case_id).mails


def test_deploy_now_refuses_the_testers_process():
    with pytest.raises(InvalidBpmn) as info:
        from engine.bpmn.parsing import parse_bpmn

        parse_bpmn(process("mail_ack", TO_WRITER + CC_TO), "mailtest.bpmn")
    assert [p.element_id for p in info.value.problems] == ["ack"]
    assert "mail field 'to' sends to 'writer_email', a confidential form field, together with the field 'cc'" in (
        info.value.problems[0].message
    )


def test_a_petitioners_address_gets_a_message_of_its_own_and_the_others_message_does_not_name_it(
    township, smtp, frozen_clock
):
    case_id = start(township, "mail_ack", writer_email="zhaoliu@example.com", cc_to="finance@zhen.example.cn")
    assert send_outbox(township, smtp.settings) == 2
    own, others = smtp.messages
    assert (own["To"], own["Cc"], own["Bcc"]) == ("zhaoliu@example.com", None, None)
    assert (others["To"], others["Cc"], others["Bcc"]) == (None, "finance@zhen.example.cn", None)
    assert "zhaoliu" not in others.as_string()
    assert smtp.envelopes == [
        ("renda@example.org", ["zhaoliu@example.com"]),
        ("renda@example.org", ["finance@zhen.example.cn", "archive@zhen.example.cn"]),
    ]
    assert own["Subject"] == others["Subject"] == "来信已收到：村道路灯损坏"
    # the case page lists both, masked as before for whoever may not read the petitioner
    assert [(m.to, m.cc, m.state) for m in mails_on_the_page(township, "head", case_id)] == [
        (["zhaoliu@example.com"], [], "sent"),
        ([], ["finance@zhen.example.cn"], "sent"),
    ]
    assert [(m.to, m.cc, m.masked) for m in mails_on_the_page(township, "clerk", case_id)] == [
        (["******"], [], True),
        ([], ["******"], True),
    ]
    with township() as s:
        queued = s.scalars(select(AuditEntry.data).where(AuditEntry.action == "mail_queued")).all()
    assert queued == [
        {"to": ["zhaoliu@example.com"], "cc": [], "bcc": []},
        {"to": [], "cc": ["finance@zhen.example.cn"], "bcc": ["archive@zhen.example.cn"]},
    ]


def test_the_same_address_in_a_plain_field_is_still_the_petitioners(township, smtp, frozen_clock):
    """A Cc that repeats the petitioner's address (typed into another field) does not put it
    beside the unit's: the recipient is known by the value, not by the field."""
    start(township, "mail_ack", writer_email="Zhao Liu <zhaoliu@example.com>", cc_to="ZhaoLiu@example.com")
    assert send_outbox(township, smtp.settings) == 2
    assert smtp.envelopes == [
        ("renda@example.org", ["zhaoliu@example.com"]),
        ("renda@example.org", ["archive@zhen.example.cn"]),
    ]
    own, others = smtp.messages
    assert (own["To"], own["Cc"]) == ("Zhao Liu <zhaoliu@example.com>", None)
    assert (others["To"], others["Cc"]) == ("undisclosed-recipients:;", None)


def test_a_mail_whose_only_to_is_refused_failed_though_its_cc_got_it(township, smtp, frozen_clock):
    case_id = start(township, "notice_office", writer_email="bounce@example.com")
    assert send_outbox(township, smtp.settings) == 1  # the office in Cc got it
    assert smtp.envelopes == [("renda@example.org", ["office@zhen.example.cn"])]
    [row] = rows(township)
    assert row.error == "refused: bounce@example.com (550)"
    [mail] = mails_on_the_page(township, "clerk", case_id)
    assert (mail.state, mail.problem, mail.refused, mail.sent_at, mail.error) == (
        "failed",
        "refused",
        ["bounce@example.com"],
        None,
        None,
    )


def test_a_mail_some_of_whose_to_are_refused_is_partly_refused_naming_them(township, smtp, frozen_clock):
    case_id = start(
        township, "notice", writer_email="bounce@example.com, wang5@example.org", cc_to="finance@zhen.example.cn"
    )
    assert send_outbox(township, smtp.settings) == 1
    assert smtp.envelopes == [("renda@example.org", ["wang5@example.org", "finance@zhen.example.cn"])]
    [mail] = mails_on_the_page(township, "clerk", case_id)
    assert (mail.state, mail.refused, mail.sent_at) == ("partial", ["bounce@example.com"], frozen_clock)


def test_a_mail_every_recipient_refuses_says_so_while_it_is_retried(township, smtp, frozen_clock):
    case_id = start(township, "notice", writer_email="bounce@example.com")
    assert send_outbox(township, smtp.settings) == 0
    [mail] = mails_on_the_page(township, "clerk", case_id)
    assert (mail.state, mail.problem, mail.refused) == ("retrying", "refused", ["bounce@example.com"])


def test_a_row_stored_before_says_its_refusal_alike(township, frozen_clock):
    case_id = start(township, "notice_office", writer_email="bounce@example.com")
    with township.begin() as s:
        row = s.scalars(select(OutgoingMail)).one()
        row.sent_at, row.error = frozen_clock, "refused by the server for bounce@example.com"
    [mail] = mails_on_the_page(township, "clerk", case_id)
    assert (mail.state, mail.problem, mail.refused, mail.error) == ("failed", "refused", ["bounce@example.com"], None)


def test_an_optional_cc_left_out_is_no_recipient(township, smtp, frozen_clock):
    case_id = start(township, "notice", writer_email="wang5@example.org")  # no cc_to at all (the tester's CLI start)
    assert [t.bpmn_id for t in act(township, "clerk", cases.instance_detail, case_id).open_tasks] == ["review"]
    assert send_outbox(township, smtp.settings) == 1
    [message] = smtp.messages
    assert (message["To"], message["Cc"]) == ("wang5@example.org", None)
    start(township, "notice", writer_email="wang5@example.org", cc_to="")  # the web form's empty field
    assert send_outbox(township, smtp.settings) == 1


def test_a_mail_left_with_no_to_is_not_sent_and_the_case_goes_on(township, smtp, frozen_clock):
    case_id = start(township, "ack_alone")  # the writer gave no e-mail address
    assert [t.bpmn_id for t in act(township, "clerk", cases.instance_detail, case_id).open_tasks] == ["review"]
    assert send_outbox(township, smtp.settings) == 0 and smtp.messages == []
    [row] = rows(township)
    assert (row.to_addresses, row.sent_at, row.error) == ([], frozen_clock, "no_recipient: writer_email")
    [mail] = mails_on_the_page(township, "clerk", case_id)
    assert (mail.state, mail.problem, mail.left_empty, mail.sent_at) == (
        "unsent",
        "no_recipient",
        ["writer_email"],
        None,
    )
    with township() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "mail_queued")).all() == []
