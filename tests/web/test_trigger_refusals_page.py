"""The case page's trigger form refused by the engine (the case ended, or does not wait there):
the page says why from the refusal's reason (engine.errors.REASONS), not the 409's general
"reload and try again", in the reader's language, with the way back to the case."""

from __future__ import annotations

from engine.usecases import cases
from tests.world import act, deploy

from .test_error_pages import said


def test_a_cancelled_case_says_it_waits_for_nothing_any_more(app, as_user):
    deploy(app, "await_trigger.bpmn")
    case_id = act(app, "office1", cases.start_instance, "await_trigger", {}, validate=False).id
    act(app, "admin", cases.cancel_instance, case_id, "测试撤销")
    admin = as_user("admin")
    refused = admin.post(f"/cases/{case_id}/trigger", data={"element": "wait_confirm"})
    assert refused.status_code == 409
    text = said(refused)
    assert f"案件 #{case_id} 已撤销，不再等待任何消息。" in text and f'href="/cases/{case_id}"' in text
    assert "请刷新后再试" not in text and "技术信息" not in text
    admin.get("/lang/en")
    english = said(admin.post(f"/cases/{case_id}/trigger", data={"element": "wait_confirm"}))
    assert f"Case #{case_id} is cancelled: it waits for nothing any more." in english


def test_a_case_not_waiting_there_names_the_element(app, as_user):
    deploy(app, "await_trigger.bpmn")
    case_id = act(app, "office1", cases.start_instance, "await_trigger", {}, validate=False).id
    refused = as_user("admin").post(f"/cases/{case_id}/trigger", data={"element": "elsewhere"})
    assert refused.status_code == 404
    assert f"案件 #{case_id} 没有停在接收任务「elsewhere」等待。" in said(refused)
