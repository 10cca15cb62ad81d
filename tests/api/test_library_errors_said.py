"""What the API's argument checks (marshmallow) refuse is said in the request's language (QA walk
B, finding 4: ``said.fields`` carried the library's English on a Chinese request). ``fields``
and ``codes`` stay as clients have always read them: the library's English, code ``invalid``."""

from __future__ import annotations

import pytest

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture
def case(world) -> dict:
    return world.to_unit("finance")


def said(response, field: str) -> tuple[int, str, str]:
    body = response.get_json()
    return response.status_code, body["said"]["language"], body["said"]["fields"][field]


def ask(world, case: dict, example: str, headers: dict):
    """The QA report's six examples, and the other kinds the API's checks refuse."""
    supervisor, fin = world.as_("supervisor"), world.as_("fin")
    complete = f"/tasks/{case['reply']}/complete"
    if example == "per_page":
        return supervisor.get("/tasks?per_page=0", headers=headers)
    if example == "from":
        return supervisor.get("/statistics?from=2026-13-01", headers=headers)
    if example == "data":
        return fin.post(complete, json={"data": "x"}, headers=headers)
    if example == "dta":
        return fin.post(complete, json={"dta": {}}, headers=headers)
    if example == "escalate":
        path = f"/instances/{case['case']}/supervisions"
        return supervisor.post(path, json={"opinion": "请答复", "escalate": "maybe"}, headers=headers)
    if example == "name":
        browser, csrf = world.browser("clerk")
        return browser.post("/me/tokens", json={"name": ""}, headers={"X-CSRFToken": csrf, **headers})
    if example == "sort":
        return supervisor.get("/tasks?sort=bogus", headers=headers)
    if example == "ids":
        return fin.post("/me/notifications/read", json={"ids": list(range(1, 1002))}, headers=headers)
    if example == "ids_text":
        return fin.post("/me/notifications/read", json={"ids": "3"}, headers=headers)
    if example == "due_before":
        return supervisor.get("/tasks?scope=all&due_before=someday", headers=headers)
    if example == "due_before_far":
        return supervisor.get("/tasks?scope=all&due_before=3000-01-01T00:00:00Z", headers=headers)
    if example == "body":
        return fin.post(complete, data="{", content_type="application/json", headers=headers)
    if example == "null":
        return fin.post(complete, json={"data": None}, headers=headers)
    raise AssertionError(example)


# (example, the field named, its status, what it says in Chinese, and in English)
EXAMPLES = [
    ("per_page", "per_page", 422, "应在 1 至 200 之间", "Must be from 1 to 200."),
    ("from", "from", 422, "日期格式应为 年-月-日", "Must be a date written as YYYY-MM-DD."),
    ("data", "data", 422, "应为 JSON 对象", "Must be a JSON object."),
    ("dta", "dta", 422, "表单中没有此项", "This form has no such field."),
    ("escalate", "escalate", 422, "必须是“是”或“否”", "Must be yes or no."),
    ("name", "name", 422, "应为 1 至 100 个字符", "Must be 1 to 100 characters long."),
    (
        "sort",
        "sort",
        422,
        "应为以下之一：due、-due、created、-created",
        "Must be one of: due, -due, created, -created.",
    ),
    ("ids", "ids", 422, "最多 1000 项", "Must have at most 1000 items."),
    ("ids_text", "ids", 422, "应为 JSON 数组（列表）", "Must be a JSON array (a list)."),
    (
        "due_before",
        "due_before",
        422,
        "应为日期和时间，如 2026-01-31T09:00:00+08:00",
        "Must be a date and time such as 2026-01-31T09:00:00+08:00.",
    ),
    (
        "due_before_far",
        "due_before",
        422,
        "日期应在 1900-01-01 至 2100-01-01 之间",
        "Must be between 1900-01-01 and 2100-01-01.",
    ),
    ("body", "json", 400, "不是有效的 JSON", "Must be valid JSON."),
    ("null", "data", 422, "必填", "This field is required."),
]


@pytest.mark.parametrize(("example", "field", "status", "chinese", "english"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_said_in_the_requests_language(world, case, example, field, status, chinese, english):
    assert said(ask(world, case, example, {}), field) == (status, "zh_CN", chinese)
    assert said(ask(world, case, example, ENGLISH), field) == (status, "en", english)


def test_fields_and_codes_keep_the_librarys_english(world, case):
    supervisor = world.as_("supervisor")
    body = supervisor.get("/tasks?per_page=0").get_json()
    message = "Must be greater than or equal to 1 and less than or equal to 200."
    assert body["fields"] == {"per_page": message}
    assert body["codes"] == {"per_page": {"code": "invalid", "params": {"message": message}}}
    # refused with the use case's own errors (a 督办's body): each said in the reader's words
    path = f"/instances/{case['case']}/supervisions"
    body = supervisor.post(path, json={"opinion": 5, "escalate": "maybe", "task_id": "nope"}).get_json()
    assert body["codes"] == {
        "opinion": {"code": "invalid", "params": {"message": "Not a valid string."}},
        "escalate": {"code": "invalid", "params": {"message": "Not a valid boolean."}},
        "task_id": {"code": "not_allowed_value", "params": {"value": "nope"}},
    }
    assert body["said"]["fields"] == {
        "opinion": "必须是文字",
        "escalate": "必须是“是”或“否”",
        "task_id": "不是可选的值：nope",
    }
