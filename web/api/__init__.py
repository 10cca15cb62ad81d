"""The JSON API under ``/api/v1``: flask-smorest blueprints, one module per resource,
each handler calling one use case. Authentication by the browser session or by a
personal API token (``Authorization: Bearer <token>``); the OpenAPI document is
generated from the marshmallow schemas and served at ``/api/v1/openapi.json``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .extension import register

    register(app)
