"""Definitions (latest, versions, BPMN XML) and the current user."""

from engine.usecases import definitions
from engine.usecases.context import SYSTEM
from tests.conftest import fixture_bpmn


def test_latest_definitions_say_who_may_start(world):
    clerk = world.as_("clerk").get("/definitions")
    assert clerk.status_code == 200
    by_key = {d["key"]: d for d in clerk.get_json()}
    assert set(by_key) == {"review", "petition_min"}
    assert by_key["review"]["startable"] is True and by_key["review"]["version"] == 1
    assert by_key["petition_min"]["startable"] is True  # office is a starter group
    fin = {d["key"]: d["startable"] for d in world.as_("fin").get("/definitions").get_json()}
    assert fin == {"review": True, "petition_min": False}
    deputy = {d["key"]: d["startable"] for d in world.as_("deputy").get("/definitions").get_json()}
    assert deputy == {"review": False, "petition_min": False}


def test_versions_newest_first_and_unknown_key(world):
    changed = fixture_bpmn("review.bpmn").replace("意见办理（测试）".encode(), "意见办理 v2".encode())
    with world.factory.begin() as s:
        definitions.deploy(s, changed, "review.bpmn", SYSTEM)
    versions = world.as_("clerk").get("/definitions/review/versions").get_json()
    assert [(v["version"], v["name"]) for v in versions] == [(2, "意见办理 v2"), (1, "意见办理（测试）")]
    latest = {d["key"]: d["version"] for d in world.as_("clerk").get("/definitions").get_json()}
    assert latest["review"] == 2
    missing = world.as_("clerk").get("/definitions/nope/versions")
    assert missing.status_code == 404
    assert missing.get_json() == {
        "code": "not_found",
        "message": "no process 'nope' is deployed",
        "fields": {},
        "codes": {},
        "said": {
            "language": "zh_CN",
            "title": "未找到",
            "text": "要找的页面、任务或案件不存在，或已被删除。",
            "hint": "",
            "fields": {},
        },
    }


def test_bpmn_xml(world):
    [review] = [d for d in world.as_("clerk").get("/definitions").get_json() if d["key"] == "review"]
    xml = world.as_("clerk").get(f"/definitions/{review['id']}/xml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert b'<bpmn:process id="review" name="' in xml.get_data() and b'<bpmn:userTask id="reply"' in xml.get_data()
    assert world.as_("clerk").get("/definitions/999999/xml").status_code == 404


def test_me(world):
    me = world.as_("clerk").get("/me").get_json()
    assert me["username"] == "clerk" and me["department_code"] == "office"
    assert me["roles"] == ["officer"] and "office" in me["groups"] and me["supervises"] is False
    assert world.as_("supervisor").get("/me").get_json()["supervises"] is True
    assert world.anonymous().get("/me").status_code == 401
