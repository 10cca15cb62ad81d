"""The SpiffWorkflow facade, without a database. Every scenario saves and restores the
workflow mid-way and checks nothing changed, as SpiffWorkflow's own tests do."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.serialization import dump_process, load_process
from engine.errors import NotFound, ScriptError
from tests.conftest import FIXTURES, fixture_bpmn


@pytest.fixture
def process():
    [parsed] = parse_bpmn(fixture_bpmn("review.bpmn"), "review.bpmn")
    return load_process(dump_process(parsed))  # as the use cases get it: from the stored spec


def round_trip(runtime, process, workflow):
    """Save and restore; the restored workflow must serialize to exactly the same JSON."""
    text = runtime.dump(workflow)
    restored = runtime.restore(process, text)
    assert runtime.dump(restored) == text
    return restored


def ready(runtime, process, workflow):
    described = [runtime.describe(workflow, process, t) for t in runtime.ready_task_ids(workflow)]
    return {t.bpmn_id: t for t in described}


def test_walks_every_path_with_save_and_restore(frozen_clock, runtime, process):
    wf = runtime.start(process, {"subject": "路灯不亮", "checker": "chair", "rounds": 0})
    wf = round_trip(runtime, process, wf)
    [register] = ready(runtime, process, wf).values()
    assert (register.bpmn_id, register.lane, register.candidate_groups) == ("register", "office", ("office",))

    runtime.complete(wf, register.task_id, {"lead_unit": "finance"})
    wf = round_trip(runtime, process, wf)
    reply = ready(runtime, process, wf)["reply"]
    assert reply.candidate_groups == ("finance",)  # ${lead_unit} evaluated
    assert reply.due_at == datetime(
        2026, 12, 22, 16, 0, tzinfo=UTC
    )  # 15 days from Monday 12-07 (not counted): Tuesday 12-22, which ends at 24:00 Beijing time
    [timer] = runtime.waiting_timers(wf)
    assert (timer.bpmn_id, timer.due_at) == ("reply_timer", reply.due_at)

    # the non-interrupting boundary timer: 督办 appears, the reply task stays
    clock.advance(timedelta(days=16))
    runtime.fire_timers(wf)
    wf = round_trip(runtime, process, wf)
    assert set(ready(runtime, process, wf)) == {"reply", "supervise"}
    assert runtime.waiting_timers(wf) == []

    runtime.complete(wf, ready(runtime, process, wf)["supervise"].task_id, {"supervision_note": "请尽快"})
    runtime.complete(wf, reply.task_id, {"reply_class": "B"})
    wf = round_trip(runtime, process, wf)
    check = ready(runtime, process, wf)["check"]
    assert check.assignee == "chair"

    # the loop: not accepted → a new round with a new reply task and a new deadline
    runtime.complete(wf, check.task_id, {"accepted": False})
    wf = round_trip(runtime, process, wf)
    second = ready(runtime, process, wf)["reply"]
    assert second.task_id != reply.task_id
    assert second.due_at == datetime(2027, 1, 7, 16, 0, tzinfo=UTC)  # 15 days from 12-23: Thursday 01-07, 24:00
    assert runtime.variables(wf)["rounds"] == 2

    runtime.complete(wf, second.task_id, {"reply_class": "A"})
    runtime.complete(wf, ready(runtime, process, wf)["check"].task_id, {"accepted": True})
    wf = round_trip(runtime, process, wf)
    assert wf.completed
    assert runtime.variables(wf)["reply_class"] == "A"
    assert "end" in runtime.bpmn_ids_in_state(wf, TaskState.COMPLETED)


def test_instance_json_does_not_embed_the_spec(runtime, process):
    wf = runtime.start(process, {"subject": "x", "checker": "c", "rounds": 0})
    text = runtime.dump(wf)
    assert '"spec"' not in text.split('"tasks"')[0] and "意见办理" not in text
    assert "x" in text


def test_completing_an_unknown_or_finished_task(runtime, process):
    wf = runtime.start(process, {"subject": "x", "checker": "c", "rounds": 0})
    with pytest.raises(NotFound):
        runtime.complete(wf, "00000000-0000-0000-0000-000000000000", {})
    with pytest.raises(NotFound):
        runtime.complete(wf, "not-a-uuid", {})
    task_id = runtime.ready_task_ids(wf)[0]
    runtime.complete(wf, task_id, {"lead_unit": "finance"})
    with pytest.raises(NotFound, match="not a ready user task"):
        runtime.complete(wf, task_id, {"lead_unit": "finance"})


def test_a_failing_expression_is_a_script_error_naming_the_element(runtime, process):
    wf = runtime.start(process, {"subject": "x", "checker": "c"})  # no 'rounds': the script needs it
    with pytest.raises(ScriptError, match=r"set_due.*rounds"):
        runtime.complete(wf, runtime.ready_task_ids(wf)[0], {"lead_unit": "finance"})


REMIND_EVERY_HOUR = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="remind" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="answer" />
    <bpmn:userTask id="answer" name="答复" camunda:candidateGroups="office" />
    <bpmn:boundaryEvent id="hourly" name="每小时催办" attachedToRef="answer" cancelActivity="false">
      <bpmn:timerEventDefinition id="hourly_def">
        <bpmn:timeCycle>"R2/" + start_at + "/PT1H"</bpmn:timeCycle>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="answer" targetRef="done" />
    <bpmn:endEvent id="done" />
    <bpmn:sequenceFlow id="f3" sourceRef="hourly" targetRef="noted" />
    <bpmn:endEvent id="noted" />
  </bpmn:process>
</bpmn:definitions>"""


def test_fired_timers_tells_each_firing_since_the_restore_a_cycles_too(frozen_clock, runtime):
    [parsed] = parse_bpmn(REMIND_EVERY_HOUR.encode(), "remind.bpmn")
    process = load_process(dump_process(parsed))
    wf = runtime.start(process, {"start_at": (frozen_clock + timedelta(hours=1)).isoformat()})
    assert runtime.fired_timers(wf) == []  # armed, not fired
    answer = ready(runtime, process, wf)["answer"]
    for hour in (1, 2):
        wf = round_trip(runtime, process, wf)
        clock.advance(timedelta(hours=1, seconds=1))
        assert runtime.fired_timers(wf) == []
        runtime.fire_timers(wf)
        [fired] = runtime.fired_timers(wf)
        assert (fired.bpmn_id, fired.name, fired.attached_to, fired.attached_name, fired.interrupting) == (
            "hourly",
            "每小时催办",
            answer.task_id,
            "答复",
            False,
        ), hour
    wf = round_trip(runtime, process, wf)
    clock.advance(timedelta(hours=5))
    runtime.fire_timers(wf)  # no cycle left: it ends, firing nothing
    runtime.complete(wf, answer.task_id, {})
    assert runtime.fired_timers(wf) == [] and wf.completed


def variables_by_the_tree(workflow):
    """The case's variables as SpiffWorkflow's tree walk orders the tasks that carry them."""
    data = {k: v for k, v in workflow.data.items() if not k.startswith("_")}
    if workflow.last_task is not None:
        data.update(workflow.last_task.data)
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        data.update(task.data)
    data.pop("_message", None)  # what a message brought is the product's, not a variable
    return data


@pytest.mark.parametrize("key", ["review", "inspection", "mi_boundary_timer", "esp_timer"])
def test_the_variables_are_the_tree_walks_at_every_step(frozen_clock, runtime, key):
    """With rounds, subprocesses, timers and joins waiting, no branch of these walks holds a
    copy of a value another branch changed since they parted: variables() merges the branches
    to what SpiffWorkflow's tree walk gives, in its order (a page lists them in it)."""
    from tests.unit.test_workflow_snapshot import WALKS, parsed, take_step

    source, start, _answers, _fire_at = WALKS[key]
    process = parsed(source, key)
    workflow = runtime.start(process, start)
    several = 0
    for step in range(1, 25):
        # the same values, in the same order (a page lists them in it)
        assert list(runtime.variables(workflow).items()) == list(variables_by_the_tree(workflow).items())
        several += len(workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)) > 1
        if workflow.completed:
            break
        take_step(runtime, workflow, key, step)
    assert several or key == "review"  # the walks with rounds and timers have several at once


LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
MESSAGE_IN_A_SUBPROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:message id="m" name="answer" />
  <bpmn:process id="nested" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="inner" />
    <bpmn:subProcess id="inner">
      <bpmn:startEvent id="inner_start" />
      <bpmn:sequenceFlow id="g1" sourceRef="inner_start" targetRef="wait" />
      <bpmn:intermediateCatchEvent id="wait">
        <bpmn:messageEventDefinition messageRef="m" />
      </bpmn:intermediateCatchEvent>
      <bpmn:sequenceFlow id="g2" sourceRef="wait" targetRef="inner_end" />
      <bpmn:endEvent id="inner_end" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="inner" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize(
    ("source", "may_wait"),
    [
        # the congress's processes wait for no message, signal or trigger
        *((path, False) for path in sorted(LIBRARY.glob("*.bpmn"))),
        (FIXTURES / "review.bpmn", False),
        (FIXTURES / "event_subprocess_timer.bpmn", False),
        (FIXTURES / "withdrawable.bpmn", True),  # a message boundary event on a user task
        (FIXTURES / "await_reply.bpmn", True),  # a receive task, a signal catch
        (FIXTURES / "await_trigger.bpmn", True),  # a receive task naming no message
        (FIXTURES / "message_start.bpmn", True),  # started by a message
        (FIXTURES / "event_gateway_timer.bpmn", True),  # a message behind an event-based gateway
        (MESSAGE_IN_A_SUBPROCESS, True),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else str(value)[:12],
)
def test_whether_a_process_may_wait_for_an_event_is_read_off_all_its_specs(runtime, source, may_wait):
    """What saving a case reads of its subscriptions hangs on this (engine/usecases/persist.py)."""
    text = source.read_bytes() if isinstance(source, Path) else source.encode()
    processes = parse_bpmn(text, "x.bpmn")
    assert {runtime.may_wait_for_events(p.spec, p.subprocess_specs) for p in processes} == {may_wait}


TWO_BRANCHES = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="branches" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split" />
    <bpmn:parallelGateway id="split" />
    <bpmn:sequenceFlow id="fa" sourceRef="split" targetRef="a1" />
    <bpmn:sequenceFlow id="fb" sourceRef="split" targetRef="b1" />
    <bpmn:userTask id="a1" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="fa2" sourceRef="a1" targetRef="a2" />
    <bpmn:userTask id="a2" camunda:candidateGroups="office" />
    <bpmn:userTask id="b1" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="fa3" sourceRef="a2" targetRef="join" />
    <bpmn:sequenceFlow id="fb3" sourceRef="b1" targetRef="join" />
    <bpmn:parallelGateway id="join" />
    <bpmn:sequenceFlow id="f9" sourceRef="join" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


def start_branches(runtime):
    [parsed] = parse_bpmn(TWO_BRANCHES.encode(), "branches.bpmn")
    workflow = runtime.start(load_process(dump_process(parsed)), {"note": "起始"})
    return workflow, lambda bpmn_id, data: runtime.complete(workflow, ready_id(runtime, workflow, bpmn_id), data)


def ready_id(runtime, workflow, bpmn_id):
    [task_id] = [t for t in runtime.ready_task_ids(workflow) if runtime.task(workflow, t).task_spec.bpmn_id == bpmn_id]
    return task_id


def test_a_branch_that_did_not_change_a_value_does_not_hide_what_another_wrote(runtime):
    """a2 (after a1) and b1 are ready; a1 changed ``note``, b1 holds the copy taken at the
    split. The tree walk meets b1 last (its value would win, although older); the branch that
    wrote the value gives it."""
    workflow, complete = start_branches(runtime)
    complete("a1", {"note": "甲支", "only_a": 1})
    assert [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY)] == ["a2", "b1"]
    assert runtime.task(workflow, ready_id(runtime, workflow, "b1")).data["note"] == "起始"
    assert (runtime.variables(workflow)["note"], runtime.variables(workflow)["only_a"]) == ("甲支", 1)


def test_a_join_waiting_for_a_branch_holds_what_its_own_branch_wrote(runtime):
    """b1 done, the join waits for a2: what b1 wrote is the case's, not a2's older copy."""
    workflow, complete = start_branches(runtime)
    complete("a1", {"only_a": 1})
    complete("b1", {"note": "乙支"})
    [join] = [t for t in workflow.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == "join"]
    assert "note" not in join.data  # a waiting join takes no copy of the data until it goes on
    assert (runtime.variables(workflow)["note"], runtime.variables(workflow)["only_a"]) == ("乙支", 1)


@pytest.mark.parametrize(("first", "then", "latest"), [("a1", "b1", "乙支"), ("b1", "a1", "甲支")])
def test_two_branches_that_changed_a_value_give_the_one_written_last(runtime, first, then, latest):
    """Whichever branch comes first in the tree."""
    workflow, complete = start_branches(runtime)
    note = {"a1": "甲支", "b1": "乙支"}
    complete(first, {"note": note[first]})
    complete(then, {"note": note[then]})
    assert runtime.variables(workflow)["note"] == latest


LANES_AROUND_A_SUBPROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:collaboration id="c"><bpmn:participant id="p" processRef="lanes_sub" /></bpmn:collaboration>
  <bpmn:process id="lanes_sub" name="泳道与子流程" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="Lane_Office" name="镇人大办">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>stage</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>wrap_up</bpmn:flowNodeRef><bpmn:flowNodeRef>done</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="Lane_Unit" name="承办单位（主办）"><bpmn:flowNodeRef>reply</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="stage" />
    <bpmn:subProcess id="stage" name="办理">
      <bpmn:startEvent id="stage_start" />
      <bpmn:sequenceFlow id="s1" sourceRef="stage_start" targetRef="reply" />
      <bpmn:userTask id="reply" name="答复" camunda:candidateGroups="finance" />
      <bpmn:sequenceFlow id="s2" sourceRef="reply" targetRef="note" />
      <bpmn:userTask id="note" name="登记" camunda:candidateGroups="office" />
      <bpmn:sequenceFlow id="s3" sourceRef="note" targetRef="stage_end" />
      <bpmn:endEvent id="stage_end" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="stage" targetRef="wrap_up" />
    <bpmn:userTask id="wrap_up" name="归档" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f3" sourceRef="wrap_up" targetRef="done" />
    <bpmn:endEvent id="done" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_task_inside_a_subprocess_is_in_the_lane_that_names_it_else_in_the_subprocess_lane(runtime):
    """proposal.bpmn puts 办理并书面答复 (inside the subprocess 办理) in the lead unit's lane: that
    lane is its lane (SpiffWorkflow gives every task of a subprocess the subprocess's lane, 镇人大办);
    a task of the subprocess no lane names stays in the subprocess's lane."""
    [parsed] = parse_bpmn(LANES_AROUND_A_SUBPROCESS, "lanes_sub.bpmn")
    process = load_process(dump_process(parsed))
    wf = runtime.start(process, {})
    [reply] = ready(runtime, process, wf).values()
    assert (reply.bpmn_id, reply.lane) == ("reply", "承办单位（主办）")
    runtime.complete(wf, reply.task_id, {})
    [note] = ready(runtime, process, wf).values()
    assert (note.bpmn_id, note.lane) == ("note", "镇人大办")
    runtime.complete(wf, note.task_id, {})
    [wrap_up] = ready(runtime, process, wf).values()
    assert (wrap_up.bpmn_id, wrap_up.lane) == ("wrap_up", "镇人大办")
