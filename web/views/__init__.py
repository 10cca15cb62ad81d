"""One blueprint module per area; each route parses, calls one use case, renders."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import auth

    for module in (auth,):
        app.register_blueprint(module.bp)
