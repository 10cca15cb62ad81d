"""A case started by a call activity and its caller link to each other on their pages, in
Chinese and English; a called case's failure shows as 子流程失败 on the caller's page."""

from __future__ import annotations

from engine.usecases import cases, tokens
from tests.world import act, deploy

from .conftest import text_of


def called_pair(app) -> tuple[int, int]:
    deploy(app, "call_child.bpmn", "call_parent.bpmn")
    caller = act(app, "office1", cases.start_instance, "call_parent", {"subject": "路灯", "unit": "finance"}).id
    [child] = act(app, "office1", cases.case_page, caller).called
    return caller, child.instance_id


def test_each_page_links_to_the_other(app, as_user):
    caller, child = called_pair(app)
    client = as_user("office1")
    caller_page = text_of(client.get(f"/cases/{caller}"))
    assert 'id="calls"' in caller_page and f'data-case="{child}"' in caller_page
    assert f'href="/cases/{child}"' in caller_page and "单位办理" in caller_page
    child_page = text_of(client.get(f"/cases/{child}"))
    assert f'href="/cases/{caller}"' in child_page and "的“承办单位办理”环节发起" in child_page


def test_a_cancelled_called_case_shows_on_the_callers_page_for_those_who_handle_incidents(app, as_user):
    caller, child = called_pair(app)
    act(app, "admin", cases.cancel_instance, child, "误派")
    page = text_of(as_user("admin").get(f"/cases/{caller}"))
    assert 'id="incidents"' in page and "子流程失败" in page and f"called case {child} was cancelled" in page


def test_the_link_in_english(app, as_user):
    _caller, child = called_pair(app)
    client = as_user("office1")
    client.get("/lang/en")
    page = text_of(client.get(f"/cases/{child}"))
    assert "Started by case" in page and "Linked cases" in page


def test_the_api_names_the_caller_and_the_called_cases(app):
    caller, child = called_pair(app)
    token = act(app, "office1", tokens.create_token, "office1", "test").secret
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    called = client.get(f"/api/v1/instances/{caller}", headers=headers).get_json()
    assert (called["caller"], [c["instance_id"] for c in called["called"]]) == (None, [child])
    calling = client.get(f"/api/v1/instances/{child}", headers=headers).get_json()
    assert (calling["caller"]["instance_id"], calling["caller"]["step_name"], calling["called"]) == (
        caller,
        "承办单位办理",
        [],
    )
