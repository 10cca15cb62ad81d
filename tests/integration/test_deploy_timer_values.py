"""A timer's value is read as a case reaches it: a literal that SpiffWorkflow's ISO reader
refuses (a mistyped duration, a date that is no date) is refused at deploy at the timer, by
its field, and an expression that gives such a value at run time is an error naming the
timer, not the step before it."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidBpmn, ScriptError
from engine.usecases import cases, definitions
from engine.usecases.context import SYSTEM
from storage.models import ProcessInstance
from tests.unit.test_specs import doc, problems
from tests.world import act, create_people


def _waiting(field: str, value: str) -> str:
    """A process whose start is followed by a timer (``T``, 等候期满) of ``field`` = ``value``."""
    return doc(
        '<bpmn:startEvent id="S" name="开始">\n'
        "<bpmn:extensionElements><camunda:formData>"
        '<camunda:formField id="wait" label="等候" type="string"/>'
        "</camunda:formData></bpmn:extensionElements>\n</bpmn:startEvent>\n"
        '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="T"/>\n'
        '<bpmn:intermediateCatchEvent id="T" name="等候期满">\n<bpmn:timerEventDefinition id="TD">'
        f"<bpmn:{field}>{value}</bpmn:{field}></bpmn:timerEventDefinition>\n</bpmn:intermediateCatchEvent>\n"
        '<bpmn:sequenceFlow id="f2" sourceRef="T" targetRef="E"/>\n<bpmn:endEvent id="E" name="结束"/>'
    )


@pytest.mark.parametrize(
    "field, value, what",
    [
        ("timeDuration", "P10X", "duration"),
        ("timeDuration", "'P10X'", "duration"),  # in quotes it is the value as well
        ("timeDuration", "PT", "duration"),
        ("timeDate", "2027-13-45T09:00:00", "date and time"),
        ("timeCycle", "R3/PT1X", "repeating interval (R…)"),
    ],
)
def test_a_literal_the_engine_cannot_read_is_refused_at_the_timer_by_its_field(field, value, what):
    [problem] = problems(_waiting(field, value))
    literal = value.strip("'")
    assert (problem.element_id, problem.line) == ("T", 8)
    assert (
        problem.message == f"timer {field} {literal!r} is not an ISO 8601 {what} this engine reads, nor an expression"
    )


@pytest.mark.parametrize(
    "field, value",
    [("timeDuration", "P10D"), ("timeDuration", "'PT5M'"), ("timeDate", "2027-01-01T09:00:00+08:00"),
     ("timeCycle", "R3/PT1H"), ("timeCycle", "0 0 9 ? * MON-FRI"), ("timeDuration", "wait")],
)  # fmt: skip
def test_literals_it_reads_cron_cycles_and_expressions_are_taken(field, value):
    [process] = parse_bpmn(_waiting(field, value), "x.bpmn")
    assert process.key == "p"


@pytest.fixture
def world(session_factory, frozen_clock):
    create_people(session_factory, "clerk")
    with session_factory.begin() as s:
        definitions.deploy(s, _waiting("timeDuration", "wait"), "wait.bpmn", SYSTEM)
    return session_factory


def test_an_expression_giving_no_duration_is_an_error_naming_the_timer_and_nothing_is_started(world, caplog):
    caplog.set_level(logging.WARNING)
    with pytest.raises(ScriptError) as refused:
        act(world, "clerk", cases.start_instance, "p", {"wait": "P10X"}, title="等候")
    assert str(refused.value) == (
        "T: 「等候期满」 timer timeDuration: 'P10X' is not an ISO 8601 duration (the timer cannot be set)"
    )
    assert not [r for r in caplog.records if r.exc_info]  # the designer's value: no traceback logged
    with world() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0
    started = act(world, "clerk", cases.start_instance, "p", {"wait": "P10D"}, title="等候")
    assert started.id


def test_deploy_says_the_same_of_the_literal(world):
    refused = r"\[T\]: timer timeDuration 'P10X' is not an ISO 8601 duration"
    with pytest.raises(InvalidBpmn, match=refused), world.begin() as s:
        definitions.deploy(s, _waiting("timeDuration", "P10X"), "wait.bpmn", SYSTEM)
