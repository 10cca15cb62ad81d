"""Timers whose ``timeCycle`` is a cron expression (Camunda's Quartz syntax, read by
engine.deadlines.cron), as SpiffWorkflow timer event definitions.

SpiffWorkflow reads a ``timeCycle`` as an ISO 8601 repeating interval only. After it parsed
a process, the timer events whose cycle is a cron literal get one of these instead, by what
Camunda does with a cycle on that kind of event:

* a non-interrupting boundary event, a non-interrupting event subprocess's start event and
  a process's start event fire at each cron time (:class:`CronCycleTimerEventDefinition`,
  SpiffWorkflow's cycle with cron times; a process's timer start is armed by
  engine.usecases.start_timers, each occurrence a case of its own);
* any other timer (an intermediate catch event, an event-based gateway's timer, an
  interrupting boundary or event subprocess start) fires once, at the first cron time after
  it starts waiting (:class:`CronDateTimerEventDefinition`).
"""

from __future__ import annotations

import ast
from datetime import datetime
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimeDateEventDefinition
from SpiffWorkflow.task import Task

from .. import clock
from ..deadlines.cron import CronError, looks_like_cron, next_fire
from .camunda import NSMAP


def cron_literal(text: str | None) -> str | None:
    """The cron expression a timer's text is (as written, or as normalise quoted it), or None."""
    text = (text or "").strip()
    if text[:1] in "'\"":
        try:
            text = str(ast.literal_eval(text))
        except (ValueError, SyntaxError):
            return None
    return text if looks_like_cron(text) else None


def _first_after(task: Task, expression: str, after: datetime) -> datetime:
    text = str(task.workflow.script_engine.evaluate(task, expression))
    when = next_fire(text, after)
    if when is None:
        raise CronError(f"timer cycle {text!r} never fires after {after.isoformat()}")
    return when


class CronCycleTimerEventDefinition(CycleTimerEventDefinition):
    """Fires at each cron time (``event_value`` keeps the expression as ``cron``); an ISO
    value (what engine.bpmn.start_events sets to release a timer start) runs as SpiffWorkflow's."""

    def cycle_complete(self, my_task: Task) -> bool:
        value = my_task._get_internal_data("event_value")
        if value is None:
            text = str(my_task.workflow.script_engine.evaluate(my_task, self.expression))
            first = next_fire(text, clock.now())
            value = {"cycles": -1 if first else 0, "next": first.isoformat() if first else None, "duration": 0.0}
            value["cron"] = text
            my_task._set_internal_data(event_value=value)
        if "cron" not in value:
            return bool(super().cycle_complete(my_task))
        if value["cycles"] == 0:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
            return False
        now = clock.now()
        if datetime.fromisoformat(value["next"]) >= now:
            return False
        # the next time after now: occurrences missed while the engine was stopped fire once
        following = next_fire(value["cron"], now)
        value = {**value, "next": following.isoformat() if following else None}
        value["cycles"] = 0 if following is None else value["cycles"] - 1 if value["cycles"] > 0 else -1
        my_task._set_internal_data(event_value=value)
        return True


class CronDateTimerEventDefinition(TimeDateEventDefinition):
    """Fires once, at the first cron time after the event starts waiting."""

    def has_fired(self, my_task: Task) -> bool:
        if my_task._get_internal_data("event_value") is None:
            my_task._set_internal_data(event_value=_first_after(my_task, self.expression, clock.now()).isoformat())
        return bool(super().has_fired(my_task))


def _repeats(node: etree._Element) -> bool:
    name = etree.QName(node).localname
    if name == "boundaryEvent":
        return str(node.get("cancelActivity", "true")) == "false"
    if name == "startEvent":
        in_event_subprocess = node.getparent() is not None and node.getparent().get("triggeredByEvent") == "true"
        return bool(not in_event_subprocess or node.get("isInterrupting", "true") == "false")
    return False


def repeating_cron_timers(root: etree._Element) -> set[str]:
    """The events of a document whose timer cycle is a cron literal and that fire at each time."""
    found = set()
    for cycle in root.xpath(".//bpmn:timerEventDefinition/bpmn:timeCycle", namespaces=NSMAP):
        node = cycle.getparent().getparent()
        if cron_literal(cycle.text) is not None and _repeats(node):
            found.add(node.get("id"))
    return found


def _cron_definition(definition: Any, repeats: bool) -> Any:
    if isinstance(definition, MultipleEventDefinition):
        # an event-based gateway waits for its events' definitions itself: each fires once
        definition.event_definitions = [_cron_definition(d, False) for d in definition.event_definitions]
        return definition
    if type(definition) is not CycleTimerEventDefinition or cron_literal(definition.expression) is None:
        return definition
    kind = CronCycleTimerEventDefinition if repeats else CronDateTimerEventDefinition
    return kind(definition.name, definition.expression, description=definition.description)


def use_cron_timers(specs: list[BpmnProcessSpec], repeating: set[str]) -> None:
    """Give the timer events whose cycle is a cron literal their cron definitions; those of
    ``repeating`` (bpmn ids, :func:`repeating_cron_timers`) fire at each time."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if definition is not None:
                task_spec.event_definition = _cron_definition(definition, task_spec.bpmn_id in repeating)
