"""After an engine upgrade: a stored spec written by another SpiffWorkflow serializer
version is parsed again from the stored BPMN instead of failing to load, and the cases
running on it go on (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.serialization import SERIALIZER_VERSION, StaleSpec, dump_process, load_process
from engine.usecases import cases, definitions, tasks
from engine.usecases.context import SYSTEM, actor_for, processes
from storage.models import ProcessDefinition
from tests.conftest import fixture_bpmn
from tests.world import create_people


def test_a_spec_carries_its_serializer_version():
    [parsed] = parse_bpmn(fixture_bpmn("review.bpmn"), "review.bpmn")
    stored = json.loads(dump_process(parsed))
    assert stored["serializer_version"] == SERIALIZER_VERSION
    for old in (
        {**stored, "serializer_version": "1.0"},
        {k: v for k, v in stored.items() if k != "serializer_version"},
    ):
        with pytest.raises(StaleSpec, match=r"1\.0|unknown"):
            load_process(json.dumps(old))


def _age(session_factory, version: str | None) -> None:
    """Make every stored spec look written by another serializer version."""
    with session_factory.begin() as s:
        for definition in s.scalars(select(ProcessDefinition)):
            spec = json.loads(definition.spec_json)
            if version is None:
                spec.pop("serializer_version")
            else:
                spec["serializer_version"] = version
            s.execute(
                update(ProcessDefinition)
                .where(ProcessDefinition.id == definition.id)
                .values(spec_json=json.dumps(spec, ensure_ascii=False))
            )
    processes.clear()  # a new server process after the upgrade: nothing parsed yet


@pytest.mark.parametrize("stored_version", ["1.0", None])
def test_running_and_new_cases_survive_an_upgrade(session_factory, frozen_clock, caplog, stored_version):
    create_people(session_factory, "clerk", "fin")
    with session_factory.begin() as s:
        definitions.deploy(s, fixture_bpmn("review.bpmn"), "review.bpmn", SYSTEM)
        case = cases.start_instance(s, actor_for(s, "clerk"), "review", {"subject": "修路"})
    _age(session_factory, stored_version)
    caplog.set_level("INFO", logger="engine.usecases.context")
    with session_factory.begin() as s:
        [reply] = tasks.complete(s, actor_for(s, "clerk"), case.open_tasks[0].task_id, {"lead_unit": "finance"})
        tasks.complete(s, actor_for(s, "fin"), reply.task_id, {"reply_class": "A"})
        again = cases.start_instance(s, actor_for(s, "clerk"), "review", {"subject": "修桥"})
    assert [r.getMessage() for r in caplog.records].count(
        f"process review v1: stored by serializer version {stored_version or 'unknown'}, this engine writes "
        f"{SERIALIZER_VERSION}; parsing its BPMN again"
    ) == 1  # once: then it is cached
    with session_factory() as s:
        assert [t.bpmn_id for t in again.open_tasks] == ["register"]
        assert cases.instance_detail(s, actor_for(s, "clerk"), case.id).variables["reply_class"] == "A"
