"""/api/v1/designer: versions with counts, download, rollback, offering, diff and drafts
(create, read, save with its revision check, upload, deploy, discard); designers only; the
OpenAPI document declares them."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from sqlalchemy import update

from engine import clock
from storage.models import ProcessDraft
from tests.conftest import FIXTURES

REVIEW = (FIXTURES / "review.bpmn").read_text()
RENAMED = REVIEW.replace('name="登记"', 'name="登记分类"')


def test_drafts_versions_rollback_and_diff(world):
    api = world.as_("designer")
    made = api.post("/designer/drafts", json={"xml": RENAMED, "filename": "review.bpmn", "note": "改名"})
    assert made.status_code == 201, made.get_json()
    draft = made.get_json()
    assert (draft["key"], draft["revision"], draft["base_version"]) == ("review", 1, 1)
    saved = api.put(f"/designer/drafts/{draft['id']}", json={"xml": RENAMED, "revision": 1})
    assert saved.status_code == 200 and saved.get_json()["revision"] == 2
    stale = api.put(f"/designer/drafts/{draft['id']}", json={"xml": REVIEW, "revision": 1})
    assert stale.status_code == 409 and "after you opened revision 1" in stale.get_json()["message"]
    assert api.get(f"/designer/drafts/{draft['id']}").get_json()["xml"] == RENAMED
    diff = api.get(f"/designer/drafts/{draft['id']}/diff").get_json()
    assert [(e["bpmn_id"], e["old_name"], e["name"]) for e in diff["elements"]] == [("register", "登记", "登记分类")]
    deployed = api.post(f"/designer/drafts/{draft['id']}/deploy", json={"revision": 2})
    assert deployed.status_code == 201 and deployed.get_json()[0]["version"] == 2
    assert api.get("/designer/drafts").get_json() == []

    versions = api.get("/designer/processes/review").get_json()
    assert [(v["version"], v["note"], v["running"]) for v in versions["versions"]] == [(2, "改名", 0), (1, "", 0)]
    assert api.get("/designer/processes/review/versions/1/bpmn").get_data(as_text=True) == REVIEW
    back = api.post("/designer/processes/review/versions/1/rollback", json={"note": "回去"})
    assert back.status_code == 201 and back.get_json()["version"] == 3
    latest = api.get("/designer/processes/review").get_json()["versions"][0]
    assert (latest["rolled_back_from"], latest["note"]) == (1, "回滚：重新部署 v1。回去")
    changed = api.get("/designer/processes/review/diff?old=2&new=3").get_json()["elements"]
    assert changed[0]["bpmn_id"] == "register" and changed[0]["status"] == "changed"
    offering = api.put("/designer/processes/review/offering", json={"offered": False})
    assert offering.status_code == 200 and offering.get_json()["offered"] is False
    assert "review" in [p["key"] for p in api.get("/designer/processes").get_json()]


def test_bad_input_is_named_never_a_500(world):
    api = world.as_("designer")
    missing = api.get("/designer/processes/review/versions/9/bpmn")
    assert missing.status_code == 404 and "no version 9" in missing.get_json()["message"]
    upload = api.post(
        "/designer/drafts/upload", data={"file": (BytesIO(b"<html/>"), "page.html")}, content_type="multipart/form-data"
    )
    assert upload.status_code == 422
    problem = upload.get_json()["problems"][0]
    assert problem["file"] == "page.html" and "not a BPMN 2.0 file" in problem["message"]
    assert api.post("/designer/drafts", json={"xml": "nope"}).status_code == 422
    assert api.put("/designer/drafts/77", json={"xml": REVIEW, "revision": 1}).status_code == 404
    assert api.get("/designer/processes/review/diff?old=1").status_code == 422
    made = api.post("/designer/drafts/from-template", json={"template": "unit_round", "key": "round", "name": "报送"})
    assert made.status_code == 201 and made.get_json()["key"] == "round"


def test_only_designers(world):
    clerk = world.as_("clerk")
    assert clerk.get("/designer/processes").status_code == 403
    assert clerk.get("/designer/drafts").status_code == 403
    assert clerk.post("/designer/processes/review/versions/1/rollback", json={}).status_code == 403
    assert world.anonymous().get("/designer/drafts").status_code == 401
    # a body lacking what it needs is no business of whoever may not design: 403, not 422
    for path in ("/designer/drafts", "/designer/check"):
        refused = clerk.post(path, json={})
        assert (refused.status_code, refused.get_json()["code"]) == (403, "not_allowed"), path


def test_the_openapi_document_declares_them(world):
    paths = world.anonymous().get("/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/designer/processes/{key}",
        "/api/v1/designer/processes/{key}/versions/{version}/bpmn",
        "/api/v1/designer/processes/{key}/versions/{version}/rollback",
        "/api/v1/designer/drafts",
        "/api/v1/designer/drafts/{draft_id}",
        "/api/v1/designer/drafts/upload",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/designer/drafts/{draft_id}"]) >= {"get", "put", "delete"}


def test_a_draft_behind_a_version_deployed_meanwhile_is_not_deployed(world):
    api = world.as_("designer")
    mine = REVIEW.replace('name="答复"', 'name="书面答复"')
    draft = api.post("/designer/drafts", json={"xml": mine, "filename": "review.bpmn", "note": ""}).get_json()
    assert draft["base_version"] == 1
    other = api.post("/designer/drafts", json={"xml": RENAMED, "filename": "review.bpmn", "note": ""}).get_json()
    assert api.post(f"/designer/drafts/{other['id']}/deploy", json={"revision": 1}).status_code == 201  # v2

    refused = api.post(f"/designer/drafts/{draft['id']}/deploy", json={"revision": 1})
    assert refused.status_code == 409
    assert "review v2 was deployed by designer" in refused.get_json()["message"]
    assert "after your edit began from v1" in refused.get_json()["message"]
    versions = api.get("/designer/processes/review").get_json()["versions"]
    assert [v["version"] for v in versions] == [2, 1]
    assert [d["id"] for d in api.get("/designer/drafts").get_json()] == [draft["id"]]  # kept


def test_discarding_a_draft_already_gone_says_who_deployed_or_discarded_it(world):
    api = world.as_("designer")
    discarded = api.post("/designer/drafts", json={"xml": RENAMED, "filename": "review.bpmn"}).get_json()
    assert api.delete(f"/designer/drafts/{discarded['id']}").status_code == 204
    again = world.as_("admin").delete(f"/designer/drafts/{discarded['id']}")
    assert (again.status_code, again.get_json()["code"]) == (404, "not_found")
    assert again.get_json()["message"] == (
        f"draft {discarded['id']} was discarded by designer at 2026-12-07 01:00 UTC; there is nothing left to discard"
    )
    deployed = api.post("/designer/drafts", json={"xml": RENAMED, "filename": "review.bpmn"}).get_json()
    assert api.post(f"/designer/drafts/{deployed['id']}/deploy", json={"revision": 1}).status_code == 201
    late = world.as_("admin").delete(f"/designer/drafts/{deployed['id']}?revision=1")
    assert late.status_code == 404
    assert late.get_json()["message"] == (
        f"draft {deployed['id']} was deployed by designer at 2026-12-07 01:00 UTC (as review v2); "
        "there is nothing left to discard"
    )


def test_a_save_deploy_or_discard_naming_a_draft_since_gone_is_refused_by_its_stamp(world):
    """What a database that gave a draft's number out again would leave (or any draft not the
    one read): the stamp tells them apart, as the modeler's page does."""
    api = world.as_("designer")
    read = api.post("/designer/drafts", json={"xml": RENAMED, "filename": "review.bpmn"}).get_json()
    assert api.delete(f"/designer/drafts/{read['id']}").status_code == 204
    clock.advance(timedelta(minutes=1))
    other = api.post("/designer/drafts", json={"xml": REVIEW, "filename": "mine.bpmn"}).get_json()
    with world.factory.begin() as s:  # as SQLite without AUTOINCREMENT numbered it
        s.execute(update(ProcessDraft).where(ProcessDraft.id == other["id"]).values(id=read["id"]))
    stamp = read["created_at"]
    admin = world.as_("admin")
    path = f"/designer/drafts/{read['id']}"
    saved = admin.put(path, json={"xml": RENAMED.replace("答复", "别人的答复"), "revision": 1, "draft_created": stamp})
    deployed = admin.post(path + "/deploy", json={"revision": 1, "draft_created": stamp})
    discarded = admin.delete(path, query_string={"revision": 1, "draft_created": stamp})
    for refused, outcome in (
        (saved, "your changes were not saved: save them as a new draft"),
        (deployed, "your changes were not saved: save them as a new draft"),
        (discarded, "there is nothing left to discard"),
    ):
        assert refused.status_code == 404, refused.get_json()
        assert refused.get_json()["message"] == (
            f"draft {read['id']} was discarded by designer at 2026-12-07 01:00 UTC; {outcome}"
        )
    kept = api.get(path).get_json()
    assert (kept["draft"]["filename"], kept["draft"]["revision"], kept["xml"]) == ("mine.bpmn", 1, REVIEW)
    # its own stamp: saved as usual
    own = admin.put(path, json={"xml": RENAMED, "revision": 1, "draft_created": kept["draft"]["created_at"]})
    assert own.status_code == 200 and own.get_json()["revision"] == 2


def test_a_draft_stamp_not_a_moment_is_named(world):
    api = world.as_("designer")
    draft = api.post("/designer/drafts", json={"xml": RENAMED, "filename": "review.bpmn"}).get_json()
    refused = api.put(f"/designer/drafts/{draft['id']}", json={"xml": RENAMED, "revision": 1, "draft_created": "soon"})
    assert refused.status_code == 422
    assert refused.get_json()["fields"] == {"draft_created": "Not a valid datetime."}


def test_the_openapi_document_declares_the_draft_stamp(world):
    spec = world.anonymous().get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    for name in ("DraftSave", "DraftDeploy"):
        assert "draft_created" in schemas[name]["properties"], name
        assert "deployed or discarded" in schemas[name]["properties"]["draft_created"]["description"]
    delete = spec["paths"]["/api/v1/designer/drafts/{draft_id}"]["delete"]
    assert "draft_created" in [p["name"] for p in delete["parameters"]]
