"""What no handler could store (a NUL, an unpaired surrogate, a number JSON has not: NaN,
Infinity) is refused before any handler runs, named by the field that holds it, and said in
the same 422 as the request's other field errors (its arguments' schemas), not instead of them:
one answer says everything to correct. Nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import Comment, ProcessInstance

NUL = {"code": "invalid", "params": {"message": "must not contain NUL characters"}}
UNPAIRED = {
    "code": "invalid",
    "params": {"message": "must not contain unpaired surrogate characters (U+D800 to U+DFFF): not valid Unicode"},
}
NOT_FINITE = {"code": "invalid", "params": {"message": "NaN and Infinity are not JSON numbers: send a finite number"}}


def _count(world, model) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_nul_in_a_comment_is_said_with_the_schemas_other_refusal(world):
    case = world.to_unit("finance")
    refused = world.as_("fin").post(
        f"/instances/{case['case']}/comments", json={"body": "已核实\x00", "confidential": "maybe"}
    )
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["codes"] == {
        "body": NUL,
        "confidential": {"code": "invalid", "params": {"message": "Not a valid boolean."}},
    }
    assert body["message"] == "the submitted data is not valid"
    assert body["said"]["fields"] == {
        "body": "含有控制字符（如 NUL），请删去后再提交",
        "confidential": "必须是“是”或“否”",
    }
    assert _count(world, Comment) == 0


def test_a_nul_in_a_hand_over_note_is_said_with_the_missing_colleague(world):
    case = world.to_unit("finance")
    refused = world.as_("fin").post(f"/tasks/{case['reply']}/hand-over", json={"comment": "请\x00办理"})
    assert refused.status_code == 422
    assert refused.get_json()["codes"] == {"comment": NUL, "to": {"code": "required", "params": {}}}


def test_an_unpaired_surrogate_is_said_with_an_unknown_field_of_the_body(world):
    case = world.to_unit("finance")
    fin = world.as_("fin")
    refused = fin.post(
        f"/tasks/{case['reply']}/complete",
        data='{"data": {"reply_class": "\\ud800"}, "note": "x"}',
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.get_json()["codes"] == {
        "data.reply_class": UNPAIRED,
        "note": {"code": "invalid", "params": {"message": "Unknown field."}},
    }
    assert fin.get(f"/tasks/{case['reply']}").get_json()["task"]["state"] == "ready"


def test_a_nul_and_an_unpaired_surrogate_in_one_body_are_both_named(world):
    clerk = world.as_("clerk")
    refused = clerk.post(
        "/instances",
        data='{"process_key": "review", "data": {"subject": "路灯\\u0000不亮", "checker": "\\udc00"}}',
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.get_json()["codes"] == {"data.subject": NUL, "data.checker": UNPAIRED}
    assert _count(world, ProcessInstance) == 0


def test_a_nul_in_the_query_is_said_with_a_wrong_filter(world):
    listed = world.as_("clerk").get("/tasks", query_string={"text": "a\x00b", "per_page": "0"})
    assert listed.status_code == 422
    codes = listed.get_json()["codes"]
    assert codes["text"] == NUL
    assert codes["per_page"]["params"]["message"] == "Must be greater than or equal to 1 and less than or equal to 200."
    assert set(codes) == {"text", "per_page"}


def test_a_refusal_alone_keeps_its_own_message(world):
    clerk = world.as_("clerk")
    alone = clerk.post("/instances", json={"process_key": "review", "data": {"subject": "x\x00"}})
    assert (alone.status_code, alone.get_json()["message"]) == (422, "NUL characters are not allowed")


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_number_json_has_not_is_refused_naming_its_field(world, number):
    """Python's JSON decoder reads NaN and Infinity (1e999 too, as infinity); JSON has no such
    numbers, and no database's JSON keeps them: refused, named by its path."""
    case = world.to_unit("finance")
    fin = world.as_("fin")
    completed = fin.post(
        f"/tasks/{case['reply']}/complete",
        data='{"data": {"reply_class": "A", "pages": ' + number + "}}",
        content_type="application/json",
    )
    assert completed.status_code == 422, completed.get_data(as_text=True)[:300]
    body = completed.get_json()
    assert (body["codes"], body["message"]) == (
        {"data.pages": NOT_FINITE},
        "NaN and Infinity are not allowed: JSON has no such numbers",
    )
    assert body["said"]["fields"] == {"data.pages": "不是有效的 JSON"}
    draft = fin.put(
        f"/tasks/{case['reply']}/draft",
        data='{"data": {"pages": [1, ' + number + "]}}",
        content_type="application/json",
    )
    assert draft.status_code == 422 and draft.get_json()["codes"] == {"data.pages.1": NOT_FINITE}
    detail = fin.get(f"/tasks/{case['reply']}").get_json()
    assert (detail["task"]["state"], detail["has_draft"]) == ("ready", False)


def test_not_a_number_in_english_and_with_another_refusal(world):
    started = world.as_("clerk").post(
        "/instances",
        data='{"process_key": "review", "data": {"subject": "路灯不亮", "rounds": NaN}, "extra": true}',
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert started.status_code == 422
    body = started.get_json()
    assert body["codes"] == {
        "data.rounds": NOT_FINITE,
        "extra": {"code": "invalid", "params": {"message": "Unknown field."}},
    }
    assert (body["said"]["language"], set(body["said"]["fields"])) == ("en", {"data.rounds", "extra"})
    assert _count(world, ProcessInstance) == 0
