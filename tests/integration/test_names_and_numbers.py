"""What names a draft, a version and a case in every list: a draft's file name and its
process's name hold no control or direction character (refused at save, as deploy refuses
them); a case's title is stored without zero-width characters, so that search finds it as it
shows, and a 编号 holding one is refused (it is compared as given)."""

from __future__ import annotations

import pytest

from engine.errors import FieldError, InvalidBpmn, InvalidData
from engine.usecases import cases, definitions, drafts
from engine.usecases.case_list import CaseFilter, list_cases
from engine.usecases.context import SYSTEM
from tests.conftest import fixture_bpmn
from tests.world import act, create_people

REVIEW = fixture_bpmn("review.bpmn").decode()
REVERSED = REVIEW.replace('name="意见办理（测试）"', 'name="意见\u202e办理"')


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "clerk", "designer")
    with session_factory.begin() as s:
        definitions.deploy(s, REVIEW, "review.bpmn", SYSTEM)
    return session_factory


@pytest.mark.parametrize("filename", ["evil\u202egnp.bpmn", "review\x85.bpmn", "C:\\models\\re\x7fview.bpmn"])
def test_a_draft_file_name_holding_one_is_refused_and_nothing_is_saved(world, filename):
    with pytest.raises(InvalidData) as refused:
        act(world, "designer", drafts.create_draft, REVIEW, filename)
    assert set(refused.value.field_errors) == {"filename"}
    with pytest.raises(InvalidData):
        act(world, "designer", drafts.upload_draft, REVIEW.encode(), filename)
    assert act(world, "designer", drafts.list_drafts) == []


def test_a_version_from_a_file_so_named_is_refused_too(world):
    with pytest.raises(InvalidData) as refused:
        act(world, "designer", definitions.deploy_document, REVIEW, "evil\u202egnp.bpmn")
    assert refused.value.field_errors == {"filename": FieldError("direction_character")}


def test_a_draft_whose_process_name_holds_one_is_refused_at_the_process(world):
    with pytest.raises(InvalidBpmn) as refused:
        act(world, "designer", drafts.create_draft, REVERSED, "review.bpmn")
    [problem] = refused.value.problems
    assert (problem.file, problem.line, problem.element_id) == ("review.bpmn", 6, "review")
    assert problem.message.startswith("the name of 'review' holds an invisible direction character")
    draft = act(world, "designer", drafts.create_draft, REVIEW, "review.bpmn")
    with pytest.raises(InvalidBpmn, match="the name of 'review' holds"):
        act(world, "designer", drafts.save_draft, draft.id, REVERSED, 1)
    [kept] = act(world, "designer", drafts.list_drafts)
    assert (kept.name, kept.revision) == ("意见办理（测试）", 1)


def test_a_title_is_stored_without_zero_width_characters_and_found_as_it_shows(world):
    title = "\u200b2026\u200b-01 路灯\u00ad不亮\ufeff"
    started = act(world, "clerk", cases.start_instance, "review", {"subject": "路灯"}, title=title)
    assert started.title == "2026-01 路灯不亮"
    found, total = act(world, "clerk", list_cases, CaseFilter(text="2026-01"))
    assert total == 1 and [c.id for c in found] == [started.id]


def test_a_title_of_zero_width_characters_alone_is_none(world):
    started = act(world, "clerk", cases.start_instance, "review", {"subject": "路灯不亮"}, title="\u200b\u2060")
    assert started.title == "路灯不亮"


@pytest.mark.parametrize("code_point", [0x00AD, 0x200B, 0x2060, 0xFEFF])
def test_a_number_holding_a_zero_width_character_is_refused(world, code_point):
    with pytest.raises(InvalidData) as refused:
        act(
            world,
            "clerk",
            cases.start_instance,
            "review",
            {"subject": "路灯"},
            business_key=f"2026{chr(code_point)}-01",
        )
    assert refused.value.field_errors == {"business_key": FieldError("invisible_character")}
    assert act(world, "clerk", list_cases, CaseFilter())[1] == 0
