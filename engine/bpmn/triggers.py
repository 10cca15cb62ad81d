"""A receive task that names no message: a plain wait state, as Camunda 7 runs it. The case
waits there until someone outside continues exactly that task by its element id (Camunda's
``runtimeService.trigger(executionId)``; here engine/usecases/messages.py ``trigger_task``).

SpiffWorkflow reads such a task with a "none" event, which fires at once: the task would pass
straight through. It is given a ``TriggerEventDefinition`` named by the task's element id
instead, which nothing inside the workflow throws, so the task waits (and is listed, like a
message, among what the workflow waits for: the ``subscriptions`` index, kind "trigger")."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.serializer.helpers.spec import EventDefinitionConverter
from SpiffWorkflow.bpmn.specs.event_definitions.base import EventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition

TRIGGER = "trigger"  # the kind of what such a task waits for (storage.enums.SubscriptionKind)


class TriggerEventDefinition(EventDefinition):
    """Being continued from outside, by the element id of the waiting task (``name``)."""

    def __init__(self, name: str | None = None, description: str | None = None) -> None:
        super().__init__(name, description or "Trigger")

    def catches(self, my_task: Any, event: Any) -> bool:
        other = event.event_definition
        return isinstance(other, TriggerEventDefinition) and other.name == self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TriggerEventDefinition) and other.name == self.name

    def __hash__(self) -> int:
        return hash((TriggerEventDefinition, self.name))


def wait_for_trigger(task_spec: Any) -> Any:
    """A receive task spec as parsed: one with no message waits to be triggered."""
    if isinstance(task_spec.event_definition, NoneEventDefinition):
        task_spec.event_definition = TriggerEventDefinition(task_spec.bpmn_id)
    return task_spec


# for engine/bpmn/serialization.py: the definition is stored with the spec, by name
TRIGGER_CONVERTERS: dict[type, type] = {TriggerEventDefinition: EventDefinitionConverter}
