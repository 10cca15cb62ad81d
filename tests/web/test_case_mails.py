"""The case page lists the mail its mail tasks sent (issue 15): recipients, subject and whether
it went out; on a case with confidential fields the recipients and the subject are masked for
whoever may not read them; in English too."""

from __future__ import annotations

from sqlalchemy import update

from engine.usecases import cases
from storage.models import OutgoingMail
from tests.world import act, create_people, deploy, deploy_mail_task_to_a_confidential_address
from web.database import session_factory

from .conftest import text_of

MEETING = {"subject": "第三次代表大会", "deputy_name": "王五", "meeting_day": "2027-01-05"}


def mail_case(app, confidential: bool = False) -> int:
    if confidential:
        deploy_mail_task_to_a_confidential_address(app)
    else:
        deploy(app, "mail_task.bpmn")
    return act(app, "office1", cases.start_instance, "mail_task", {**MEETING, "deputy_email": "wangwu@example.org"}).id


def test_the_case_page_lists_the_mail_and_whether_it_went_out(app, as_user):
    case_id = mail_case(app)
    client = as_user("office1")
    page = text_of(client.get(f"/cases/{case_id}"))
    assert 'id="mails"' in page and 'data-mail-state="queued"' in page
    assert "wangwu@example.org" in page and "会议通知：第三次代表大会" in page and "待发送" in page
    with app.app_context(), session_factory(app).begin() as s:
        s.execute(update(OutgoingMail).values(attempts=5, error="550 mailbox unavailable"))
    page = text_of(client.get(f"/cases/{case_id}"))
    assert 'data-mail-state="failed"' in page and "发送失败" in page and "550 mailbox unavailable" in page
    client.get("/lang/en")
    page = text_of(client.get(f"/cases/{case_id}"))
    assert "Mail sent by the process" in page and "failed" in page


def test_on_a_confidential_case_the_recipients_and_subject_are_masked(app, as_user):
    case_id = mail_case(app, confidential=True)
    office = text_of(as_user("office1").get(f"/cases/{case_id}"))
    assert 'id="mails"' in office
    assert "wangwu@example.org" not in office and "******" in office
    assert "会议通知：第三次代表大会" not in office
    create_people(app, "head")  # the office head reads what is confidential
    keeper = text_of(as_user("head").get(f"/cases/{case_id}"))
    assert "wangwu@example.org" in keeper and "会议通知：第三次代表大会" in keeper
