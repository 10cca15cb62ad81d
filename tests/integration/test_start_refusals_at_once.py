"""A start form is refused once with everything wrong in it (QA walk P, defect 4): a 收到日期 in
the future and a title or 事由 that carries the petitioner's identity are said together, not the
date first and the identity only after the date was corrected."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidData
from engine.usecases import cases
from storage.models import ProcessInstance
from tests.conftest import REPO_ROOT
from tests.world import act, build_world, deploy

PETITION = {
    "channel": "visit",
    "petitioner_name": "周大福",
    "petitioner_phone": "13812345678",
    "petition_subject": "反映道路积水",
    "petition_content": "村口道路雨后积水，出行困难",
    "received_on": "2026-12-08",  # the frozen clock's tomorrow
    "disposition": "register",
}


@pytest.fixture
def world(session_factory, frozen_clock):
    build_world(session_factory, "office1")
    deploy(session_factory, REPO_ROOT / "bpmn" / "petition.bpmn")
    return session_factory


def refused(world, data, title=None) -> dict[str, str]:
    with pytest.raises(InvalidData) as refusal:
        act(world, "office1", cases.start_instance, "petition", data, title=title)
    with world() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0
    return {name: error.code for name, error in refusal.value.codes.items()}


def test_a_future_day_and_a_title_with_the_petitioners_name_are_refused_together(world):
    assert refused(world, PETITION, title="周大福反映问题") == {
        "received_on": "date_out_of_range",
        "title": "title_carries_confidential",
    }


def test_a_future_day_and_a_subject_with_the_petitioners_phone_are_refused_together(world):
    data = {**PETITION, "petition_subject": "来电13812345678反映道路积水"}
    assert refused(world, data) == {
        "received_on": "date_out_of_range",
        "petition_subject": "title_carries_confidential",
    }
