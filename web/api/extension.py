"""flask-smorest on the plain Flask app: the OpenAPI document and the resource blueprints."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, request
from flask import json as flask_json
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
    # the paths are the app's own (/api/v1/...): the server is the app's root, which the served
    # document writes as the request's (CongressApi._openapi_json: behind a proxy's prefix)
    "servers": [{"url": "/", "description": "this installation"}],
}


# The OpenAPI document is a function of the code (the blueprints and their schemas) and of
# these settings alone. The first app a process makes with them builds it; the apps made
# after share it and only register the routes. Building it is two fifths of making an app
# (about 25 ms), and the test suite makes hundreds of apps in each process.
DOCUMENT_SETTINGS = ("API_TITLE", "API_VERSION", "OPENAPI_VERSION", "API_SPEC_OPTIONS", "ETAG_DISABLED")


@dataclass(frozen=True)
class _Document:
    spec: Any  # apispec's APISpec, complete
    flask_plugin: Any
    ma_plugin: Any


_documents: dict[str, _Document] = {}


def _document_key(app: Flask) -> str:
    return json.dumps({name: app.config.get(name) for name in DOCUMENT_SETTINGS}, sort_keys=True, default=repr)


class CongressApi(Api):
    """flask-smorest's Api, minus its app-wide HTTP error handler: web.errors answers
    every error (JSON under /api/), and each API blueprint adds per-field messages for
    argument validation (common.handle_api_http_error). The OpenAPI document is built once
    per process for the same settings (``_documents``)."""

    ERROR_SCHEMA = ErrorSchema
    shared_document = False  # this app's document was built by an earlier app

    def _init_spec(self, **kwargs: Any) -> None:
        self.document_key = _document_key(self._app)
        document = _documents.get(self.document_key)
        if document is None:
            super()._init_spec(**kwargs)
            return
        self.spec, self.flask_plugin, self.ma_plugin = document.spec, document.flask_plugin, document.ma_plugin
        self.shared_document = True

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        if not self.shared_document:
            super().register_blueprint(blp, parameters=parameters, **options)
            return
        # flask-smorest's registration without documenting the views again
        self._app.extensions["flask-smorest"]["blp_name_to_api"][options.get("name", blp.name)] = self
        self._app.register_blueprint(blp, **options)

    def _register_error_handlers(self) -> None:
        pass

    def _openapi_json(self) -> Response:
        """The document, a server given from the app's root (``/``) written as this request
        reached the root: behind a proxy that serves the app under a prefix (the WSGI script
        root, ``/congress``), ``/congress/``, so that a tool joins the paths (``/api/v1/tasks``)
        onto where the app really is. The document built once is left as it is: apispec's
        to_dict gives its options dict itself (with the paths added), a copy is changed."""
        document = dict(self.spec.to_dict())
        document["servers"] = [
            {**server, "url": request.script_root + server["url"]} if server.get("url", "").startswith("/") else server
            for server in document.get("servers", [])
        ]
        return current_app.response_class(
            flask_json.dumps(document, indent=2, sort_keys=False), mimetype="application/json"
        )


def answer_options() -> Response | None:
    """OPTIONS under /api/ answered as an API does: an empty 204 with the methods the path
    takes (``Allow``), before anything else, as it reads nothing and says nothing about anyone.
    (Flask's own answer is an empty 200 typed text/html.) An unknown path is the usual JSON 404."""
    rule = request.url_rule
    if request.method != "OPTIONS" or rule is None or not request.path.startswith("/api/"):
        return None
    if not getattr(rule, "provide_automatic_options", False):
        return None
    response = current_app.make_default_options_response()
    response.status_code = 204
    response.headers.remove("Content-Type")
    return response


def register(app: Flask) -> None:
    for key, value in (
        ("API_TITLE", "CongressFlow API"),
        ("API_VERSION", "v1"),
        ("OPENAPI_VERSION", "3.0.3"),
        ("OPENAPI_URL_PREFIX", PREFIX),
        ("OPENAPI_JSON_PATH", "openapi.json"),
        # a copy: apispec writes the title into the options' "info" when it renders the
        # document, which would carry one app's title over to the next
        ("API_SPEC_OPTIONS", copy.deepcopy(SPEC_OPTIONS)),
    ):
        app.config.setdefault(key, value)
    app.before_request(answer_options)
    api = CongressApi(app)
    for module in RESOURCES:
        api.register_blueprint(module.bp)
    if not api.shared_document:  # complete only now: an app whose making failed leaves none
        _documents[api.document_key] = _Document(api.spec, api.flask_plugin, api.ma_plugin)
    app.extensions["congressflow.api"] = api
