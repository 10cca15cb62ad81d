"""Schemathesis against /api/v1/openapi.json: generated and schema-breaking requests to
every operation, as a signed-in officer, find no server error (no 5xx).

Two runs: path ids as generated (mostly unknown: 404 paths, argument validation), and
path ids fixed to a real case, task, attachment and token of the caller (the use cases
behind them get fuzzed bodies and queries). Bounded examples keep it under a minute."""

import re
from io import BytesIO

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from engine.usecases import tokens
from engine.usecases.context import SYSTEM

pytestmark = pytest.mark.slow  # left out of make test-fast

EXAMPLES = 6


def _load(world):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world.app)


@pytest.fixture
def generated_ids(world):
    world.to_unit("finance")
    return _load(world), {}


@pytest.fixture
def real_ids(world):
    case = world.to_unit("finance")
    up = world.as_("fin").post(
        f"/tasks/{case['reply']}/attachments",
        data={"file": (BytesIO(b"%PDF-1.4"), "a.pdf")},
        content_type="multipart/form-data",
    )
    with world.factory.begin() as s:  # a token may not make tokens: not through the API as fin
        token = tokens.create_token(s, SYSTEM, "fin", "fuzz").token.id
    [review] = [d for d in world.as_("fin").get("/definitions").get_json() if d["key"] == "review"]
    return _load(world), {
        "task_id": case["reply"],
        "instance_id": case["case"],
        "attachment_id": up.get_json()["id"],
        "token_id": token,
        "definition_id": review["id"],
        "key": "review",
    }


def _run(world, schema_and_ids):
    """Every operation, schema-conforming and schema-breaking inputs; the failures by operation."""
    schema, ids = schema_and_ids
    token = {"Authorization": f"Bearer {world.token('fin')}"}
    failures, operations = {}, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        fixed = {name: ids[name] for name in re.findall(r"{(\w+)}", operation.path) if name in ids}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FAST
            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
            def check(case):
                response = case.call(headers=token)
                case.validate_response(response, checks=[not_a_server_error])

            try:
                check()
            except Exception as exc:  # collect every operation's failure, then report
                failures[f"{operation.label} ({mode.value})"] = str(exc)[:2000]
    assert operations >= 20
    return failures


FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)


def test_generated_ids_no_server_error(world, generated_ids):
    assert _run(world, generated_ids) == {}


def test_real_ids_no_server_error(world, real_ids):
    assert _run(world, real_ids) == {}
