"""The case page's 发出的邮件 says what became of each mail in the reader's language (QA
notifications, findings 5 and 7): a mail whose only ``to`` a real SMTP server refused is
发送失败, one with some recipients refused 部分收件人被拒收 naming them, one left with no
``to`` 未发送 naming the empty field by its label; never the server's English."""

from __future__ import annotations

import pytest

from engine.notifications.outbox import send_outbox
from engine.usecases import cases, definitions
from engine.usecases.context import SYSTEM
from tests.integration.test_mail_recipients import CC_OFFICE, CC_TO, TO_WRITER, process
from tests.integration.test_mail_task_outbox import EnvelopeInbox
from tests.integration.test_notifications import serving
from tests.world import act
from web.database import session_factory

from .conftest import text_of


@pytest.fixture
def smtp():
    with serving(EnvelopeInbox(refuse={"bounce@example.com"})) as inbox:
        yield inbox


@pytest.fixture
def mailing(app):
    with session_factory(app).begin() as s:
        definitions.deploy(s, process("notice", TO_WRITER + CC_TO, secret=False), "notice.bpmn", SYSTEM)
        definitions.deploy(s, process("notice_office", TO_WRITER + CC_OFFICE, secret=False), "office.bpmn", SYSTEM)
        definitions.deploy(s, process("ack_alone", TO_WRITER), "ack.bpmn", SYSTEM)
    return app


def start(app, key: str, **data: str) -> int:
    return act(app, "office1", cases.start_instance, key, {"title": "村道路灯损坏", **data}).id


def mail_rows(page: str) -> str:
    return page.split('id="mails"', 1)[1].split("</section>", 1)[0]


def test_the_only_to_refused_is_a_failure_said_in_chinese(mailing, smtp, as_user):
    case_id = start(mailing, "notice_office", writer_email="bounce@example.com")
    assert send_outbox(session_factory(mailing), smtp.settings) == 1  # the office in Cc got it
    section = mail_rows(text_of(as_user("office1").get(f"/cases/{case_id}")))
    assert 'data-mail-state="failed"' in section and "发送失败" in section and "已发送" not in section
    assert "邮件服务器拒收：bounce@example.com" in section
    assert "refused by the server" not in section and "refused:" not in section


def test_some_recipients_refused_is_said_naming_them(mailing, smtp, as_user):
    case_id = start(mailing, "notice", writer_email="bounce@example.com, wang5@example.org")
    assert send_outbox(session_factory(mailing), smtp.settings) == 1
    section = mail_rows(text_of(as_user("office1").get(f"/cases/{case_id}")))
    assert 'data-mail-state="partial"' in section and "部分收件人被拒收" in section
    assert "邮件服务器拒收：bounce@example.com" in section


def test_a_mail_with_no_to_left_is_not_sent_naming_the_empty_field(mailing, smtp, as_user):
    case_id = start(mailing, "ack_alone")
    section = mail_rows(text_of(as_user("office1").get(f"/cases/{case_id}")))
    assert 'data-mail-state="unsent"' in section and "未发送" in section
    assert "收件人为空，未发送：「来信人邮箱」未填写" in section
