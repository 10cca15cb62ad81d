"""A NUL character, which no database keeps in text, is refused before any handler runs, naming
the field that holds it as every other refusal does: the JSON body's path (``data.subject``,
``body``), the query's or the form's parameter, ``path`` for the URL's own. Nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import ProcessInstance

NUL_REFUSED = "must not contain NUL characters"


def _refused_fields(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert (body["code"], body["message"]) == ("invalid_data", "NUL characters are not allowed")
    assert body["codes"] == {name: {"code": "invalid", "params": {"message": NUL_REFUSED}} for name in body["fields"]}
    return body["fields"]


def _cases(world) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(ProcessInstance))


def test_a_nul_in_a_start_forms_field_is_named_by_its_path(world):
    clerk = world.as_("clerk")
    started = clerk.post("/instances", json={"process_key": "review", "data": {"subject": "路灯\x00不亮"}})
    assert _refused_fields(started) == {"data.subject": NUL_REFUSED}
    assert _cases(world) == 0


def test_a_nul_in_a_task_form_a_comment_and_a_draft_is_named(world):
    case = world.to_unit("finance")
    fin = world.as_("fin")
    completed = fin.post(f"/tasks/{case['reply']}/complete", json={"data": {"reply_class": "A", "pages": "2\x00"}})
    assert _refused_fields(completed) == {"data.pages": NUL_REFUSED}
    comment = fin.post(f"/instances/{case['case']}/comments", json={"body": "x\x00"})
    assert _refused_fields(comment) == {"body": NUL_REFUSED}
    draft = fin.put(f"/tasks/{case['reply']}/draft", json={"data": {"reply_class": "\x00"}})
    assert _refused_fields(draft) == {"data.reply_class": NUL_REFUSED}
    assert fin.get(f"/tasks/{case['reply']}").get_json()["task"]["state"] == "ready"
    assert fin.get(f"/instances/{case['case']}/comments").get_json() == []


@pytest.mark.parametrize(
    "data, fields",
    [
        ({"subject": ["ok", "\x00"]}, ["data.subject.1"]),  # an item of a list, by its index
        ({"subject": "a\x00", "checker": "\x00b"}, ["data.subject", "data.checker"]),  # every field holding one
        ({"a\x00b": "x"}, ["data.a\\u0000b"]),  # a key holding one: itself, the NUL written as its escape
    ],
)
def test_every_nul_anywhere_in_the_body_is_named(world, data, fields):
    started = world.as_("clerk").post("/instances", json={"process_key": "review", "data": data})
    assert sorted(_refused_fields(started)) == sorted(fields)
    assert _cases(world) == 0


def test_a_body_that_is_one_string_with_a_nul_is_the_json(world):
    started = world.as_("clerk").post("/instances", json="\x00")
    assert _refused_fields(started) == {"json": NUL_REFUSED}


def test_a_nul_in_the_query_names_the_parameter(world):
    listed = world.as_("clerk").get("/tasks", query_string={"text": "a\x00b", "scope": "mine"})
    assert _refused_fields(listed) == {"text": NUL_REFUSED}
    repeated = world.as_("clerk").get("/tasks?text=ok&text=b%00")  # any of its values
    assert _refused_fields(repeated) == {"text": NUL_REFUSED}


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_nul_in_a_form_names_the_parameter(world, content_type):
    posted = world.as_("clerk").post(
        "/instances", data={"process_key": "review\x00", "title": "ok"}, content_type=content_type
    )
    assert _refused_fields(posted) == {"process_key": NUL_REFUSED}
    assert _cases(world) == 0


def test_a_nul_in_the_url_is_the_path(world):
    assert _refused_fields(world.as_("clerk").get("/definitions/review%00/versions")) == {"path": NUL_REFUSED}
