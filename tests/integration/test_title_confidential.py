"""A case's title is read by everyone who sees the case (lists, search, notifications, mails): a
title typed in, or a title field typed into, that repeats a confidential value of the start form
(the petitioner's name or phone) is refused at the field it was typed in, and nothing is started."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidData
from engine.usecases import cases
from storage.models import ProcessInstance
from tests.world import PETITIONER, act, build_world

DATA = {"subject": "反映低保评定问题", **PETITIONER, "unit": "finance"}  # 张三丰, 13900001111


@pytest.fixture
def world(session_factory):
    build_world(session_factory, "petition1")
    return session_factory


def refused(world, data, title=None) -> dict[str, tuple[str, dict]]:
    with pytest.raises(InvalidData) as refusal:
        act(world, "petition1", cases.start_instance, "petition_min", data, title=title)
    with world() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0
    return {name: (e.code, e.params) for name, e in refusal.value.codes.items()}


def test_a_title_typed_in_with_the_petitioners_name_is_refused(world):
    assert refused(world, DATA, title="张三丰反映低保问题") == {
        "title": ("title_carries_confidential", {"field": "来信人姓名"})
    }


def test_a_title_field_typed_into_with_the_petitioners_phone_is_refused_at_that_field(world):
    data = {**DATA, "subject": "来电反映（13900001111）低保问题"}
    assert refused(world, data) == {"subject": ("title_carries_confidential", {"field": "联系电话"})}


def test_a_title_without_them_starts_the_case_and_a_one_letter_value_is_not_looked_for(world):
    case = act(world, "petition1", cases.start_instance, "petition_min", DATA, title="反映低保问题")
    assert case.title == "反映低保问题"
    data = {**DATA, "petitioner_name": "张"}  # a surname alone: titles merely containing it go on
    assert act(world, "petition1", cases.start_instance, "petition_min", data, title="张庄村低保").title == "张庄村低保"


@pytest.mark.parametrize(
    "subject, title, where, field",
    [
        ("宅基地纠纷 电话139-0000-1111", None, "subject", "联系电话"),  # the QA walk's case #5
        ("宅基地纠纷", "张 三丰宅基地纠纷", "title", "来信人姓名"),  # its case #6
        ("来电（１３９ ００００ １１１１）反映低保问题", None, "subject", "联系电话"),  # full-width digits
        ("张\u3000三丰反映低保问题", None, "subject", "来信人姓名"),  # a full-width space
    ],
)
def test_a_value_typed_with_separators_between_its_characters_is_refused_too(world, subject, title, where, field):
    data = {**DATA, "subject": subject}
    assert refused(world, data, title=title) == {where: ("title_carries_confidential", {"field": field})}


@pytest.mark.parametrize(
    "subject, title, where, number",
    [
        ("老王反映噪音（电话0571-88886666）", None, "subject", "0571-88886666"),  # the import walk's row
        ("反映低保问题", "来电13812345678反映低保", "title", "13812345678"),
        ("来电（１３８ １２３４ ５６７８）", None, "subject", "138 1234 5678"),  # full-width digits
    ],
)
def test_a_phone_number_not_the_petitioners_own_is_kept_out_of_a_title_too(world, subject, title, where, number):
    """Another number than 联系电话's (a neighbour's, a second line, the field left empty) says
    whose affair it is as well: a process that keeps its start's people confidential keeps every
    phone number out of its titles."""
    data = {**DATA, "subject": subject, "petitioner_phone": ""}
    assert refused(world, data, title=title) == {where: ("title_holds_phone", {"number": number})}


def test_numbers_that_are_no_phone_and_a_process_without_confidential_fields_go_on(world):
    for title in ("12345热线转办：低保问题", "2026年第3期", "信字20261008号", "1301室漏水"):
        assert act(world, "petition1", cases.start_instance, "petition_min", DATA, title=title).title == title
    review = act(
        world,
        "petition1",
        cases.start_instance,
        "review",
        {"subject": "联系 13812345678 的回访", "checker": "petition1"},
    )
    assert review.title == "联系 13812345678 的回访"  # nobody's identity is kept in this process
