"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: the database answers and
its schema is current; the scheduler's leadership is reported) for load balancers and
monitoring. Open to all: they say nothing about cases or people, nor where the database is or
what its driver said (what is not ready, in a few words; the server's log has the rest)."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, jsonify

from engine.scheduling.health import readiness

from .. import database

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    state = readiness(database.engine())
    body = {**asdict(state), "ready": state.ready}
    return jsonify(body), (200 if state.ready else 503)
