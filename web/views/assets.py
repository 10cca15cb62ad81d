"""bpmn-js, installed from the npm registry by the setup step (``npm ci``) into
node_modules/ and served from there: never committed, never fetched from a CDN."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

REPO_ROOT = Path(__file__).resolve().parents[2]

bp = Blueprint("assets", __name__)


def bpmn_js_dir() -> Path:
    return Path(current_app.config.get("BPMN_JS_DIR") or REPO_ROOT / "node_modules" / "bpmn-js" / "dist")


@bp.get("/vendor/bpmn-js/<path:filename>")
def bpmn_js(filename: str):
    root = bpmn_js_dir()
    if not root.is_dir():
        abort(404, description="bpmn-js is not installed: run `npm ci` in the project folder")
    return send_from_directory(root, filename, max_age=86400)
