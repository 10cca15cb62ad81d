"""The OpenAPI document is built by the first app a process makes with the same API
settings and shared by the apps made after it (web/api/extension.py): the shared one is the
same document, every route is still registered, and other settings get a document of their
own."""

from __future__ import annotations

import pytest

from web.api import extension


@pytest.fixture
def no_documents_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a new process: no app has built a document yet."""
    monkeypatch.setattr(extension, "_documents", {})


def document(app) -> dict:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_a_second_app_shares_the_document_the_first_built(no_documents_yet, make_app, db_url):
    first, second = make_app(db_url), make_app(db_url)
    built, shared = first.extensions["congressflow.api"], second.extensions["congressflow.api"]
    assert (built.shared_document, shared.shared_document) == (False, True)
    assert shared.spec is built.spec
    assert document(second) == document(first)
    assert "/api/v1/tasks/{task_id}/complete" in document(second)["paths"]
    # the routes are the app's own: registered on the second app as on the first
    assert sorted(r.rule for r in second.url_map.iter_rules()) == sorted(r.rule for r in first.url_map.iter_rules())
    anonymous = second.test_client().get("/api/v1/tasks")
    assert anonymous.status_code == 401 and anonymous.get_json()["code"] == "unauthorized"


def test_other_api_settings_get_a_document_of_their_own(no_documents_yet, make_app, db_url):
    usual = make_app(db_url)
    renamed = make_app(db_url, API_TITLE="乡镇人大工作流 API")
    assert renamed.extensions["congressflow.api"].shared_document is False
    assert document(renamed)["info"]["title"] == "乡镇人大工作流 API"
    assert document(usual)["info"]["title"] == "CongressFlow API"
    assert document(make_app(db_url))["info"]["title"] == "CongressFlow API"  # shared again
