"""The move takes the dry run's cases as they are (QA walk "v", finding 7: the dry run says
``instance_id``, the move took only ``id`` and refused ``instance_id`` as an unknown field), ``id``
kept as its deprecated old name; and the map's limit is declared and said as a number of
entries, not a text's length (``maxLength: 2000`` on an object)."""

from __future__ import annotations

from .test_case_migration_api import MIGRATIONS, town  # noqa: F401 (town: a fixture)

PLAN = {"from_version": 1, "to_version": 2}


def test_the_dry_runs_cases_are_sent_back_unchanged(town):  # noqa: F811
    world, at_accept, _at_handle = town
    api = world.as_("designer")
    run = api.post(MIGRATIONS + "/dry-run", json=PLAN).get_json()
    movable = [c for c in run["cases"] if c["movable"]]
    assert [c["instance_id"] for c in movable] == [at_accept]
    moved = api.post(MIGRATIONS, json={**PLAN, "cases": movable})
    assert moved.status_code == 200, moved.get_json()
    assert [(c["instance_id"], c["outcome"]) for c in moved.get_json()["cases"]] == [(at_accept, "moved")]


def test_id_is_still_taken_but_not_with_instance_id(town):  # noqa: F811
    world, at_accept, _at_handle = town
    api = world.as_("designer")
    both = api.post(MIGRATIONS, json={**PLAN, "cases": [{"instance_id": at_accept, "id": at_accept}]})
    assert both.status_code == 422
    assert both.get_json()["said"]["fields"] == {"cases.0.id": "不能与“instance_id”重复"}
    neither = api.post(MIGRATIONS, json={**PLAN, "cases": [{"revision": 1}]})
    assert neither.status_code == 422 and neither.get_json()["said"]["fields"] == {"cases.0.instance_id": "必填"}
    typo = api.post(MIGRATIONS, json={**PLAN, "cases": [{"instance_id": at_accept, "revison": 1}]})
    assert typo.status_code == 422 and "cases.0.revison" in typo.get_json()["fields"]
    old = api.post(MIGRATIONS, json={**PLAN, "cases": [{"id": at_accept}]})
    assert [(c["instance_id"], c["outcome"]) for c in old.get_json()["cases"]] == [(at_accept, "moved")]


def test_the_openapi_document_declares_both_names_and_the_maps_size_in_entries(town):  # noqa: F811
    world, _at_accept, _at_handle = town
    schemas = world.anonymous().get("/openapi.json").get_json()["components"]["schemas"]
    ref = schemas["MigrationCaseRef"]["properties"]
    assert ref["instance_id"]["type"] == "integer" and ref["id"]["deprecated"] is True
    plan_map = schemas["MigrationPlanIn"]["properties"]["map"]
    assert plan_map["type"] == "object" and plan_map["maxProperties"] == 2000
    assert "maxLength" not in plan_map and plan_map["additionalProperties"]["maxLength"] == 200


def test_a_map_too_large_is_said_in_entries(town):  # noqa: F811
    world, _at_accept, _at_handle = town
    huge = {f"e{i}": "" for i in range(2001)}
    refused = world.as_("designer").post(MIGRATIONS + "/dry-run", json={**PLAN, "map": huge})
    assert refused.status_code == 422
    assert refused.get_json()["said"]["fields"] == {"map": "最多 2000 项"}
