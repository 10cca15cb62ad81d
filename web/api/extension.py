"""flask-smorest on the plain Flask app: the OpenAPI document and the resource blueprints."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from . import (
    audit,
    board,
    collab,
    definitions,
    designer,
    external_tasks,
    imports,
    incidents,
    instances,
    me,
    messages,
    migration,
    statistics,
    tasks,
)
from .common import PREFIX
from .schemas import ErrorSchema

RESOURCES = (
    definitions,
    tasks,
    instances,
    collab,
    me,
    statistics,
    board,
    audit,
    imports,
    incidents,
    messages,
    external_tasks,
    designer,
    migration,
)

SPEC_OPTIONS = {
    "info": {
        "description": "CongressFlow: BPMN workflows of a township people's congress. Authenticate "
        "with the session of a signed-in browser (writes then need the page's CSRF "
        "token in an X-CSRFToken header) or with a personal API token: "
        "'Authorization: Bearer <token>' (make one at POST /api/v1/me/tokens or "
        "with 'congressflow tokens create'). Errors are JSON: "
        "{code, message, fields, codes}: fields gives each field's error in English, codes its "
        "code and params (the web pages translate those)."
    },
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "a personal API token"},
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "congressflow_session"},
        }
    },
    "security": [{"bearerAuth": []}, {"sessionCookie": []}],
}


class CongressApi(Api):
    """flask-smorest's Api, minus its app-wide HTTP error handler: web.errors answers
    every error (JSON under /api/), and each API blueprint adds per-field messages for
    argument validation (common.handle_api_http_error)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        pass


def register(app: Flask) -> None:
    for key, value in (
        ("API_TITLE", "CongressFlow API"),
        ("API_VERSION", "v1"),
        ("OPENAPI_VERSION", "3.0.3"),
        ("OPENAPI_URL_PREFIX", PREFIX),
        ("OPENAPI_JSON_PATH", "openapi.json"),
        ("API_SPEC_OPTIONS", SPEC_OPTIONS),
    ):
        app.config.setdefault(key, value)
    api = CongressApi(app)
    for module in RESOURCES:
        api.register_blueprint(module.bp)
    app.extensions["congressflow.api"] = api
