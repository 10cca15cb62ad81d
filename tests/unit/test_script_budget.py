"""A runaway script or expression fails on its own, naming its element and what ran out,
well within its budget: it must never hold a case's lock (on SQLite, the database's write
lock) for long, nor stop the app."""

from __future__ import annotations

import gc
import time
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.bpmn import sandbox
from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.runtime import Runtime
from engine.bpmn.sandbox import (
    MIN_STEPS,
    MIN_TIME_MS,
    PAUSE_S,
    Budget,
    SandboxedEnvironment,
    ScriptLimits,
)
from engine.deadlines.calendar import WorkingCalendar
from engine.deadlines.date_functions import make_helpers
from engine.deadlines.settings import DEFAULTS, resolve
from engine.errors import ScriptError

BUDGET_S = DEFAULTS["script.time_budget_ms"].default / 1000
MARGIN_S = 1.5

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="defs" targetNamespace="http://congressflow.example/test">
  <bpmn:process id="budget" name="预算" isExecutable="true">
"""
TAIL = """  </bpmn:process>
</bpmn:definitions>
"""


def script_process(script: str):
    [process] = parse_bpmn(
        HEAD
        + f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="Task_Runaway" />
    <bpmn:scriptTask id="Task_Runaway" name="失控"><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Task_Runaway" targetRef="end" />
    <bpmn:endEvent id="end" />
"""
        + TAIL,
        "budget.bpmn",
    )
    return process


def condition_process(condition: str):
    [process] = parse_bpmn(
        HEAD
        + f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="Gateway_Check" />
    <bpmn:exclusiveGateway id="Gateway_Check" default="f3" />
    <bpmn:sequenceFlow id="f2" sourceRef="Gateway_Check" targetRef="end">
      <bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="Gateway_Check" targetRef="end" />
    <bpmn:endEvent id="end" />
"""
        + TAIL,
        "budget.bpmn",
    )
    return process


def looping_process():
    """A gateway that sends the case back to a script task, never waiting: each step is
    quick, the whole never ends."""
    [process] = parse_bpmn(
        HEAD
        + """
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="Task_Count" />
    <bpmn:scriptTask id="Task_Count"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Task_Count" targetRef="Gateway_Again" />
    <bpmn:exclusiveGateway id="Gateway_Again" default="f4" />
    <bpmn:sequenceFlow id="f3" sourceRef="Gateway_Again" targetRef="Task_Count">
      <bpmn:conditionExpression>n &lt; 10**9</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="Gateway_Again" targetRef="end" />
    <bpmn:endEvent id="end" />
"""
        + TAIL,
        "budget.bpmn",
    )
    return process


def runtime(limits: ScriptLimits | None = None, loads: list[ScriptLimits] | None = None) -> Runtime:
    def load() -> ScriptLimits:
        value = limits or ScriptLimits.from_settings(resolve({}))
        if loads is not None:
            loads.append(value)
        return value

    return Runtime(make_helpers(lambda: WorkingCalendar(), lambda: resolve({})), load)


def fails(run, *expected: str, within: float = BUDGET_S + MARGIN_S) -> str:
    # The objects this test process made before (late in a CI run, thousands of tests' worth)
    # are left out of the cycle collector's passes while the run is timed: a full pass over
    # them, due whenever enough of them piled up, took 2-3 s inside a runaway script's run and
    # is not the sandbox's doing (a server's heap is its app and its bounded caches).
    gc.freeze()
    try:
        started = time.monotonic()
        with pytest.raises(ScriptError) as info:
            run()
        took = time.monotonic() - started
    finally:
        gc.unfreeze()
    assert took < within, f"took {took:.2f} s: {info.value.message}"
    for text in expected:
        assert text in info.value.message, info.value.message
    return info.value.message


RAN_OUT = "script Task_Runaway ran "  # of steps or of time, whichever this machine reaches first


@pytest.mark.parametrize(
    "script, reason",
    [
        ("for i in range(2*10**8): pass", "1000000"),
        ("while True: pass", RAN_OUT),
        ("x = 2**10**10", "bits"),
        ("x = 'a'*10**10", "at most 1000000"),
        ("x = [0] * 10**10", "at most 1000000"),
        ("x = sum(range(10**12))", "at most 1000000"),
        ("f = lambda n: f(n + 1)\nf(0)", "RecursionError"),
        ("def f(n):\n    return f(n + 1)\nf(0)", "RecursionError"),
        ("x = [i for i in range(10**10)]", "at most 1000000"),
        ("def numbers():\n    while True:\n        yield 1\nx = [i for i in numbers()]", RAN_OUT),
        ("def f(n):\n    return 1 if n == 0 else f(n - 1) + f(n - 1)\nx = f(80)", RAN_OUT),
        ("x = [[i, j] for i in range(10**6) for j in range(10**6)]", RAN_OUT),
        ("x = 3\nwhile True:\n    x = x * x", "bits"),
        ("s = 'a'\nwhile True:\n    s += s", "at most 1000000"),
        ("x = [0]\nwhile True:\n    x.extend(x)", "at most 1000000"),
        ("x = ', '.join(['a' * 10**6] * 10)", "at most 1000000"),
        ("x = 'a'.ljust(10**10)", "at most 1000000"),
        ("x = f'{1:>10000000000}'", "width"),
        ("x = '%10000000000d' % 1", "width"),
        ("x = round(5, -10**9)", "round"),
        ("x = pow(7, 10**10)", "bits"),
        ("x = 1 << 10**10", "bits"),
        ("x = (1).to_bytes(10**10, 'big')", "at most 1000000"),
        ("x = int.from_bytes(b'\\xff' * 1000000, 'big')", "bits"),
        ("x = sum([[1]] * 1000, [])", "numbers"),
        ("x = deadline_in_working_days(10**9)", "working days"),
        ("x = deadline_in_working_days(2.5)", "whole number"),
        ("while True:\n    try:\n        while True: pass\n    except Exception:\n        pass", RAN_OUT),
    ],
)
def test_a_runaway_script_fails_naming_its_element(script, reason):
    process = script_process(script)
    message = fails(lambda: runtime().start(process, {}), "Task_Runaway", reason)
    assert len(message) < 400


def test_out_of_time_names_the_script_and_the_budget():
    process = script_process("while True:\n    x = 'a' * 200000")
    message = fails(lambda: runtime(ScriptLimits(200, 10**9)).start(process, {}), within=0.2 + MARGIN_S)
    assert message == "script Task_Runaway ran longer than 200 ms"


def test_out_of_steps_names_the_script_and_the_budget():
    process = script_process("while True: pass")
    message = fails(lambda: runtime(ScriptLimits(60_000, 200_000)).start(process, {}))
    assert message == "script Task_Runaway ran more than 200000 steps (loop iterations and function calls)"


def test_a_runaway_condition_names_its_gateway():
    process = condition_process("any(x < 0 for x in [1] for y in range(10**6) for z in range(10**6))")
    message = fails(lambda: runtime().start(process, {}))
    assert message.startswith("expression 'any(x < 0 for x in [1]") and "of Gateway_Check ran " in message


def test_a_process_looping_without_waiting_runs_out_of_its_total_budget():
    limits = ScriptLimits(100, 10**6)
    message = fails(lambda: runtime(limits).start(looping_process(), {"n": 0}), within=limits.run_ms / 1000 + MARGIN_S)
    assert message.startswith(f"the engine steps of this action ran longer than {limits.run_ms} ms, stopped before ")
    assert "Task_Count" in message or "Gateway_Again" in message


def test_a_script_near_the_end_of_the_total_budget_stops_at_it():
    limits = ScriptLimits(100, 10**9)
    rt, process = runtime(limits), script_process("while True: pass")
    rt.budget.start_run()
    time.sleep(0.42)
    message = fails(lambda: rt.start(process, {}), within=0.2)
    assert message == "script Task_Runaway ran past the 500 ms that all the engine steps of one action may take"


def test_the_budget_is_read_only_when_a_script_gets_past_the_floor():
    loads: list[ScriptLimits] = []
    rt = runtime(loads=loads)
    rt.start(script_process("total = sum([i for i in range(100)])"), {})
    assert loads == []  # no settings query for an ordinary script
    workflow = rt.start(script_process(f"total = 0\nfor i in range({MIN_STEPS * 5}):\n    total += i"), {})
    assert len(loads) == 1
    assert rt.variables(workflow)["total"] == sum(range(MIN_STEPS * 5))


def test_settings_raise_the_budget_above_the_floor_and_never_below_it():
    limits = ScriptLimits.from_settings(resolve({"script.time_budget_ms": "0", "script.step_budget": "1"}))
    assert limits == ScriptLimits(MIN_TIME_MS, MIN_STEPS)
    limits = ScriptLimits.from_settings(resolve({"script.time_budget_ms": "3000", "script.step_budget": "5000000"}))
    assert (limits.time_ms, limits.steps, limits.run_ms) == (3000, 5_000_000, 15000)
    process = script_process("for i in range(900000):\n    pass")
    runtime(ScriptLimits(MIN_TIME_MS * 100, 2_000_000)).start(process, {})
    fails(lambda: runtime(ScriptLimits(MIN_TIME_MS * 100, MIN_STEPS)).start(process, {}), "steps")


class SteppingClock:
    """A clock that moves on a tenth of a millisecond each time it is read."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 0.0001
        return self.now


def test_a_script_running_long_pauses_to_let_other_threads_run(monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr(sandbox, "monotonic", SteppingClock())
    monkeypatch.setattr(sandbox, "sleep", pauses.append)
    env = SandboxedEnvironment({}, Budget(lambda: ScriptLimits(60_000, 10**9)))

    data: dict = {}
    env.execute("total = 0\nfor i in range(15):\n    total += i", data)  # 1.5 ms on this clock
    assert data["total"] == 105 and pauses == []

    env.execute("total = 0\nfor i in range(1000):\n    total += i", data)  # 100 ms on this clock
    # a pause every 2 ms of the script's time: after 2.1, 4.2, … 98.7 ms (each pause reads the clock)
    assert data["total"] == 499500 and pauses == [PAUSE_S] * 47


def test_ordinary_scripts_and_expressions_are_unaffected():
    env = SandboxedEnvironment({})
    data = {"units": ["finance", "land"], "scores": [{"score": 90}, {"score": 81}], "n": 3, "name": "张三"}
    env.execute(
        "\n".join(
            [
                "count = len(units)",
                "names = [u.upper() for u in units if u]",
                "average = round(sum([s['score'] for s in scores]) / len(scores), 1)",
                "power = 2 ** 10 + n * 3 - (n << 2)",
                "power += int.from_bytes(b'\\x01\\x00', 'big') - (256).to_bytes(2, 'big')[0]",
                "line = '-' * 20 + name.ljust(4) + f'{n:>5}|{average:.2f}' + '%3d' % n",
                "joined = ', '.join(sorted(units)) + ''.join(str(i) for i in range(3))",
                "text = 'a-b'.replace('-', '+')",
                "items = []",
                "items.extend(units)",
                "items += ['x']",
                "square = lambda v: v * v",
                "squares = {u: square(i) for i, u in enumerate(units)}",
                "def fact(k):\n    return 1 if k <= 1 else k * fact(k - 1)",
                "big = fact(20)",
                "i = 0",
                "while i < 5:\n    i += 1",
            ]
        ),
        data,
    )
    assert data["count"] == 2 and data["names"] == ["FINANCE", "LAND"] and data["average"] == 85.5
    assert data["power"] == 1024 + 9 - 12 + 256 - 1
    assert data["line"] == "-" * 20 + "张三  " + "    3|85.50" + "  3"
    assert data["joined"] == "finance, land012" and data["text"] == "a+b"
    assert data["items"] == ["finance", "land", "x"] and data["squares"] == {"finance": 0, "land": 1}
    assert data["big"] == 2432902008176640000 and data["i"] == 5
    assert env.evaluate("n > 2 and len(units) == 2", data) is True
    assert env.evaluate("[x * 2 for x in range(4) if x % 2]", data) == [2, 6]


def test_any_other_failure_inside_the_engine_names_the_element(monkeypatch):
    rt = runtime()
    workflow = rt.start(script_process("x = 1"), {})

    def overflow(self):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(BpmnWorkflow, "refresh_timers", overflow)
    with pytest.raises(ScriptError, match="OverflowError: date value out of range"):
        rt.fire_timers(workflow)


def test_an_engine_failure_inside_a_step_names_the_task(monkeypatch):
    from SpiffWorkflow.bpmn.specs.defaults import ScriptTask

    def memory(self, task):
        raise MemoryError()

    monkeypatch.setattr(ScriptTask, "_execute", memory)
    message = fails(lambda: runtime().start(script_process("x = 1"), {}))
    assert message.startswith("Task_Runaway: ") and "MemoryError" in message
