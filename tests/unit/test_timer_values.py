"""A timer's value is read where the product's script engine evaluates the timer's
expression: a value SpiffWorkflow's ISO 8601 reader refuses stops the case at the timer,
naming its element, its field and the value, not the step before it nor the engine."""

from __future__ import annotations

import logging

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.serialization import dump_process, load_process
from engine.errors import ScriptError
from tests.unit.test_specs import doc
from web.engine_messages import in_chinese


def _process(source: str):
    [parsed] = parse_bpmn(source, "x.bpmn")
    return load_process(dump_process(parsed))  # as the use cases get it: from the stored spec


def _script_then_timer(field: str, value: str) -> str:
    """A script task (定等候) sets ``wait`` to ``value``; the timer T (等候期满) after it reads
    ``wait`` as its ``field``; a user task after the timer."""
    return doc(
        '<bpmn:startEvent id="S"/>\n<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="set"/>\n'
        f'<bpmn:scriptTask id="set" name="定等候"><bpmn:script>wait = {value!r}</bpmn:script></bpmn:scriptTask>\n'
        '<bpmn:sequenceFlow id="f2" sourceRef="set" targetRef="T"/>\n'
        '<bpmn:intermediateCatchEvent id="T" name="等候期满">\n<bpmn:timerEventDefinition id="TD">'
        f"<bpmn:{field}>wait</bpmn:{field}></bpmn:timerEventDefinition>\n</bpmn:intermediateCatchEvent>\n"
        '<bpmn:sequenceFlow id="f3" sourceRef="T" targetRef="U"/>\n'
        '<bpmn:userTask id="U" name="办理" camunda:candidateGroups="office"/>\n'
        '<bpmn:sequenceFlow id="f4" sourceRef="U" targetRef="E"/>\n<bpmn:endEvent id="E"/>'
    )


@pytest.mark.parametrize(
    "field, value, message",
    [
        (
            "timeDuration",
            "P10X",
            "T: 「等候期满」 timer timeDuration: 'P10X' is not an ISO 8601 duration (the timer cannot be set)",
        ),
        (
            "timeDate",
            "tomorrow",
            "T: 「等候期满」 timer timeDate: 'tomorrow' is not an ISO 8601 date and time (the timer cannot be set)",
        ),
        (  # a duration is no date: SpiffWorkflow could not compare it with now
            "timeDate",
            "P10D",
            "T: 「等候期满」 timer timeDate: 'P10D' is not an ISO 8601 date and time (the timer cannot be set)",
        ),
        (
            "timeCycle",
            "R3/PT1X",
            "T: 「等候期满」 timer timeCycle: 'R3/PT1X' is not an ISO 8601 repeating interval (R…) "
            "(the timer cannot be set)",
        ),
    ],
)
def test_a_value_the_reader_refuses_stops_the_case_at_the_timer_not_the_script_before_it(
    frozen_clock, runtime, caplog, field, value, message
):
    caplog.set_level(logging.WARNING)
    with pytest.raises(ScriptError) as refused:
        runtime.start(_process(_script_then_timer(field, value)), {})
    assert str(refused.value) == message
    assert not [r for r in caplog.records if r.exc_info]  # the designer's value: no traceback logged


@pytest.mark.parametrize(
    "field, value", [("timeDuration", "P10D"), ("timeDate", "2027-01-01T09:00:00+08:00"), ("timeCycle", "R3/PT1H")]
)
def test_a_value_the_reader_takes_sets_the_timer(frozen_clock, runtime, field, value):
    workflow = runtime.start(_process(_script_then_timer(field, value)), {})
    [timer] = runtime.waiting_timers(workflow)
    assert timer.bpmn_id == "T"


def _waiting_user_task_then_timer() -> str:
    """A user task (U) before a timer (T) whose timeDuration is the expression ``wait``."""
    return doc(
        '<bpmn:startEvent id="S"/>\n<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="U"/>\n'
        '<bpmn:userTask id="U" name="办理" camunda:candidateGroups="office"/>\n'
        '<bpmn:sequenceFlow id="f2" sourceRef="U" targetRef="T"/>\n'
        '<bpmn:intermediateCatchEvent id="T" name="等候期满">\n<bpmn:timerEventDefinition id="TD">'
        "<bpmn:timeDuration>wait</bpmn:timeDuration></bpmn:timerEventDefinition>\n</bpmn:intermediateCatchEvent>\n"
        '<bpmn:sequenceFlow id="f3" sourceRef="T" targetRef="E"/>\n<bpmn:endEvent id="E"/>'
    )


def test_the_script_engine_reads_the_timer_value_as_it_evaluates_the_timer_expression(frozen_clock, runtime):
    workflow = runtime.start(_process(_waiting_user_task_then_timer()), {"wait": "P10X"})
    [user_task] = workflow.get_tasks(state=TaskState.READY)
    [timer_task] = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "T"]
    timer_task.data = {"wait": "P10X"}
    with pytest.raises(ScriptError, match=r"^T: 「等候期满」 timer timeDuration: 'P10X' is not an ISO 8601 duration"):
        runtime.script_engine.evaluate(timer_task, "wait")
    # the same expression elsewhere is no timer's value; a value the reader takes is given back
    assert runtime.script_engine.evaluate(user_task, "wait") == "P10X"
    timer_task.data = {"wait": "PT5M"}
    assert runtime.script_engine.evaluate(timer_task, "wait") == "PT5M"


def test_an_event_based_gateways_timer_is_named_not_the_gateway(frozen_clock, runtime):
    source = doc(
        '<bpmn:startEvent id="S"/>\n<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="G"/>\n'
        '<bpmn:eventBasedGateway id="G" name="回复或超时"/>\n'
        '<bpmn:sequenceFlow id="f2" sourceRef="G" targetRef="R"/>\n'
        '<bpmn:intermediateCatchEvent id="R" name="收到回复"><bpmn:signalEventDefinition id="RD" signalRef="sig"/>'
        "</bpmn:intermediateCatchEvent>\n"
        '<bpmn:sequenceFlow id="f3" sourceRef="R" targetRef="E"/>\n'
        '<bpmn:sequenceFlow id="f4" sourceRef="G" targetRef="T"/>\n'
        '<bpmn:intermediateCatchEvent id="T" name="两小时未回复">\n<bpmn:timerEventDefinition id="TD">'
        "<bpmn:timeDuration>wait</bpmn:timeDuration></bpmn:timerEventDefinition>\n</bpmn:intermediateCatchEvent>\n"
        '<bpmn:sequenceFlow id="f5" sourceRef="T" targetRef="E"/>\n<bpmn:endEvent id="E"/>'
    ).replace("</bpmn:definitions>", '<bpmn:signal id="sig" name="reply"/>\n</bpmn:definitions>')
    with pytest.raises(ScriptError) as refused:
        runtime.start(_process(source), {"wait": "2 hours"})
    assert str(refused.value) == (
        "T: 「两小时未回复」 timer timeDuration: '2 hours' is not an ISO 8601 duration (the timer cannot be set)"
    )


def test_a_cron_cycle_is_not_read_as_iso(frozen_clock, runtime):
    """The cron timers (engine/bpmn/cron_timers.py) read their cycle themselves."""
    source = _waiting_user_task_then_timer().replace(
        "<bpmn:timeDuration>wait</bpmn:timeDuration>", "<bpmn:timeCycle>0 0 9 ? * MON-FRI</bpmn:timeCycle>"
    )
    workflow = runtime.start(_process(source), {})
    [user_task] = workflow.get_tasks(state=TaskState.READY)
    runtime.complete(workflow, str(user_task.id), {})
    [timer] = runtime.waiting_timers(workflow)
    assert timer.bpmn_id == "T"


@pytest.mark.parametrize(
    "field, value, chinese",
    [
        (
            "timeDuration",
            "P10X",
            "T：「等候期满」定时的时长（timeDuration）得到「P10X」，不是 ISO 8601 时长（如 P10D、PT5M），定时无法设定",
        ),
        (
            "timeDate",
            "tomorrow",
            "T：「等候期满」定时的日期（timeDate）得到「tomorrow」，不是 ISO 8601 日期时间"
            "（如 2027-01-01T09:00:00+08:00），定时无法设定",
        ),
        (
            "timeCycle",
            "R3/PT1X",
            "T：「等候期满」定时的周期（timeCycle）得到「R3/PT1X」，不是 ISO 8601 重复周期（如 R3/PT1H），定时无法设定",
        ),
    ],
)
def test_the_timer_error_is_said_in_chinese_by_the_engine_messages_table(frozen_clock, runtime, field, value, chinese):
    with pytest.raises(ScriptError) as refused:
        runtime.start(_process(_script_then_timer(field, value)), {})
    assert in_chinese(refused.value.message) == chinese


def test_a_timer_without_a_name_is_said_by_its_id_and_a_value_of_no_text_as_it_is():
    message = "Event_1: timer timeDuration: 5 is not an ISO 8601 duration (the timer cannot be set)"
    assert in_chinese(message) == (
        "Event_1：定时的时长（timeDuration）得到「5」，不是 ISO 8601 时长（如 P10D、PT5M），定时无法设定"
    )
