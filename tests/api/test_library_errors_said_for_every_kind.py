"""Every kind of value the API's argument checks (marshmallow) refuse is said in the request's
language, in a query (GET) and in a JSON body (POST): a number (a float field: "Not a valid
number.", "Number too large." and NaN were said in the library's English on a Chinese
request), a whole number, a boolean, a date, a date and time, text, a list and an object.
``fields`` and ``codes`` keep the library's English, code ``invalid``, as clients read them.

The fields are a blueprint's of this test, made as every API blueprint is (no argument of the
product's own takes a float yet)."""

from __future__ import annotations

import marshmallow as ma
import pytest
from marshmallow import fields

from tests.api.conftest import World
from web.api.common import make_blueprint
from web.api.schemas import Boolean, QueryBoolean

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


class QueryArgs(ma.Schema):
    share = fields.Float()
    count = fields.Integer()
    urgent = QueryBoolean()
    day = fields.Date()


class BodyArgs(ma.Schema):
    share = fields.Float()
    count = fields.Integer()
    urgent = Boolean()
    day = fields.Date()
    at = fields.AwareDateTime()
    title = fields.String()
    tags = fields.List(fields.String())
    extra = fields.Dict()


kinds = make_blueprint("said_kinds", "/said-kinds", "argument kinds of a test")


@kinds.get("")
@kinds.arguments(QueryArgs, location="query")
@kinds.response(200)
def read(args: dict):
    return {"read": sorted(args)}


@kinds.post("")
@kinds.arguments(BodyArgs)
@kinds.response(200)
def write(args: dict):
    return {"read": sorted(args)}


@pytest.fixture
def world(make_world, session_factory) -> World:
    app = make_world(csrf=True)
    app.register_blueprint(kinds)
    return World(app, session_factory)


# (field, the value sent, the library's English kept in ``codes``, said in Chinese, in English)
IN_THE_QUERY = [
    ("share", "abc", "Not a valid number.", "必须是数字", "Must be a number."),
    (
        "share",
        "nan",
        "Special numeric values (nan or infinity) are not permitted.",
        "必须是有限的数字，不能是 NaN 或 Infinity",
        "Must be a finite number, not NaN or Infinity.",
    ),
    ("count", "1.5", "Not a valid integer.", "必须是整数", "Must be a whole number."),
    ("urgent", "maybe", "Not a valid boolean.", "必须是“是”或“否”", "Must be yes or no."),
    ("day", "2026-13-01", "Not a valid date.", "日期格式应为 年-月-日", "Must be a date written as YYYY-MM-DD."),
]
IN_THE_BODY = [
    ("share", "abc", "Not a valid number.", "必须是数字", "Must be a number."),
    ("share", 10**400, "Number too large.", "数字太大", "The number is too large."),
    ("count", "x", "Not a valid integer.", "必须是整数", "Must be a whole number."),
    ("urgent", "yes", "Not a valid boolean.", "必须是“是”或“否”", "Must be yes or no."),
    ("day", 20260101, "Not a valid date.", "日期格式应为 年-月-日", "Must be a date written as YYYY-MM-DD."),
    (
        "at",
        "soon",
        "Not a valid datetime.",
        "应为日期和时间，如 2026-01-31T09:00:00+08:00",
        "Must be a date and time such as 2026-01-31T09:00:00+08:00.",
    ),
    ("title", 5, "Not a valid string.", "必须是文字", "Must be text."),
    ("tags", "a", "Not a valid list.", "应为 JSON 数组（列表）", "Must be a JSON array (a list)."),
    ("extra", [1], "Not a valid mapping type.", "应为 JSON 对象", "Must be a JSON object."),
]


def said(response, field: str) -> tuple[int, dict, str, str]:
    body = response.get_json()
    return response.status_code, body["codes"][field], body["said"]["language"], body["said"]["fields"][field]


@pytest.mark.parametrize(
    ("field", "sent", "library", "chinese", "english"), IN_THE_QUERY, ids=[f"{k[0]}-{k[1]}" for k in IN_THE_QUERY]
)
def test_a_query_value_refused_is_said_in_the_requests_language(world, field, sent, library, chinese, english):
    caller = world.as_("clerk")
    kept = {"code": "invalid", "params": {"message": library}}
    assert said(caller.get("/said-kinds", query_string={field: sent}), field) == (422, kept, "zh_CN", chinese)
    assert said(caller.get("/said-kinds", query_string={field: sent}, headers=ENGLISH), field) == (
        422,
        kept,
        "en",
        english,
    )


@pytest.mark.parametrize(
    ("field", "sent", "library", "chinese", "english"),
    IN_THE_BODY,
    ids=[f"{k[0]}-{str(k[1])[:8]}" for k in IN_THE_BODY],
)
def test_a_body_value_refused_is_said_in_the_requests_language(world, field, sent, library, chinese, english):
    caller = world.as_("clerk")
    kept = {"code": "invalid", "params": {"message": library}}
    assert said(caller.post("/said-kinds", json={field: sent}), field) == (422, kept, "zh_CN", chinese)
    assert said(caller.post("/said-kinds", json={field: sent}, headers=ENGLISH), field) == (422, kept, "en", english)


def test_values_of_each_kind_that_pass_are_read(world):
    caller = world.as_("clerk")
    query = {"share": "0.5", "count": "3", "urgent": "true", "day": "2026-01-31"}
    assert caller.get("/said-kinds", query_string=query).get_json() == {"read": ["count", "day", "share", "urgent"]}
    body = {"share": 0.5, "count": 3, "urgent": True, "day": "2026-01-31", "title": "x", "tags": [], "extra": {}}
    assert caller.post("/said-kinds", json=body).get_json() == {
        "read": ["count", "day", "extra", "share", "tags", "title", "urgent"]
    }
