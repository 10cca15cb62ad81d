"""GET /api/v1/board with a filter naming nothing there is: 422 naming the field, as ``sort``
always was (QA walk B: ``?unit=nope`` answered 200 and no rows, read by a script as "nothing
overdue"); a known one still answers the board."""

from __future__ import annotations

from datetime import timedelta

from engine import clock


def test_an_unknown_filter_is_refused_naming_its_field(world):
    case = world.to_unit("finance")
    clock.advance(timedelta(days=16))  # the reply was due 2026-12-22 24:00
    supervisor = world.as_("supervisor")
    for query, field, code, params in (
        ("unit=nope", "unit", "unknown_department", {"department": "nope"}),
        ("process=nope", "process", "not_one_of", {"value": "nope", "choices": "petition_min、review"}),
        ("deputy=ghost", "deputy", "unknown_user", {"username": "ghost"}),
        # no proposal process deployed here: no class is offered
        ("category=zzz", "category", "not_one_of", {"value": "zzz", "choices": ""}),
    ):
        answer = supervisor.get(f"/board?{query}")
        assert answer.status_code == 422, (query, answer.get_json())
        body = answer.get_json()
        assert (body["code"], body["codes"]) == ("invalid_data", {field: {"code": code, "params": params}})
    every = supervisor.get("/board?unit=nope&process=nope&deputy=ghost&category=zzz").get_json()
    assert set(every["fields"]) == {"unit", "process", "deputy", "category"}
    assert supervisor.get("/board?sort=bogus").status_code == 422  # as before

    # known values: the board, filtered
    # a deputy known (with an account), of no case here: a review case has no deputy
    assert supervisor.get("/board?unit=finance&process=review&deputy=deputy").get_json()["rows"] == []
    [row] = supervisor.get("/board?unit=finance&process=review").get_json()["rows"]
    assert row["task_id"] == case["reply"]
    assert supervisor.get("/board?unit=supervisor").get_json()["rows"] == []  # a role: known, nothing due
