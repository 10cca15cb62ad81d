"""Every refusal reason (engine.errors.REASONS, said by web/errors.py ``_SAY``) is one a use case
still gives: a reason none gives is dead text in two places and in the catalogue (``no_user``
was left so when handing a task to an unknown colleague became a field error on ``to``)."""

from __future__ import annotations

import ast

from engine.errors import REASONS
from tests.conftest import REPO_ROOT

ENGINE = REPO_ROOT / "engine"


def _texts_outside_errors() -> set[str]:
    """Every string literal of the engine's code (comments are not), but engine/errors.py's."""
    found: set[str] = set()
    for path in ENGINE.rglob("*.py"):
        if path == ENGINE / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def test_every_reason_is_given_by_some_use_case():
    assert sorted(set(REASONS) - _texts_outside_errors()) == []
