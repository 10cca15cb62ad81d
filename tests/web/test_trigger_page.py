"""A case waiting at a receive task without a message, on its page: 等待外部 lists it (with the
messages and signals the case waits for), and whoever may send messages continues it there."""

from __future__ import annotations

from engine.usecases import cases
from tests.world import act, deploy

from .conftest import text_of


def test_the_case_page_lists_the_trigger_and_who_may_continues_it(app, as_user):
    deploy(app, "await_trigger.bpmn")
    case_id = act(app, "office1", cases.start_instance, "await_trigger", {}, validate=False).id
    officer = text_of(as_user("office1").get(f"/cases/{case_id}"))
    assert 'id="awaited"' in officer and 'data-awaited="trigger"' in officer and "等待确认" in officer
    assert 'data-action="trigger"' not in officer  # no message.send: no button
    refused = as_user("office1").post(f"/cases/{case_id}/trigger", data={"element": "wait_confirm"})
    assert refused.status_code == 403

    admin = as_user("admin")
    page = text_of(admin.get(f"/cases/{case_id}"))
    assert 'data-action="trigger"' in page and 'name="element" value="wait_confirm"' in page
    continued = admin.post(f"/cases/{case_id}/trigger", data={"element": "wait_confirm"})
    assert continued.status_code == 302 and continued.headers["Location"].endswith(f"/cases/{case_id}")
    page = text_of(admin.get(f"/cases/{case_id}"))
    assert "案件已继续办理。" in page and 'id="awaited"' not in page
    assert "外部触发继续" in page  # the history


def test_in_english(app, as_user):
    deploy(app, "await_trigger.bpmn")
    case_id = act(app, "office1", cases.start_instance, "await_trigger", {}, validate=False).id
    client = as_user("admin")
    client.get("/lang/en")
    page = text_of(client.get(f"/cases/{case_id}"))
    assert "Waiting from outside" in page and "Trigger" in page and "Continue" in page
