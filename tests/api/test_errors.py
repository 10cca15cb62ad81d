"""Every error under /api/v1 is JSON {code, message, fields, codes, said}."""

import pytest


@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("GET", "/nope", 404, "not_found"),
        ("DELETE", "/tasks", 405, "method_not_allowed"),
        ("GET", "/instances/abc", 404, "not_found"),
        ("GET", "/instances/99999999999999999999", 404, "not_found"),
        ("PUT", "/instances", 405, "method_not_allowed"),
    ],
)
def test_http_errors_are_json(world, method, path, status, code):
    response = world.as_("clerk")._call(method, path)
    assert response.status_code == status and response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == code and isinstance(body["message"], str) and body["fields"] == body["codes"] == {}


def test_malformed_json_body(world):
    response = world.as_("clerk").post("/instances", data="{not json", content_type="application/json")
    assert response.status_code in (400, 422) and response.mimetype == "application/json"
    assert set(response.get_json()) == {"code", "message", "fields", "codes", "said"}


def test_nul_characters_are_refused_before_the_database(world):
    clerk = world.as_("clerk")
    response = clerk.get("/tasks", query_string={"text": "a\x00b"})
    assert response.status_code == 422 and response.get_json()["fields"] == {"text": "must not contain NUL characters"}
    started = clerk.post("/instances", json={"process_key": "review", "data": {"subject": "x\x00"}})
    assert started.status_code == 422 and set(started.get_json()["fields"]) == {"data.subject"}
    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = clerk.post("/instances", data={"process_key": "review\x00"}, content_type=content_type)
        assert form.status_code == 422 and set(form.get_json()["fields"]) == {"process_key"}, content_type
    path = clerk.get("/definitions/review%00/versions")
    assert path.status_code == 422 and set(path.get_json()["fields"]) == {"path"}


def test_openapi_document_is_generated(world):
    response = world.anonymous().get("/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.") and doc["info"]["title"] == "CongressFlow API"
    paths = doc["paths"]
    for path in (
        "/api/v1/tasks",
        "/api/v1/tasks/{task_id}/complete",
        "/api/v1/instances/{instance_id}",
        "/api/v1/definitions/{key}/versions",
        "/api/v1/me/tokens",
        "/api/v1/attachments/{attachment_id}",
    ):
        assert path in paths, path
    query = {p["name"] for p in paths["/api/v1/tasks"]["get"]["parameters"]}
    assert {"scope", "process", "overdue", "due_before", "unit", "text", "page", "per_page"} <= query
    assert "bearerAuth" in doc["components"]["securitySchemes"]
    error = doc["components"]["schemas"]["Error"]["properties"]
    assert set(error) == {"code", "message", "fields", "codes", "said", "problems"}
