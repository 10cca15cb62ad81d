"""Forms that follow the choice, as the officer meets them: fields that do not apply to the
value chosen start hidden, a required-when field left empty keeps the officer on the form with
it marked, and a value sent for a hidden field is not stored (tests/fixtures/choice.bpmn)."""

from __future__ import annotations

import re

import pytest

from engine.usecases import cases
from tests.web.conftest import text_of
from tests.world import act, deploy


@pytest.fixture
def app(make_world):
    app = make_world()
    deploy(app, "choice.bpmn")
    return app


def field_tag(html: str, field_id: str) -> str:
    """The opening tag of the field's box."""
    match = re.search(rf'<div class="field[^"]*" data-field="{field_id}"[^>]*>', html)
    assert match, f"no field {field_id} on the page"
    return match.group(0)


def is_hidden(html: str, field_id: str) -> bool:
    return bool(re.search(r"\shidden(\s|>|$)", field_tag(html, field_id)))


def test_a_start_form_field_shows_with_its_choice_and_is_then_required(app, as_user):
    client = as_user("office1")
    html = client.get("/start/choice").get_data(as_text=True)
    assert is_hidden(html, "urgent_note") and not is_hidden(html, "urgent")
    assert '"field": "urgent"' in field_tag(html, "urgent_note").replace("&#34;", '"')
    assert "js/forms.js" in html

    response = client.post("/start/choice", data={"subject": "路灯", "urgent": "true"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert not is_hidden(html, "urgent_note") and "has-error" in field_tag(html, "urgent_note")

    response = client.post("/start/choice", data={"subject": "路灯", "urgent_note": "汛期将至"})
    assert response.status_code == 302  # not urgent: the note is not asked for, nor kept
    task_page = client.get(response.headers["Location"]).get_data(as_text=True)
    case_id = int(re.search(r"/cases/([0-9]+)", task_page).group(1))
    variables = act(app, "office1", cases.instance_detail, case_id).variables
    assert variables["subject"] == "路灯" and variables["urgent"] is False
    assert "urgent_note" not in variables


def test_the_task_form_keeps_the_officer_on_an_incomplete_choice(app, as_user):
    detail = act(app, "office1", cases.start_instance, "choice", {"subject": "路灯"})
    task_id = detail.open_tasks[0].task_id
    client = as_user("office1")
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    # nothing chosen yet: neither the reply nor the extension fields are offered
    assert [is_hidden(html, f) for f in ("handling_action", "reply_text", "extension_days", "extension_reason")] == [
        False,
        True,
        True,
        True,
    ]

    response = client.post(
        f"/tasks/{task_id}", data={"action": "complete", "handling_action": "extend", "reply_text": "写了一半"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "有 1 项需要修改：" in text_of(response)
    assert "has-error" in field_tag(html, "extension_days") and not is_hidden(html, "extension_days")
    assert is_hidden(html, "reply_text") and "has-error" not in field_tag(html, "reply_text")

    response = client.post(
        f"/tasks/{task_id}",
        data={"action": "complete", "handling_action": "extend", "extension_days": "10", "reply_text": "写了一半"},
    )
    assert response.status_code == 302
    variables = act(app, "office1", cases.instance_detail, detail.id).variables
    assert variables["extension_days"] == 10 and variables["handling_action"] == "extend"
    assert "reply_text" not in variables  # sent for a hidden field: not stored
