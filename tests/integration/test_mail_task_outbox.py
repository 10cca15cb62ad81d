"""The mail processes send (mail tasks, issue 15) goes out from the outbox through a real SMTP
server (aiosmtpd on localhost, as tests/integration/test_notifications.py runs it) with the
notifications' settings and retry rules: To and Cc in the headers, Bcc only in the envelope,
the text with its HTML alternative, in the task's charset; sent once; a refused recipient
said on the row; an unreachable or refusing server loses nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.notifications.outbox import MAX_ATTEMPTS, SmtpSettings, send_outbox
from engine.usecases import cases, definitions
from engine.usecases.context import SYSTEM
from storage.models import OutgoingMail
from tests.servers import free_port
from tests.world import act, create_people, deploy

from .test_notifications import Inbox, serving

MEETING = {"subject": "第三次代表大会", "deputy_name": "王五", "meeting_day": "2027-01-05"}
# Camunda's testTextMailExpressions (with a start form and a charset): every field an expression
# but the charset
FROM_THE_CASE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
             xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="Examples">
  <process id="text_mail_expressions" name="邮件（测试）" isExecutable="true">
    <startEvent id="theStart">
      <extensionElements>
        <camunda:formData>
          <camunda:formField id="sender" label="发件人" type="string" />
          <camunda:formField id="recipient" label="收件人" type="string" />
          <camunda:formField id="subject" label="标题" type="string" />
          <camunda:formField id="recipientName" label="称呼" type="string" />
        </camunda:formData>
      </extensionElements>
    </startEvent>
    <sequenceFlow id="f1" sourceRef="theStart" targetRef="sendMail" />
    <serviceTask id="sendMail" camunda:type="mail">
      <extensionElements>
        <camunda:field name="from"><camunda:expression>${sender}</camunda:expression></camunda:field>
        <camunda:field name="to"><camunda:expression>${recipient}</camunda:expression></camunda:field>
        <camunda:field name="subject"><camunda:expression>${subject}</camunda:expression></camunda:field>
        <camunda:field name="text">
          <camunda:expression>Hello ${recipientName}, this is an e-mail</camunda:expression>
        </camunda:field>
        <camunda:field name="charset"><camunda:string>GB18030</camunda:string></camunda:field>
      </extensionElements>
    </serviceTask>
    <sequenceFlow id="f2" sourceRef="sendMail" targetRef="theEnd" />
    <endEvent id="theEnd" />
  </process>
</definitions>"""


class EnvelopeInbox(Inbox):
    """The notifications tests' inbox, keeping each envelope's sender and recipients too."""

    def __init__(self, refuse=()):
        super().__init__(refuse)
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp():
    with serving(EnvelopeInbox(refuse={"broken@example.org"})) as inbox:
        yield inbox


@pytest.fixture
def township(session_factory):
    create_people(session_factory, "clerk")  # no e-mail address: its "new task" notices are not e-mailed
    deploy(session_factory, "mail_task.bpmn")
    with session_factory.begin() as s:
        definitions.deploy(s, FROM_THE_CASE.encode(), "text_mail_expressions.bpmn", SYSTEM)
    return session_factory


def queued(factory) -> list[OutgoingMail]:
    with factory() as s:
        return list(s.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def start_meeting(factory, deputy_email: str) -> int:
    return act(factory, "clerk", cases.start_instance, "mail_task", {**MEETING, "deputy_email": deputy_email}).id


def test_the_queued_mail_is_sent_with_cc_in_the_headers_bcc_in_the_envelope_and_its_html(township, smtp, frozen_clock):
    start_meeting(township, "wang5@example.org")
    assert send_outbox(township, smtp.settings) == 1
    [message] = smtp.messages
    assert message["From"] == "人大工作流 CongressFlow <renda@example.org>"  # the task names no sender
    assert (message["To"], message["Cc"], message["Bcc"]) == (
        "wang5@example.org",
        "镇人大办 <office@renda.example.org>",
        None,
    )
    assert message["Subject"] == "会议通知：第三次代表大会"
    assert smtp.envelopes == [
        ("renda@example.org", ["wang5@example.org", "office@renda.example.org", "archive@renda.example.org"])
    ]
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    # as the server received them: each line ended with CRLF
    assert (plain.get_content_charset(), plain.get_content()) == ("utf-8", "王五代表：请于2027-01-05参加会议。\r\n")
    assert (html.get_content_charset(), html.get_content()) == (
        "utf-8",
        "<p>王五代表：请于<b>2027-01-05</b>参加会议。</p>\r\n",
    )
    [row] = queued(township)
    assert (row.sent_at, row.attempts, row.error) == (frozen_clock, 0, None)
    assert send_outbox(township, smtp.settings) == 0  # sent once
    assert len(smtp.messages) == 1


def test_the_tasks_own_sender_and_charset(township, smtp, frozen_clock):
    data = {
        "sender": "主席团 <chair@renda.example.org>",
        "recipient": "kermit@camunda.org",
        "subject": "Hello Kermit",
        "recipientName": "柯米",
    }
    act(township, "clerk", cases.start_instance, "text_mail_expressions", data)
    assert send_outbox(township, smtp.settings) == 1
    [message] = smtp.messages
    assert (message["From"], message["To"], message["Cc"]) == (
        "主席团 <chair@renda.example.org>",
        "kermit@camunda.org",
        None,
    )
    assert smtp.envelopes == [("renda@example.org", ["kermit@camunda.org"])]  # bounces come to the product
    assert (message.get_content_type(), message.get_content_charset()) == ("text/plain", "gb18030")
    assert message.get_content() == "Hello 柯米, this is an e-mail\r\n"


def test_a_refused_recipient_is_said_on_the_row_and_the_others_get_it(township, smtp, frozen_clock):
    start_meeting(township, "broken@example.org")
    assert send_outbox(township, smtp.settings) == 1
    assert smtp.envelopes == [("renda@example.org", ["office@renda.example.org", "archive@renda.example.org"])]
    [row] = queued(township)
    # stored as a kind and the addresses (with the server's code), said on the case page
    assert (row.sent_at, row.error) == (frozen_clock, "refused: broken@example.org (550)")


def test_a_mail_every_recipient_refuses_is_retried_then_left(township, smtp, frozen_clock):
    data = {"sender": "", "recipient": "broken@example.org", "subject": "s", "recipientName": "x"}
    act(township, "clerk", cases.start_instance, "text_mail_expressions", data)
    for _ in range(MAX_ATTEMPTS + 2):
        assert send_outbox(township, smtp.settings) == 0
    [row] = queued(township)
    assert (row.sent_at, row.attempts) == (None, MAX_ATTEMPTS)
    assert "550" in row.error and smtp.messages == []


def test_an_unreachable_server_loses_nothing(township, smtp, frozen_clock):
    start_meeting(township, "wang5@example.org")
    down = SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)
    assert send_outbox(township, down) == 0
    [row] = queued(township)
    assert (row.sent_at, row.attempts) == (None, 0)
    assert send_outbox(township, smtp.settings) == 1  # the server is back
