"""A timer's value read as SpiffWorkflow will read it, at the moment the product's script
engine evaluates the timer's expression (engine.bpmn.runtime._ScriptEngine.evaluate).

SpiffWorkflow's timer event definitions evaluate their expression and then parse the value
with their static ISO 8601 readers, which refuse a bad value with a bare
``Exception('Invalid duration')``, a ValueError or an AttributeError: an error that names
neither the timer nor its value. Reading the value here first, with the same readers, lets
the runtime say which timer, which field and which value instead.

Only SpiffWorkflow's own timer kinds are read here: the cron timers of
engine.bpmn.cron_timers (subclasses of them) read their value themselves and say their own
errors (engine.deadlines.cron)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.task import Task

from .. import clock


def _read_duration(value: Any) -> None:
    # as DurationTimerEventDefinition.has_fired: the duration, counted from now (months and
    # years by the calendar), must give a time
    parsed = TimerEventDefinition.parse_iso_duration(value)
    clock.now() + TimerEventDefinition.get_timedelta_from_start(parsed, clock.now())


def _read_date(value: Any) -> None:
    # as TimeDateEventDefinition.has_fired, which compares what it reads with now: a
    # duration read there (a dict) is no time to compare
    if not isinstance(TimerEventDefinition.parse_time_or_duration(value), datetime):
        raise ValueError(f"{value!r} is no date and time")


def _read_cycle(value: Any) -> None:
    # as CycleTimerEventDefinition.cycle_complete
    TimerEventDefinition.parse_iso_recurring_interval(value)


# Each of SpiffWorkflow's timer kinds (the exact class: a subclass reads its value its own
# way): the BPMN field its value comes from, what the value must be, and how it is read
_READINGS: dict[type[TimerEventDefinition], tuple[str, str, Callable[[Any], None]]] = {
    DurationTimerEventDefinition: ("timeDuration", "duration", _read_duration),
    TimeDateEventDefinition: ("timeDate", "date and time", _read_date),
    CycleTimerEventDefinition: ("timeCycle", "repeating interval (R…)", _read_cycle),
}


def refused_timer_value(task: Task, expression: str, value: Any) -> tuple[Any, str] | None:
    """When ``expression`` is the timer expression of ``task``'s event and SpiffWorkflow's
    reader refuses ``value`` (what it gave), the timer's element (its spec) and what is wrong
    (``timer timeDuration: 'P10X' is not an ISO 8601 duration (the timer cannot be set)``);
    None for any other expression or a value the reader takes."""
    for element, definition in _timers_of(task.task_spec):
        reading = _READINGS.get(type(definition))
        if reading is None or definition.expression != expression:
            continue
        field, what, read = reading
        try:
            read(value)
        except Exception:  # SpiffWorkflow's readers raise bare Exceptions as well as ValueErrors
            return element, f"timer {field}: {value!r} is not an ISO 8601 {what} (the timer cannot be set)"
    return None


def _timers_of(spec: Any) -> Iterator[tuple[Any, TimerEventDefinition]]:
    """The timer definitions a task evaluates, each with the element it belongs to: its own
    event's, or those of its multiple event; an event-based gateway (which SpiffWorkflow
    makes wait for its following events as one multiple event, in the order of its outputs)
    evaluates its timer events' definitions, whose elements are those events."""
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        yield spec, definition
    elif isinstance(definition, MultipleEventDefinition):
        gateway = isinstance(spec, EventBasedGateway)
        for index, part in enumerate(definition.event_definitions):
            if isinstance(part, TimerEventDefinition):
                yield (spec.outputs[index] if gateway else spec), part
