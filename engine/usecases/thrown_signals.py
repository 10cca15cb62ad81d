"""A signal a case throws reaches the other cases (Camunda's broadcast): every case waiting
for it is moved on, and every process with a signal start event for it gets a case, as when
the signal comes from outside (engine/usecases/messages.py), in the same transaction as the
save of the case that threw it. The engine delivered it inside that case already
(engine/bpmn/signal_payloads.py says what it carries).

A signal that passes the thrower's business key (编号) starts no case of a process a running
case of which holds that 编号 already (the thrower itself, when it runs on and its own process
starts on the signal): one 编号, one running case of a process, at every door. Unlike a start
by hand or by a message, nobody asked for that start and nobody is there to be refused: the
thrower goes on, the start is left out, and the throw's audit entry says which processes got
no case and which case holds the 编号 (``not_started``). Not an incident: nothing is broken
and retrying would only be refused again while the holder runs.

A case reached may throw a signal in turn; a chain that goes on (two processes signalling
each other for ever) is stopped with a ScriptError at the throwing element, which rolls the
whole action back: nothing of it is kept half-done."""

from __future__ import annotations

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.orm import Session

from storage.models import ProcessInstance

from ..bpmn.runtime import Runtime
from ..errors import ScriptError
from .context import SYSTEM, audit

MAX_CHAIN = 20  # signals thrown by cases a signal reached, within one action
_CHAIN = "congressflow.thrown_signals.chain"


def relay(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, runtime: Runtime) -> None:
    """Broadcast the signals ``workflow`` threw since its last save (none: no query)."""
    thrown = runtime.take_thrown_signals(workflow)
    if not thrown:
        return
    # messages saves cases through persist, which calls this module
    from .messages import broadcast_signal

    for signal in thrown:
        chain = session.info.get(_CHAIN, 0) + 1
        if chain > MAX_CHAIN:
            raise ScriptError(
                f"{signal.bpmn_id}: more than {MAX_CHAIN} signals thrown by cases other signals reached, in one "
                "action: do processes signal each other without waiting?"
            )
        session.info[_CHAIN] = chain
        business_key = instance.business_key if signal.passes_business_key else None
        delivery = broadcast_signal(
            session, SYSTEM, signal.name, signal.variables, business_key=business_key, besides=instance.id
        )
        data = {"name": signal.name, "variables": signal.variables, "reached": delivery.instance_ids}
        if delivery.held:
            # the starts left out because their 编号 is held: said where the throw is, not
            # failed (nothing would fix it but the holder ending, and the throw was right)
            data["not_started"] = [
                {"process": process, "business_key": business_key, "held_by": holder}
                for process, holder in sorted(delivery.held.items())
            ]
        audit(session, SYSTEM, "signal_thrown", instance_id=instance.id, bpmn_id=signal.bpmn_id, data=data)
