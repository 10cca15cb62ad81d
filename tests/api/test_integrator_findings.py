"""What an integrator and a fuzzer found in the JSON API (QA-D): log lines forged with request
text, an OpenAPI document that disagreed with the API (uploads, the Error schema, limits, the
download's type, operation ids, the refusals an operation may answer), booleans taking "yes"
and 1, migration refusals naming a field the request does not have, and a 401 / 405 without
the headers HTTP asks for."""

from __future__ import annotations

import logging
from io import BytesIO

import pytest

from tests.world import deploy


@pytest.fixture
def document(world) -> dict:
    response = world.anonymous().get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


# -- 1: log forging -----------------------------------------------------------------------


def _web_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    return [formatter.format(r) for r in caplog.records if r.name == "web"]


def test_a_line_break_in_a_json_key_or_the_path_is_logged_escaped_on_one_line(world, caplog):
    forged = "x\n2026-12-07 15:00:00,000 INFO web.auth [1]: admin signed in (FORGED)"
    with caplog.at_level(logging.INFO, logger="web"):
        refused = world.as_("clerk").post("/instances", json={"process_key": "review", "data": {forged: "1"}})
        assert refused.status_code == 422
        missing = world.as_("clerk").get("/definitions/x%0aFORGED-KEY%e2%80%a8LS/form")
        assert missing.status_code == 404
    lines = _web_lines(caplog)
    assert len(lines) == 2, lines
    body_line, path_line = lines
    assert "\n" not in body_line and "x\\n2026-12-07 15:00:00,000 INFO web.auth" in body_line
    assert "\n" not in path_line and "\u2028" not in path_line
    assert "/api/v1/definitions/x\\nFORGED-KEY\\u2028LS/form" in path_line


def test_a_logged_message_is_capped_and_its_controls_and_backslashes_escaped(world, caplog):
    with caplog.at_level(logging.INFO, logger="web"):
        world.app.logger.info("%s|%s", "\x1b[31m\r\\n\u0085", "y" * 5000)
    [line] = _web_lines(caplog)
    assert line.startswith("INFO web: \\x1b[31m\\r\\\\n\\x85|yyy")
    assert line.endswith("… (3010 more characters)")
    assert len(line) < 2100


# -- 2, 4: uploads and the download in the document -----------------------------------------


@pytest.mark.parametrize(
    ("path", "form_field"),
    [
        ("/api/v1/instances/{instance_id}/attachments", "confidential"),
        ("/api/v1/tasks/{task_id}/attachments", "confidential"),
        ("/api/v1/designer/drafts/upload", "note"),
    ],
)
def test_uploads_are_documented_as_multipart_with_the_file(document, path, form_field):
    operation = document["paths"][path]["post"]
    [(content_type, body)] = operation["requestBody"]["content"].items()
    assert content_type == "multipart/form-data"
    schema = document["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert schema["properties"]["file"]["type"] == "string"
    assert schema["properties"]["file"]["format"] == "binary"
    assert schema["required"] == ["file"] and form_field in schema["properties"]
    assert all(p["in"] in ("path", "query", "header", "cookie") for p in operation.get("parameters", []))


def test_a_multipart_upload_reads_the_file_and_its_form_field_together(world):
    case = world.to_unit("finance")
    taken = world.as_("fin").post(
        f"/instances/{case['case']}/attachments",
        data={"file": (BytesIO(b"hello"), "note.txt"), "confidential": "true"},
        content_type="multipart/form-data",
    )
    assert taken.status_code == 201, taken.get_json()
    assert taken.get_json()["confidential"] is True
    missing = world.as_("fin").post(
        f"/instances/{case['case']}/attachments", data={"confidential": "false"}, content_type="multipart/form-data"
    )
    assert missing.status_code == 422 and missing.get_json()["codes"]["file"]["code"] == "required"


def test_the_download_is_documented_as_any_type(document):
    ok = document["paths"]["/api/v1/attachments/{attachment_id}"]["get"]["responses"]["200"]
    assert list(ok["content"]) == ["*/*"]


# -- 3: the Error schema holds what a refused BPMN says ---------------------------------------


def test_an_invalid_bpmn_refusal_fits_the_documented_error_schema(world, document):
    refused = world.as_("designer").post("/designer/drafts", json={"filename": "process.bpmn", "note": "", "xml": "0"})
    assert refused.status_code == 422
    body = refused.get_json()
    error = document["components"]["schemas"]["Error"]
    assert error["additionalProperties"] is False
    assert set(body) <= set(error["properties"]), set(body) - set(error["properties"])
    problem = document["components"]["schemas"]["BpmnProblem"]["properties"]
    assert set(body["problems"][0]) == set(problem) == {"message", "file", "line", "element_id"}


# -- 5, 10: limits documented from the constants the use cases enforce -------------------------


def test_limits_in_the_document_are_the_use_cases(document, world):
    schemas = document["components"]["schemas"]
    assert schemas["HandOver"]["properties"]["comment"]["maxLength"] == 500
    assert schemas["SupervisionIn"]["properties"]["opinion"]["maxLength"] == 2000
    assert "2099-12-31" in schemas["SupervisionIn"]["properties"]["respond_by"]["description"]
    # one limit, said by the use case, at 501 characters as at 4001
    task = world.to_unit("finance")["reply"]
    fin = world.as_("fin")
    assert fin.post(f"/tasks/{task}/claim").status_code == 200
    for length in (501, 4001):
        long = fin.post(f"/tasks/{task}/hand-over", json={"to": "fin2", "comment": "交" * length})
        assert long.status_code == 422
        assert long.get_json()["codes"]["comment"] == {"code": "max_length", "params": {"max": 500}}


# -- 6, 10: migration refusals name the request's fields; ignored fields take null ---------------


def test_migration_refusals_name_to_version_and_ignored_fields_take_null(world):
    deploy(world.app, "migrate_v1.bpmn")
    api = world.as_("designer")
    for path in ("/designer/processes/migrate/migrations/dry-run", "/designer/processes/migrate/migrations"):
        same = api.post(path, json={"from_version": 1, "to_version": 1})
        assert same.status_code == 422
        assert list(same.get_json()["fields"]) == ["to_version"]
        assert same.get_json()["codes"]["to_version"]["code"] == "same_version"
    nulls = {"instance_id": 7, "revision": None, "title": None, "steps": None, "movable": None, "reasons": None}
    ignored = api.post(
        "/designer/processes/migrate/migrations", json={"from_version": 1, "to_version": 1, "cases": [nulls]}
    )
    assert ignored.status_code == 422 and list(ignored.get_json()["fields"]) == ["to_version"]


# -- 8: booleans are JSON booleans ------------------------------------------------------------


@pytest.mark.parametrize("value", ["yes", "on", 1, "true"])
def test_a_boolean_field_takes_only_true_or_false(world, value):
    case = world.to_unit("finance")
    refused = world.as_("supervisor").post(
        f"/instances/{case['case']}/supervisions", json={"opinion": "请加快", "escalate": value}
    )
    assert refused.status_code == 422
    # the library's refusal: code invalid with its message; said as the product's not_boolean
    not_boolean = {"code": "invalid", "params": {"message": "Not a valid boolean."}}
    assert refused.get_json()["codes"]["escalate"] == not_boolean
    comment = world.as_("fin").post(f"/instances/{case['case']}/comments", json={"body": "好", "confidential": value})
    assert comment.status_code == 422 and comment.get_json()["codes"]["confidential"] == not_boolean
    board = world.as_("supervisor").get(f"/instances/{case['case']}/supervisions")
    assert board.status_code == 200 and board.get_json() == []


def test_a_boolean_field_takes_true(world):
    case = world.to_unit("finance")
    taken = world.as_("fin").post(f"/instances/{case['case']}/comments", json={"body": "好", "confidential": True})
    assert taken.status_code == 201 and taken.get_json()["confidential"] is True


# -- 9: 401 and 405 headers ------------------------------------------------------------------


def test_a_401_says_how_to_authenticate_and_a_405_what_is_allowed(world):
    anonymous = world.anonymous().get("/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="congressflow"'
    not_allowed = world.as_("clerk").delete("/me")
    assert not_allowed.status_code == 405 and not_allowed.get_json()["code"] == "method_not_allowed"
    assert set(not_allowed.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PATCH"}
    # the pages send the browser to sign in instead
    page = world.app.test_client().get("/")
    assert page.status_code == 302 and "WWW-Authenticate" not in page.headers


# -- 10: operation ids and the refusals each operation may answer -------------------------------


def test_every_operation_has_a_unique_id_and_documents_its_refusals(document):
    ids = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            ids.append(operation["operationId"])
            responses = operation["responses"]
            assert {"401", "403"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert "409" in responses, (method, path)
    assert len(ids) == len(set(ids))
    tasks = document["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]
    assert tasks["operationId"] == "tasks_complete"
    assert tasks["responses"]["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
