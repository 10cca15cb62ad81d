"""The real process library (``bpmn/``) through the web pages: for every process, the start
page renders the right control for every start-form field and starts a case when filled in
with valid values; the case page and every open task's page render (the task form with the
right control per field, confidential fields only for those who may see them); and the first
open task is completed through its form. The processes' paths are tested in tests/processes/;
this checks that their forms can be filled in and submitted in the browser."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import clock
from engine.access import may_read_confidential
from engine.bpmn.forms import FormField, FormSpec
from engine.bpmn.parsing import parse_bpmn
from engine.usecases import definitions, people
from engine.usecases.context import SYSTEM, actor_for, processes
from storage import repositories as repo
from storage.enums import Role, WorkItemState
from storage.models import ProcessDefinition, ProcessInstance, WorkItem
from tests.web.conftest import PEOPLE
from tests.world import PASSWORD, ROSTER
from web import database

pytestmark = pytest.mark.slow  # every form of every process in bpmn/: seconds; left out of make test-fast

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
KEYS = sorted(p.key for path in LIBRARY.glob("*.bpmn") for p in parse_bpmn(path.read_bytes(), path.name))


@pytest.fixture
def library(app: Flask, as_user) -> FlaskClient:
    """The web app with every process of ``bpmn/`` deployed, signed in as the administrator."""
    with database.session_factory(app).begin() as s:
        for path in sorted(LIBRARY.glob("*.bpmn")):
            definitions.deploy(s, path.read_bytes(), path.name, SYSTEM)
    return as_user("admin")


# --- what the pages should show and what a person would type -------------------------------------


def run_time_lists(app: Flask) -> dict[str, list[str]]:
    """What the fields with a run-time source choose from, in the order the pages offer it."""
    with database.session_factory(app)() as s:
        return {"departments": list(repo.department_choices(s)), "deputies": list(repo.users_with_role(s, Role.DEPUTY))}


def value_for(f: FormField, lists: dict[str, list[str]]) -> str | list[str]:
    """A valid value for one field, as the browser sends it. Units chosen are handling units
    (not the congress office or presidium)."""
    source = f.multiple_source or f.options_source
    if source:
        values = [v for v in lists[source] if v not in ("office", "presidium")]
        return values[:2] if f.multiple_source else values[0]
    if f.type == "enum":
        return f.options[0].id
    if f.type == "boolean":
        return "true"
    if f.type == "date":
        # a date that may not lie in the future ("max: today", e.g. the day a letter was received) gets today
        ahead = 0 if f.constraints.get("max") == "today" else 30
        return (clock.now().date() + timedelta(days=ahead)).isoformat()
    if f.type == "long":
        number = max(1, int(f.constraints.get("min", 1)))
        if "max" in f.bound_expressions:  # what is left of an allowance: 1 is within it at the start
            return str(number)
        return str(min(number, int(f.constraints.get("max", number))))
    text = f"网页测试：{f.label}".ljust(int(f.constraints.get("minlength", 0)), "。")
    return text[: int(f.constraints.get("maxlength", len(text)))]


def form_values(fields: list[FormField], lists: dict[str, list[str]]) -> dict:
    values = {f.id: value_for(f, lists) for f in fields}
    for f in fields:  # what another field took is left out (distinct_from: 协办单位 never the 主办单位)
        taken = values.get(f.distinct_from or "")
        if taken is not None and isinstance(values[f.id], list):
            values[f.id] = [v for v in values[f.id] if v not in (taken if isinstance(taken, list) else [taken])]
    return values


def shown_fields(spec: FormSpec, sees_confidential: bool = True) -> list[FormField]:
    """The fields a form must offer: not read-only, and confidential ones only to those who may see them."""
    return [f for f in spec.fields if not f.readonly and (sees_confidential or not f.confidential)]


def html_form(response, form_id: str):
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    [form] = lxml.html.fromstring(response.get_data(as_text=True)).xpath("//form[@id=$id]", id=form_id)
    return form


def assert_controls(form, fields: list[FormField], lists: dict[str, list[str]], others: set[str], where: str) -> None:
    """The form has exactly one control per field (and ``others``), each the right one for its type."""
    names = {el.get("name") for el in form.xpath(".//*[@name]")}
    expected = others | {f.id for f in fields}
    assert names == expected, f"{where}: missing {expected - names}, unexpected {names - expected}"
    for f in fields:
        [el] = form.xpath(".//*[@name=$n]", n=f.id)
        what = f"{where}: field {f.id} ({f.type}, {f.constraints}, {f.properties})"
        options = [o.get("value") for o in el.xpath("./option")]
        # a run-time list without the codes the field leaves out (options_exclude: the congress's bodies)
        offered = [v for v in lists.get(f.multiple_source or f.options_source or "", []) if v not in f.options_excluded]
        if f.multiple_source:
            assert el.tag == "select" and "multiple" in el.attrib and options == offered, what
        elif f.options_source:
            assert el.tag == "select" and "multiple" not in el.attrib, what
            assert options == ["", *offered], what
        elif f.type == "enum":
            assert el.tag == "select" and options == ["", *(o.id for o in f.options)], what
        elif f.type == "boolean":
            assert (el.tag, el.get("type"), el.get("value")) == ("input", "checkbox", "true"), what
        elif f.type == "long":
            assert (el.tag, el.get("type")) == ("input", "number"), what
            for name in ("min", "max"):
                if name in f.bound_expressions:  # ${…}: the page shows its value for this case, a number
                    assert (el.get(name) or "").lstrip("-").isdigit(), what
                else:
                    assert el.get(name) == f.constraints.get(name), what
        elif f.type == "date":
            assert (el.tag, el.get("type")) == ("input", "date"), what
        elif f.properties.get("multiline") == "true":
            assert el.tag == "textarea", what
        else:
            assert (el.tag, el.get("type")) == ("input", "text"), what
        if f.required and f.type != "boolean":
            assert el.get("aria-required") == "true", what


def errors_of(response) -> str:
    page = lxml.html.fromstring(response.get_data(as_text=True))
    return (
        "; ".join(
            f"{e.getparent().get('data-field')}: {e.text_content()}" for e in page.xpath("//p[@class='field-error']")
        )
        or response.get_data(as_text=True)[:2000]
    )


# --- the people who act on a task -----------------------------------------------------------------


def candidate(app: Flask, item: WorkItem) -> str:
    """Someone who may act on the work item: its assignee or candidate user, else a person of the
    township in one of its groups, else a new person in that department (or with that role)."""
    named = item.assignee or next(iter(item.candidate_users), None)
    if named:
        return named
    groups = set(item.candidate_groups)
    for username in PEOPLE:
        if groups & {*ROSTER[username].roles, ROSTER[username].department}:
            return username
    group = item.candidate_groups[0]
    department = group if group in people.DEPARTMENTS else None
    with database.session_factory(app).begin() as s:
        if repo.user_by_name(s, f"new_{group}") is None:
            people.create_user(
                s,
                SYSTEM,
                f"new_{group}",
                PASSWORD,
                department=department,
                roles=("officer",) if department else (group,),
                must_change_password=False,  # signs in at once (sign_in below)
            )
    return f"new_{group}"


def sign_in(client: FlaskClient, username: str) -> FlaskClient:
    client.post("/logout")
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


# --- a case of each process, started and moved on through the pages -------------------------------


def start_through_the_page(app: Flask, client: FlaskClient, key: str) -> int:
    lists = run_time_lists(app)
    with database.session_factory(app)() as s:
        definition = s.scalars(
            select(ProcessDefinition).where(ProcessDefinition.key == key).order_by(ProcessDefinition.version.desc())
        ).first()
        spec = processes.get(definition).start_form
    fields = shown_fields(spec)
    form = html_form(client.get(f"/start/{key}"), "start-form")
    assert_controls(form, fields, lists, {"csrf_token", "case_title", "case_business_key"}, f"{key} start form")
    response = client.post(f"/start/{key}", data=form_values(fields, lists))
    assert response.status_code == 302, f"{key} start form: {errors_of(response)}"
    with database.session_factory(app)() as s:
        [case_id] = s.scalars(select(ProcessInstance.id).join(ProcessDefinition).where(ProcessDefinition.key == key))
    return case_id


def open_items(app: Flask, case_id: int) -> list[WorkItem]:
    with database.session_factory(app)() as s:
        return list(
            s.scalars(
                select(WorkItem)
                .where(WorkItem.instance_id == case_id, WorkItem.state == WorkItemState.READY)
                .order_by(WorkItem.id)
            )
        )


def task_spec(app: Flask, item: WorkItem) -> FormSpec:
    with database.session_factory(app)() as s:
        definition_id = s.get(ProcessInstance, item.instance_id).definition_id
        return processes.get_by_id(s, definition_id).tasks[item.bpmn_id].form


def sees_confidential(app: Flask, username: str) -> bool:
    with database.session_factory(app)() as s:
        return may_read_confidential(actor_for(s, username))


def assert_task_pages(app: Flask, client: FlaskClient, key: str, items: list[WorkItem]) -> None:
    """Every task's page renders for the administrator (no form: not a candidate) and, with
    the right control for each field, for a person who may act on it."""
    lists = run_time_lists(app)
    for item in items:
        where = f"{key} task {item.bpmn_id}"
        assert sign_in(client, "admin").get(f"/tasks/{item.task_id}").status_code == 200, where
        person = candidate(app, item)
        fields = shown_fields(task_spec(app, item), sees_confidential(app, person))
        form = html_form(sign_in(client, person).get(f"/tasks/{item.task_id}"), "task-form")
        assert_controls(form, fields, lists, {"csrf_token", "action", "draft_seen"}, f"{where} as {person}")


def test_the_start_list_offers_every_process(library):
    page = lxml.html.fromstring(library.get("/start").get_data(as_text=True))
    assert set(KEYS) <= set(page.xpath("//table[@id='startable']//tr/@data-key"))  # and the web fixtures


@pytest.mark.parametrize("key", KEYS)
def test_start_form_case_page_and_task_forms(app, library, key):
    case_id = start_through_the_page(app, library, key)

    response = library.get(f"/cases/{case_id}")
    assert response.status_code == 200
    [state] = lxml.html.fromstring(response.get_data(as_text=True)).xpath("//script[@id='diagram-state']")
    items = open_items(app, case_id)
    assert items, f"{key}: the case has no open task after the start"
    assert {i.bpmn_id for i in items} <= set(json.loads(state.text)["active"])
    assert_task_pages(app, library, key, items)


@pytest.mark.parametrize("key", KEYS)
def test_the_first_task_is_completed_through_its_form(app, library, key):
    lists = run_time_lists(app)
    case_id = start_through_the_page(app, library, key)
    item = open_items(app, case_id)[0]
    person = candidate(app, item)
    client = sign_in(library, person)
    if item.assignee is None:
        assert client.post(f"/tasks/{item.task_id}/claim").status_code == 302
    spec = task_spec(app, item)
    data = form_values(shown_fields(spec, sees_confidential(app, person)), lists)
    response = client.post(f"/tasks/{item.task_id}", data={"action": "complete", **data})
    assert response.status_code == 302, f"{key} task {item.bpmn_id} as {person}: {errors_of(response)}"
    with database.session_factory(app)() as s:
        done = s.get(WorkItem, item.id)
        assert (done.state, done.completed_by) == (WorkItemState.COMPLETED, person)
    following = open_items(app, case_id)
    assert item.task_id not in {i.task_id for i in following}
    assert_task_pages(app, library, key, following)  # the next people's forms render too


def test_a_deputy_starts_a_proposal_in_his_own_name(app, library, as_user):
    client = as_user("deputy")
    form = html_form(client.get("/start/proposal"), "start-form")
    assert form.xpath(".//*[@name='deputy']") == []  # 提出代表 is himself: nothing to choose
    # 联名代表 must differ from 提出代表: he is not offered among them (the office is offered him)
    joint = ".//*[@name='joint_deputies']/descendant-or-self::*[self::option or self::input]/@value"
    assert "deputy" not in form.xpath(joint)
    assert "deputy" in html_form(as_user("office1").get("/start/proposal"), "start-form").xpath(joint)
    client = as_user("deputy")
    assert form.xpath(".//*[@name='content']")
    data = {"kind": "suggestion", "title": "村口路灯", "content": "村口无路灯", "submitted_during": "recess"}
    assert client.post("/start/proposal", data={**data, "deputy": "office1"}).status_code == 302
    with database.session_factory(app)() as s:
        case = s.scalars(select(ProcessInstance).order_by(ProcessInstance.id.desc())).first()
        assert case.started_by == "deputy" and json.loads(case.workflow_json)["data"]["deputy"] == "deputy"
    office = html_form(as_user("office1").get("/start/proposal"), "start-form")
    assert office.xpath(".//select[@name='deputy']/option/@value") == ["", "deputy"]  # the roster's one deputy
