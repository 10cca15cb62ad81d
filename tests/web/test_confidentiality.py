"""The petitioner's identity is seen by the petition office, the congress office and
administrators only: on the task page, the case page, the history, everywhere."""
from __future__ import annotations

import pytest

from engine.usecases import tasks
from engine.usecases.confidentiality import may_see_confidential, redact
from engine.usecases.context import Actor
from tests.web.conftest import start_petition, text_of, use

SECRETS = ("张三丰", "13900001111")


def test_redact_removes_hidden_keys_also_in_nested_data():
    data = {"subject": "x", "petitioner_name": "张三丰", "data": {"petitioner_name": "张三丰", "a": 1}}
    assert redact(data, {"petitioner_name"}) == {"subject": "x", "data": {"a": 1}}
    assert redact(data, set()) == data and redact(None, {"a"}) is None


@pytest.mark.parametrize("roles, groups, allowed", [
    ({"admin"}, set(), True), ({"officer"}, {"petition_office"}, True), ({"officer"}, {"office"}, True),
    ({"officer"}, {"finance"}, False), ({"supervisor"}, set(), False), ({"deputy"}, set(), False)])
def test_who_may_see_confidential_fields(roles, groups, allowed):
    assert may_see_confidential(Actor("x", frozenset(roles), frozenset(groups | roles))) is allowed


@pytest.mark.parametrize("username", ["finance1", "finance2", "supervisor"])
def test_handling_unit_and_supervisor_never_see_the_petitioner(app, as_user, username):
    case = start_petition(app, unit="finance")
    use(app, tasks.complete, "finance1", case.task_id, {"answer": "已核实", "answered_on": "2026-12-08"})
    c = as_user(username)
    html = text_of(c.get(f"/cases/{case.id}"))
    assert "反映低保评定问题" in html and "部分信息已按保密规定隐藏" in html
    assert not any(secret in html for secret in SECRETS)
    assert "来信人姓名" not in html


def test_task_page_hides_them_from_the_unit(app, as_user):
    case = start_petition(app, unit="finance")
    html = text_of(as_user("finance1").get(f"/tasks/{case.task_id}"))
    assert "反映低保评定问题" in html and 'id="task-form"' in html
    assert not any(secret in html for secret in SECRETS)


@pytest.mark.parametrize("username", ["petition1", "office1", "admin"])
def test_keepers_of_the_record_see_them(app, as_user, username):
    case = start_petition(app, unit="finance")
    html = text_of(as_user(username).get(f"/cases/{case.id}"))
    assert all(secret in html for secret in SECRETS)
    assert "<dt>来信人姓名</dt>" in html


def test_a_confidential_field_on_the_form_of_a_keeper(app, as_user):
    html = text_of(as_user("petition1").get("/start/petition_min"))
    assert 'class="field confidential" data-field="petitioner_name"' in html
    assert "仅信访办、人大办和管理员可见" in html


def test_starting_a_petition_from_the_page(app, as_user):
    c = as_user("petition1")
    response = c.post("/start/petition_min", data={"subject": "道路积水", "petitioner_name": "李四",
                                                   "petitioner_phone": "", "unit": "civil_affairs"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/cases/")
    html = text_of(as_user("civil1").get("/?tab=group"))
    assert "道路积水" in html and "李四" not in html
    response = as_user("petition1").post("/start/petition_min", data={"subject": "", "unit": "nowhere"})
    assert response.status_code == 422
    html = text_of(response)
    assert "必填" in html and "不是可选的值" in html
