"""A new process from a template (engine.usecases.drafts.draft_from_template) is refused with
every field's problem at once: an unknown template does not hide the key's and the name's, and
a name longer than a process's stored name is a field's problem (``max_length`` at ``name``),
not a document's."""

from __future__ import annotations

import pytest

from engine.errors import InvalidData
from engine.usecases import definitions, drafts
from engine.usecases.context import SYSTEM
from tests.conftest import fixture_bpmn
from tests.world import REPO_ROOT, act, create_people

TEMPLATES = REPO_ROOT / "bpmn" / "templates"


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "designer")
    with session_factory.begin() as s:
        definitions.deploy(s, fixture_bpmn("review.bpmn"), "review.bpmn", SYSTEM)
    return session_factory


def _refused(world, template: str, key: str, name: str) -> dict[str, tuple[str, dict]]:
    with pytest.raises(InvalidData) as refused:
        act(world, "designer", drafts.draft_from_template, TEMPLATES, template, key, name)
    return {field: (error.code, error.params) for field, error in refused.value.codes.items()}


def test_an_unknown_template_is_said_with_the_keys_and_the_names_problems(world):
    assert _refused(world, "nope", "1x", " ") == {
        "template": ("no_template", {"template": "nope", "known": "approval, deadline_supervision, unit_round"}),
        "key": ("process_key", {"max": 200}),
        "name": ("required", {}),
    }


def test_a_key_taken_is_said_whatever_the_template(world):
    assert _refused(world, "nope", "review", "审批") == {
        "template": ("no_template", {"template": "nope", "known": "approval, deadline_supervision, unit_round"}),
        "key": ("key_taken", {"key": "review"}),
    }


def test_a_name_longer_than_stored_is_the_names_problem(world):
    assert _refused(world, "approval", "leave", "长" * 501) == {"name": ("max_length", {"max": 500})}
    assert _refused(world, "nope", "leave", "长" * 501) == {
        "template": ("no_template", {"template": "nope", "known": "approval, deadline_supervision, unit_round"}),
        "name": ("max_length", {"max": 500}),
    }
    # as long as it is stored: the spaces around it are not
    draft = act(world, "designer", drafts.draft_from_template, TEMPLATES, "approval", "leave", f" {'长' * 500} ")
    assert (draft.key, draft.name) == ("leave", "长" * 500)
