"""OPTIONS under /api is answered as an API answers it: an empty 204 with the methods the path
takes (``Allow``), never an HTML page; and the OpenAPI document names its server, the app's
root as the request reached it, so that a tool finds the paths behind a proxy's prefix too."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/tasks", {"GET", "HEAD", "OPTIONS"}),
        ("/me", {"GET", "HEAD", "OPTIONS", "PATCH"}),
        ("/openapi.json", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_options_is_an_empty_204_with_allow(world, path, methods):
    for caller in (world.as_("clerk"), world.anonymous()):
        answered = caller._call("OPTIONS", path)
        assert answered.status_code == 204
        assert set(answered.headers["Allow"].split(", ")) == methods
        assert "Content-Type" not in answered.headers and answered.get_data() == b""


def test_options_on_an_unknown_api_path_is_the_json_404(world):
    answered = world.as_("clerk")._call("OPTIONS", "/no-such-thing")
    assert (answered.status_code, answered.mimetype) == (404, "application/json")
    assert answered.get_json()["code"] == "not_found"


def test_options_on_a_page_is_left_as_it_was(world):
    """Only the API's paths: a page's OPTIONS is Flask's own answer, as before."""
    answered = world.app.test_client().open("/login", method="OPTIONS")
    assert answered.status_code == 200 and "GET" in answered.headers["Allow"]


def test_the_document_names_the_apps_root_as_its_server(world):
    client = world.app.test_client()
    at_root = client.get("/api/v1/openapi.json").get_json()
    assert at_root["servers"] == [{"url": "/", "description": "this installation"}]
    assert "/api/v1/tasks" in at_root["paths"]
    # served under a prefix (a proxy's, given to the app as the WSGI script root)
    prefixed = client.get("/api/v1/openapi.json", base_url="http://localhost/congress").get_json()
    assert prefixed["servers"] == [{"url": "/congress/", "description": "this installation"}]
    assert prefixed["paths"] == at_root["paths"]
    # the document the first app built is not changed by a request's prefix
    assert client.get("/api/v1/openapi.json").get_json()["servers"] == [
        {"url": "/", "description": "this installation"}
    ]
