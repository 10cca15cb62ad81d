"""GET /api/v1/statistics: the same figures as the 统计 page (the data set and its hand
counts are tests/integration/test_statistics.py's)."""

from __future__ import annotations

from tests.integration.test_statistics import seed


def test_the_figures_of_a_period(world):
    seed(world.factory)
    body = world.as_("supervisor").get("/statistics?process=proposal&from=2027-01-01&to=2027-06-30").get_json()
    assert (body["process"], body["from"], body["to"]) == ("proposal", "2027-01-01", "2027-06-30")
    assert body["overall"]["replied"] == {"count": 17, "base": 22, "rate": 77.3}
    assert body["overall"]["satisfied_final"] == {"count": 12, "base": 14, "rate": 85.7}
    finance = next(u for u in body["units"] if u["unit"] == "finance")
    assert finance["figures"]["late"]["count"] == 3
    assert body["handling_days"] == {"average": 46.5, "slowest": 100.0}


def test_refusals_are_answers(world):
    assert world.as_("clerk").get("/statistics").status_code == 403
    bad = world.as_("supervisor").get("/statistics?from=2027-07-01&to=2027-06-30")
    assert bad.status_code == 422 and bad.get_json()["fields"]["to"]
    assert world.as_("supervisor").get("/statistics?process=inspection").status_code == 422
    assert world.anonymous().get("/statistics").status_code == 401


def test_it_is_in_the_openapi_document(world):
    spec = world.anonymous().get("/openapi.json").get_json()
    assert "/api/v1/statistics" in spec["paths"]


def test_the_cases_behind_a_figure_and_the_audit_log(world):
    seed(world.factory)
    late = world.as_("supervisor").get(
        "/statistics/cases?process=proposal&from=2027-01-01&to=2027-06-30&figure=late&unit=finance"
    )
    assert [c["title"] for c in late.get_json()] == ["f5", "f7", "f9"]
    unknown = world.as_("supervisor").get("/statistics/cases?figure=nope")
    assert unknown.status_code == 404
    case = world.to_unit("finance")
    log = world.as_("supervisor").get("/audit?user=clerk&action=complete").get_json()
    assert log["total"] == 1 and log["items"][0]["instance_id"] == case["case"]
    assert world.as_("clerk").get("/audit").status_code == 403
