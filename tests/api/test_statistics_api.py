"""GET /api/v1/statistics: the same figures as the 统计 page (the data set and its hand
counts are tests/integration/test_statistics.py's)."""

from __future__ import annotations

from tests.conftest import REPO_ROOT
from tests.integration.test_statistics import seed
from tests.integration.test_statistics_items import finished_inspection
from tests.world import create_people, deploy


def test_the_figures_of_a_period(world):
    seed(world.factory)
    body = world.as_("supervisor").get("/statistics?process=proposal&from=2027-01-01&to=2027-06-30").get_json()
    assert (body["process"], body["from"], body["to"]) == ("proposal", "2027-01-01", "2027-06-30")
    counts = {key: (f["count"], f["base"], f["rate"]) for key, f in body["overall"].items()}
    assert (counts["replied"], counts["satisfied_final"]) == ((17, 22, 77.3), (12, 14, 85.7))
    finance = next(u for u in body["units"] if u["unit"] == "finance")
    assert finance["figures"]["late"]["count"] == 3
    assert body["handling_days"] == {"average": 46.5, "slowest": 100.0}


def test_each_figure_comes_with_its_label_and_definition_in_the_requests_language(world):
    seed(world.factory)
    query = "/statistics?process=proposal&from=2027-01-01&to=2027-06-30"
    chinese = world.as_("supervisor").get(query).get_json()
    assert chinese["overall"]["replied"] == {
        "count": 17,
        "base": 22,
        "rate": 77.3,
        "label": "已答复（答复率）",
        "definition": "已书面答复的件数，以首次书面答复计；答复率 = 已答复 ÷ 已交办；已撤销的案件不计入",
    }
    in_english = world.as_("supervisor")
    in_english.client.set_cookie("lang", "en")  # the language the pages' switch chooses
    english = in_english.get(query).get_json()
    assert (english["overall"]["replied"]["label"], english["overall"]["replied"]["definition"]) == (
        "Replied (reply rate)",
        "Number answered in writing, counted by the first written reply; reply rate = replied ÷ assigned; "
        "cancelled cases are not counted",
    )
    # a script sends no cookie: its Accept-Language says (the pages keep to Chinese unless switched)
    by_header = world.as_("supervisor").get(query, headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()
    assert by_header["overall"]["replied"]["label"] == "Replied (reply rate)"
    preferring = world.as_("supervisor").get(query, headers={"Accept-Language": "zh-CN,en;q=0.5"}).get_json()
    assert preferring["overall"]["replied"]["label"] == "已答复（答复率）"
    # the same key of another process is that process's figure
    petition = world.as_("supervisor").get("/statistics?process=petition").get_json()["overall"]["replied"]
    assert (petition["label"], petition["definition"]) == (
        "已答复",
        "已书面答复信访人的件数，占受理；已撤销的案件不计入",
    )
    # said once, beside the overall figure: a unit's are the same keys
    finance = next(u for u in chinese["units"] if u["unit"] == "finance")
    assert finance["figures"]["late"] == {"count": 3, "base": 10, "rate": 30.0}  # f1-f10 assigned


def test_an_unknown_figure_is_answered_with_the_figures_there_are(world):
    unknown = world.as_("supervisor").get("/statistics/cases?process=petition&figure=nope")
    assert unknown.status_code == 404
    assert unknown.get_json()["message"] == (
        "no figure 'nope' for 'petition' (known: received, channel_letter, channel_visit, channel_opinion_box, "
        "decided, accepted, accepted_on_time, replied, replied_on_time, late, extended, review_requested, "
        "review_changed, rereview_requested, rereview_changed, withdrawn)"
    )


def test_refusals_are_answers(world):
    assert world.as_("clerk").get("/statistics").status_code == 403
    bad = world.as_("supervisor").get("/statistics?from=2027-07-01&to=2027-06-30")
    assert bad.status_code == 422 and bad.get_json()["fields"]["to"]
    assert world.as_("supervisor").get("/statistics?process=nope").status_code == 422
    assert world.as_("supervisor").get("/statistics?preset=decade").status_code == 422
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


def test_the_trend_the_item_families_and_a_preset(world):
    seed(world.factory)  # the clock is then 2027-07-15
    caller = world.as_("supervisor")
    months = caller.get("/statistics/trend?process=proposal&from=2027-01-01&to=2027-06-30").get_json()
    assert months[1] == {"month": "2027-02", "received": 0, "replied": 13, "replied_on_time": 13}
    assert sum(m["received"] for m in months) == 24
    plan = caller.get("/statistics?process=plan&preset=first_half").get_json()
    assert (plan["from"], plan["to"]) == ("2027-01-01", "2027-06-30") and plan["overall"]["reports_due"]["count"] == 0
    inspection = caller.get("/statistics?process=inspection&preset=session").get_json()
    assert (inspection["from"], inspection["to"]) == ("2027-03-01", "2028-02-29")
    assert "rectified" in inspection["overall"] and inspection["handling_days"] == {}
    spec = world.anonymous().get("/openapi.json").get_json()
    assert "/api/v1/statistics/trend" in spec["paths"]


def test_the_inspection_trend_counts_each_inspection_once(world):
    create_people(world.factory, "civ", "member")  # clerk and fin are among the world's people
    deploy(world.factory, REPO_ROOT / "bpmn" / "inspection.bpmn")
    finished_inspection(world.factory)  # two units, one rectification sent back; started 2026-12-07
    months = world.as_("supervisor").get("/statistics/trend?process=inspection&from=2026-12-01&to=2027-01-31")
    assert months.get_json() == [
        {"month": "2026-12", "received": 1, "replied": None, "replied_on_time": None},
        {"month": "2027-01", "received": 0, "replied": None, "replied_on_time": None},
    ]
