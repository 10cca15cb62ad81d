"""Malformed input gets a 4xx naming the field, never a 500: JSON nested without end, text
that is not Unicode, dates no case is dated on (in query filters and in forms)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine.bpmn import forms
from engine.usecases import definitions
from engine.usecases.context import SYSTEM
from storage.models import ProcessInstance
from web.api import common

# A start form's date that a later task's due date is computed from, and a task form's date
# that the task after the next one is due on: the shape that wedged cases.
DATES_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="dates_defs" targetNamespace="http://congressflow.example/test">
  <bpmn:process id="dates" name="走访（测试）" isExecutable="true">
    <bpmn:startEvent id="start" name="登记">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="subject" label="事由" type="string" />
          <camunda:formField id="visit_date" label="走访日期" type="date" />
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare" />
    <bpmn:userTask id="prepare" name="准备" camunda:candidateGroups="office">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="followup_date" label="回访日期" type="date" />
          <camunda:formField id="meeting_date" label="会议日期" type="date">
            <camunda:validation>
              <camunda:constraint name="min" config="2026-01-01" />
              <camunda:constraint name="max" config="2027-12-31" />
            </camunda:validation>
          </camunda:formField>
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="visit" />
    <bpmn:userTask id="visit" name="走访" camunda:candidateGroups="office" camunda:dueDate="${visit_date}" />
    <bpmn:sequenceFlow id="f3" sourceRef="visit" targetRef="followup" />
    <bpmn:userTask id="followup" name="回访" camunda:candidateGroups="office" camunda:dueDate="${followup_date}" />
    <bpmn:sequenceFlow id="f4" sourceRef="followup" targetRef="done" />
    <bpmn:endEvent id="done" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def dates(world):
    with world.factory.begin() as s:
        definitions.deploy(s, DATES_BPMN.encode(), "dates.bpmn", SYSTEM)
    return world


def start_dates(world, **data):
    return world.as_("clerk").post("/instances", json={"process_key": "dates", "data": {"subject": "走访", **data}})


def cases(world) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(ProcessInstance))


# -- JSON nested without end ----------------------------------------------------------------
@pytest.mark.parametrize("depth", [common.MAX_JSON_DEPTH + 1, 3000, 200_000])
def test_deeply_nested_json_is_400_with_a_clear_message(world, depth):
    before = cases(world)
    body = '{"process_key": "review", "data": {"subject": ' + "[" * depth + "]" * depth + "}}"
    response = world.as_("clerk").post("/instances", data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["code"] == "bad_request"
    assert "nested too deeply" in response.get_json()["message"]
    assert response.get_json()["fields"] == {"json": f"nested more than {common.MAX_JSON_DEPTH} levels deep"}
    assert cases(world) == before


def test_json_as_deep_as_allowed_reaches_the_form_check(world):
    value: object = "x"
    for _ in range(common.MAX_JSON_DEPTH - 2):
        value = [value]
    response = world.as_("clerk").post("/instances", json={"process_key": "review", "data": {"subject": value}})
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"subject"}


def test_deep_json_is_refused_on_every_write(world):
    case = world.to_unit("finance")
    deep = "[" * 5000 + "]" * 5000
    fin = world.as_("fin")
    for method, path in (
        ("POST", f"/tasks/{case['reply']}/complete"),
        ("PUT", f"/tasks/{case['reply']}/draft"),
        ("POST", f"/instances/{case['case']}/comments"),
    ):
        response = fin._call(method, path, data='{"data": ' + deep + ', "body": 1}', content_type="application/json")
        assert response.status_code == 400, (path, response.get_data(as_text=True)[:300])


def test_the_nul_check_walks_any_depth_without_recursion():
    value: object = "a\x00"
    for _ in range(100_000):
        value = [value]
    assert common._has_nul(value) is True
    assert common._has_nul({"k": [{"x": "clean"}] * 10}) is False


# -- text that is not Unicode ---------------------------------------------------------------
def test_a_lone_surrogate_is_422_naming_the_field(world):
    before = cases(world)
    body = '{"process_key": "review", "data": {"subject": "路灯\\ud800不亮"}}'
    response = world.as_("clerk").post("/instances", data=body, content_type="application/json")
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["code"] == "invalid_data" and set(payload["fields"]) == {"data.subject"}
    assert "unpaired surrogate" in payload["fields"]["data.subject"]
    assert cases(world) == before


@pytest.mark.parametrize(
    "text, field",
    [
        ('{"data": {"reply_class": "A", "pages": 2, "note": ["ok", "\\udfff"]}}', "data.note.1"),
        ('{"data": {"\\ud83d": "A"}}', "data.\\ud83d"),
        ('{"data": {"reply_class": "\\ud83d\\ude00\\ud83d"}}', "data.reply_class"),
    ],
)
def test_lone_surrogates_anywhere_are_named(world, text, field):
    case = world.to_unit("finance")
    response = world.as_("fin").post(f"/tasks/{case['reply']}/complete", data=text, content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert list(response.get_json()["fields"]) == [field]
    json.dumps(response.get_json())  # the answer itself is valid
    assert world.as_("fin").get(f"/tasks/{case['reply']}").get_json()["task"]["state"] == "ready"


def test_a_surrogate_pair_is_an_ordinary_character(world):
    body = '{"process_key": "review", "data": {"subject": "\\ud83d\\ude00"}}'
    response = world.as_("clerk").post("/instances", data=body, content_type="application/json")
    assert response.status_code == 201 and response.get_json()["title"] == "\U0001f600"


def test_a_lone_surrogate_in_a_comment_or_draft_is_refused(world):
    case = world.to_unit("finance")
    fin = world.as_("fin")
    comment = fin.post(
        f"/instances/{case['case']}/comments", data='{"body": "\\ud800"}', content_type="application/json"
    )
    assert comment.status_code == 422 and list(comment.get_json()["fields"]) == ["body"]
    draft = fin.put(
        f"/tasks/{case['reply']}/draft", data='{"data": {"reply_class": "\\ud800"}}', content_type="application/json"
    )
    assert draft.status_code == 422 and list(draft.get_json()["fields"]) == ["data.reply_class"]


# -- dates in query filters -----------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00+05:00",
        "1899-12-31T23:59:59Z",
        "2100-01-01T00:00:01Z",
    ],
)
def test_an_out_of_range_date_filter_is_422_naming_the_argument(world, value):
    response = world.as_("clerk").get("/tasks", query_string={"due_before": value})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.get_json()["fields"] == {"due_before": "must be between 1900-01-01 and 2100-01-01 (UTC)"}


def test_a_date_filter_in_range_still_filters(world):
    world.to_unit("finance")
    fin = world.as_("fin")
    assert fin.get("/tasks", query_string={"due_before": "2099-12-31T00:00:00Z"}).get_json()["total"] == 1
    assert fin.get("/tasks", query_string={"due_before": "1900-01-01T00:00:00Z"}).get_json()["total"] == 0


# -- dates in forms -------------------------------------------------------------------------
def test_with_the_old_unbounded_dates_a_far_date_wedged_the_case(dates, monkeypatch):
    """What used to happen: 0001-01-01 was accepted, and every attempt to move the case on
    failed when the engine turned it into a due date (an OverflowError: a 500 each time,
    now a 422 naming the element, still every time)."""
    monkeypatch.setattr(forms, "DATE_MIN", forms.date.min)
    monkeypatch.setattr(forms, "DATE_MAX", forms.date.max)
    started = start_dates(dates, visit_date="0001-01-01")
    assert started.status_code == 201, started.get_json()
    [prepare] = started.get_json()["open_tasks"]
    clerk = dates.as_("clerk")
    for _attempt in range(2):
        moved = clerk.post(f"/tasks/{prepare['task_id']}/complete", json={"data": {}})
        assert moved.status_code == 422, moved.get_data(as_text=True)[:300]
        assert moved.get_json()["code"] == "script_error" and "visit" in moved.get_json()["message"]
    assert clerk.get(f"/tasks/{prepare['task_id']}").get_json()["task"]["state"] == "ready"


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "2100-01-01", "9999-12-31"])
def test_a_far_date_can_no_longer_be_submitted_on_a_start_form(dates, value):
    before = cases(dates)
    response = start_dates(dates, visit_date=value)
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"visit_date": "走访日期: must be between 1900-01-01 and 2099-12-31"}
    assert cases(dates) == before


def test_a_far_date_can_no_longer_be_submitted_on_a_task_form(dates):
    started = start_dates(dates, visit_date="2026-12-20")
    assert started.status_code == 201, started.get_json()
    prepare = started.get_json()["open_tasks"][0]["task_id"]
    clerk = dates.as_("clerk")
    refused = clerk.post(
        f"/tasks/{prepare}/complete", json={"data": {"followup_date": "0001-01-01", "meeting_date": "2025-12-31"}}
    )
    assert refused.status_code == 422
    assert refused.get_json()["fields"] == {
        "followup_date": "回访日期: must be between 1900-01-01 and 2099-12-31",
        "meeting_date": "会议日期: must be between 2026-01-01 and 2027-12-31",
    }  # the field's own range
    done = clerk.post(
        f"/tasks/{prepare}/complete", json={"data": {"followup_date": "2027-01-15", "meeting_date": "2026-12-28"}}
    )
    assert done.status_code == 200, done.get_json()
    [visit] = done.get_json()["open_tasks"]
    assert visit["bpmn_id"] == "visit" and visit["due_at"].startswith("2026-12-19T16:00")  # midnight in Beijing
    moved = clerk.post(f"/tasks/{visit['task_id']}/complete", json={"data": {}})
    assert moved.status_code == 200 and moved.get_json()["open_tasks"][0]["due_at"].startswith("2027-01-14T16:00")


def test_the_date_range_message_reads_in_the_readers_language(world):
    from engine.errors import FieldError
    from web.views.formdata import field_message

    error = FieldError("date_out_of_range", {"min": "1900-01-01", "max": "2099-12-31"}, "走访日期")
    with world.app.test_request_context(headers={"Cookie": "lang=en"}):
        assert field_message(error) == "Must be between 1900-01-01 and 2099-12-31."
    with world.app.test_request_context():
        assert field_message(error) == "日期应在 1900-01-01 至 2099-12-31 之间"
