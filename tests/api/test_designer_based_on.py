"""/api/v1/designer: a script's edit says the version it began from (``based_on``, as the
modeler's page sends it), so that a draft of it deployed after another designer deployed a
newer version is refused (409: who deployed which version when) instead of
silently becoming the next version and undoing theirs; sending the newer version as
``based_on`` deploys over it knowingly."""

from __future__ import annotations

from tests.conftest import FIXTURES

REVIEW = (FIXTURES / "review.bpmn").read_text()
THEIRS = REVIEW.replace('name="登记"', 'name="登记分类"')
MINE = REVIEW.replace('name="答复"', 'name="书面答复"')


def _deploy_theirs(api) -> None:
    """Another designer's edit of v1, deployed as v2."""
    theirs = api.post("/designer/drafts", json={"xml": THEIRS, "filename": "review.bpmn"}).get_json()
    assert api.post(f"/designer/drafts/{theirs['id']}/deploy", json={"revision": 1}).status_code == 201


def test_an_edit_of_v1_saved_after_v2_was_deployed_is_not_deployed_over_it_unseen(world):
    mine, theirs = world.as_("designer"), world.as_("admin")
    assert mine.get("/designer/processes/review").get_json()["versions"][0]["version"] == 1  # read v1
    _deploy_theirs(theirs)

    draft = mine.post(
        "/designer/drafts", json={"xml": MINE, "filename": "review.bpmn", "based_on": {"review": 1}}
    ).get_json()
    assert draft["base_version"] == 1
    refused = mine.post(f"/designer/drafts/{draft['id']}/deploy", json={"revision": 1})
    assert refused.status_code == 409
    body = refused.get_json()
    assert (
        "admin 同志 于 2026-12-07 09:00 部署了「意见办理（测试）」的新版本 v2。您的修改基于 v1" in body["said"]["text"]
    )
    assert body["message"].startswith("review v2 was deployed by admin at ")
    assert "after your edit began from v1" in body["message"]
    versions = mine.get("/designer/processes/review").get_json()["versions"]
    assert [v["version"] for v in versions] == [2, 1]

    # knowingly over v2: deployed as v3, the draft gone
    over = mine.post(f"/designer/drafts/{draft['id']}/deploy", json={"revision": 1, "based_on": {"review": 2}})
    assert over.status_code == 201, over.get_json()
    assert [(d["key"], d["version"], d["created"]) for d in over.get_json()] == [("review", 3, True)]
    assert mine.get("/designer/drafts").get_json() == []


def test_deploying_over_a_version_older_than_the_newest_is_refused_in_turn(world):
    mine, theirs = world.as_("designer"), world.as_("admin")
    draft = mine.post(
        "/designer/drafts", json={"xml": MINE, "filename": "review.bpmn", "based_on": {"review": 1}}
    ).get_json()
    _deploy_theirs(theirs)
    theirs.post("/designer/processes/review/versions/1/rollback", json={"note": ""})  # v3
    refused = mine.post(f"/designer/drafts/{draft['id']}/deploy", json={"revision": 1, "based_on": {"review": 2}})
    assert refused.status_code == 409 and "review v3 was deployed by admin" in refused.get_json()["message"]


def test_a_based_on_that_is_no_map_of_versions_is_named(world):
    api = world.as_("designer")
    for based_on, field in (([1], "based_on"), ({"review": 0}, "based_on.review.value"), ({"review": "x"}, None)):
        refused = api.post("/designer/drafts", json={"xml": MINE, "filename": "review.bpmn", "based_on": based_on})
        assert refused.status_code == 422, based_on
        assert any(name.startswith(field or "based_on") for name in refused.get_json()["fields"]), refused.get_json()
