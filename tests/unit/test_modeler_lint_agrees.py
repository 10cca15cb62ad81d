"""The modeler's lint (web/assets/lint) says sooner what deploy refuses: its list of the BPMN
elements a process may contain must be the engine's (engine/bpmn/elements.py), or the diagram
would flag what deploys, or keep quiet about what deploy refuses."""

from __future__ import annotations

import re

from engine.bpmn.elements import RUNNABLE_ELEMENTS, SUPPORTED_FLOW_ELEMENTS
from tests.conftest import REPO_ROOT

RULE = REPO_ROOT / "web" / "assets" / "lint" / "rules" / "engine-support.js"
# moddle types written under other tags (conditionExpression, timeDate... are FormalExpressions)
TYPES_OF_OTHER_TAGS = {"formalExpression", "expression", "inputOutputSpecification"}


def _lint_types() -> set[str]:
    block = RULE.read_text().split("var SUPPORTED = [", 1)[1].split("];", 1)[0]
    return {name[0].lower() + name[1:] for name in re.findall(r"'(\w+)'", block)}


def test_the_lint_allows_exactly_what_deploy_runs():
    types = _lint_types()
    assert types - TYPES_OF_OTHER_TAGS <= SUPPORTED_FLOW_ELEMENTS
    assert types >= RUNNABLE_ELEMENTS  # every flow node and flow the engine runs
