"""Camunda's mail task: ``<serviceTask camunda:type="mail">`` (or a ``sendTask``), whose
``camunda:field`` children name ``to`` (a comma-separated list), ``from``, ``subject``,
``text``, ``html``, ``cc``, ``bcc`` and ``charset``, each with its value as a
``<camunda:string>`` or ``stringValue`` (the text itself) or a ``<camunda:expression>`` or
``expression`` (JUEL's composite text: ``Hello ${recipientName}``).

At deploy (part of engine.bpmn.normalise, so deploy and every later parse agree) a mail send
task becomes a service task with the same id, and each field is read: a text as it is, an
expression translated (engine.bpmn.juel ``translate_template``) and compiled in the sandbox;
the Python of every field is kept on the element for the parser. What cannot be run is
refused naming the element and the field: a field Camunda's mail task does not read, a value
outside the JUEL subset, a literal address that is not one, no ``to``, no ``subject``, neither
``text`` nor ``html``; and a ``to`` or ``bcc`` naming a confidential form field (a petitioner's
address) beside any other recipient: whoever gets a mail reads its To and Cc, so a confidential
address is a mail's only recipient (engine.bpmn.reader_checks refuses one in its ``cc`` or its
text). A recipient read from a form field that is not required is a warning: left empty, that
recipient is left out (the ``to``: the mail is not sent, and the case goes on).

At run time :class:`MailTask` renders the fields with the task's data in the sandbox (a
variable an address field reads that the case does not have, an optional field left out, is
empty), checks the result (engine.bpmn.mail_rendering), notes which variables hold each
recipient (what splits a confidential recipient's message from the others'), puts it in the
runtime's outbox and completes at once, as Camunda's synchronous mail task does; the use case
saving the case queues the mail in the same transaction (engine/usecases/outgoing_mails.py),
and the scheduler's outbox round sends it when SMTP is configured
(engine/notifications/process_mail.py).
"""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin

from ..errors import Problem, ScriptError
from .actions import SERVICE_SCRIPT
from .camunda import BPMN_NS, CAMUNDA_NS, NSMAP, camunda_value, read_task_meta
from .juel import Unsupported, translate_template
from .mail_rendering import (
    ADDRESS_FIELDS,
    MAIL_FIELDS,
    MailOutbox,
    address_problem,
    as_text,
    charset_problem,
    render,
    sources_of,
)
from .sandbox import compile_expression
from .waiting_tasks import ServiceTaskParser

FIELDS = "{urn:congressflow:mail}fields"  # on a mail task: {field name: its Python}, as JSON
_REQUIRED = ("to", "subject")
_SHOWN = 80  # characters of a field's value quoted in a refusal


def is_mail_task(node: etree._Element) -> bool:
    return bool(camunda_value(node, "type") == "mail")


def mail_tasks_as_service_tasks(
    root: etree._Element, file: str, warnings: dict[str, list[Problem]] | None = None
) -> list[Problem]:
    """Make every mail send task a service task and read every mail task's fields (see the
    module's doc); what cannot be run, as problems; what the designer should know, added to
    ``warnings`` (by process id)."""
    problems: list[Problem] = []
    for task in root.xpath(".//bpmn:sendTask | .//bpmn:serviceTask", namespaces=NSMAP):
        if not is_mail_task(task):
            continue
        task.tag = f"{{{BPMN_NS}}}serviceTask"
        fields, found = _read_fields(task, file)
        problems += found
        task.set(FIELDS, json.dumps(fields, ensure_ascii=False))
    for process in root.xpath(".//bpmn:process", namespaces=NSMAP):
        found, warned = _recipient_problems(process, file)
        problems += found
        if warned and warnings is not None:
            warnings.setdefault(process.get("id") or "", []).extend(warned)
    return problems


def variables_in(python: str) -> set[str]:
    """The variables a field's Python reads (not the functions it calls: ``str``)."""
    tree = ast.parse(python, mode="eval")
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in called}


def _written_addresses(python: str) -> bool:
    """Whether a field's Python holds text naming an address."""
    return any(
        isinstance(node, ast.Constant) and isinstance(node.value, str) and "@" in node.value
        for node in ast.walk(ast.parse(python, mode="eval"))
    )


def _same(python: str, secret: set[str]) -> bool:
    """Whether a field sends only to those confidential fields' addresses (the same recipient)."""
    read = variables_in(python)
    return bool(read) and read <= secret and not _written_addresses(python)


def _recipient_problems(process: etree._Element, file: str) -> tuple[list[Problem], list[Problem]]:
    """The mail tasks of ``process`` sending to a confidential field's address beside another
    recipient (problems), or to a form field that is not required (warnings)."""
    form_fields = [f for meta in read_task_meta(process).values() for f in meta.form.fields]
    confidential = {f.id for f in form_fields if f.confidential}
    optional = {f.id for f in form_fields} - {f.id for f in form_fields if f.required}
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for task in process.iter():
        fields = mail_fields(task) if isinstance(task.tag, str) else None
        if not fields:
            continue

        def at(message: str, node: etree._Element = task) -> Problem:
            return Problem(message, file, node.sourceline, node.get("id"))

        present = [name for name in ADDRESS_FIELDS if name in fields]
        for name in present:
            read = variables_in(fields[name])
            problems += [at(message) for message in _beside_others(name, fields, present, read & confidential)]
            for variable in sorted(read & optional):
                no_to = "; with no 'to' left, it is not sent (the case goes on, and its page says why)"
                warnings.append(
                    at(
                        f"mail field {name!r} reads {variable!r}, a form field that is not required: left empty, "
                        f"the mail goes without that recipient{no_to if name == 'to' else ''}"
                    )
                )
    return problems, warnings


def _beside_others(name: str, fields: dict[str, str], present: list[str], secret: set[str]) -> list[str]:
    """Why a ``to`` or ``bcc`` naming a confidential field (``secret``) is refused: another
    recipient beside it ([] when none). A ``cc`` naming one is refused by reader_checks."""
    if not secret or name == "cc":
        return []
    others = [f"the field {other!r}" for other in present if other != name and not _same(fields[other], secret)]
    beside = sorted(variables_in(fields[name]) - secret)
    others += [f"{variable!r} in the same field" for variable in beside]
    if _written_addresses(fields[name]):
        others.append("an address written in the same field")
    if not others:
        return []
    return [
        f"mail field {name!r} sends to {sorted(secret)[0]!r}, a confidential form field, together with "
        f"{', '.join(others)}: whoever gets a mail reads its recipients; send the confidential address "
        f"a mail of its own (a mail task whose only recipient it is)"
    ]


def mail_fields(node: etree._Element) -> dict[str, str] | None:
    """The Python of each field of a mail task read at deploy, by name; None: not a mail task."""
    fields = node.get(FIELDS)
    return None if fields is None else dict(json.loads(fields))


def _read_fields(task: etree._Element, file: str) -> tuple[dict[str, str], list[Problem]]:
    """Each field's Python (a text as its literal), and what is wrong with them."""
    fields: dict[str, str] = {}
    problems: list[Problem] = []
    named: set[str] = set()

    def refuse(node: etree._Element, message: str) -> None:
        problems.append(Problem(message, file, node.sourceline, task.get("id")))

    for field in task.xpath("./bpmn:extensionElements/camunda:field", namespaces=NSMAP):
        name = (field.get("name") or "").strip()
        if name not in MAIL_FIELDS:
            refuse(field, f"mail field {name!r} is not one a mail task reads ({', '.join(MAIL_FIELDS)})")
            continue
        if name in named:
            refuse(field, f"mail field {name!r} is given twice")
            continue
        named.add(name)
        values = _values(field)
        if len(values) != 1:
            refuse(
                field,
                f"mail field {name!r}: give it one value (a camunda:string or stringValue, "
                "a camunda:expression or expression)",
            )
            continue
        is_expression, text = values[0]
        python, why = _expression(name, text) if is_expression else _literal(name, text.strip())
        if why:
            refuse(field, why)
        else:
            fields[name] = python
    for name in _REQUIRED:
        if name not in named:
            refuse(task, f"a mail task needs the field {name!r}")
    if not named & {"text", "html"}:
        refuse(task, "a mail task needs the field 'text' or 'html'")
    return fields, problems


def _values(field: etree._Element) -> list[tuple[bool, str]]:
    """The values a field gives: (is an expression, its text)."""
    values = [(False, field.get("stringValue")), (True, field.get("expression"))]
    for child in field:
        if isinstance(child.tag, str) and etree.QName(child).namespace == CAMUNDA_NS:
            kind = etree.QName(child).localname
            if kind in ("string", "expression"):
                values.append((kind == "expression", "".join(child.itertext())))
    return [(is_expression, text) for is_expression, text in values if text is not None]


def _literal(name: str, text: str) -> tuple[str, str]:
    """A text field's Python, or why its text cannot be a mail's (checked now: it never changes)."""
    if name in ADDRESS_FIELDS or name == "from":
        entries = [entry.strip() for entry in text.split(",") if entry.strip()]
        for entry in entries:
            why = address_problem(entry)
            if why:
                return "", f"mail field {name!r}: {why}"
        if name == "from" and len(entries) > 1:
            return "", "mail field 'from': a mail has one sender"
    if name == "to" and not text:
        return "", "mail field 'to' names no address"
    if name == "charset" and text:
        why = charset_problem(text)
        if why:
            return "", f"mail field 'charset': {why}"
    return repr(text), ""


def _expression(name: str, text: str) -> tuple[str, str]:
    """An expression field's Python (its JUEL translated), or why it is not run."""
    shown = " ".join(text.split())
    shown = shown if len(shown) <= _SHOWN else shown[:_SHOWN] + "…"
    try:
        python = translate_template(text)
        compile_expression(python)
    except Unsupported as exc:
        return "", f"mail field {name!r} {shown!r}: not in the supported JUEL subset: {exc}"
    except ScriptError as exc:
        return "", f"mail field {name!r} {shown!r}: {exc}"
    return python, ""


class MailTask(BpmnSpecMixin):
    """Renders its fields (``fields``: the Python of each, by name) with the task's data,
    hands the mail to the runtime's outbox and completes."""

    def __init__(self, wf_spec: Any, bpmn_id: str, fields: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.fields = dict(fields or {})

    def _run_hook(self, my_task: Any) -> bool:
        engine = my_task.workflow.script_engine
        outbox = getattr(engine, "mail_outbox", None)
        if not isinstance(outbox, MailOutbox):
            raise ScriptError(f"{self.bpmn_id}: this script engine keeps no outbox for mail")
        data = my_task.data
        values = {
            name: _address(engine, my_task, python) if name in ADDRESS_FIELDS else engine.evaluate(my_task, python)
            for name, python in self.fields.items()
        }
        to = variables_in(self.fields.get("to", "''"))
        left_empty = tuple(sorted(v for v in to if not as_text(data.get(v)).strip()))
        mail = render(str(my_task.id), self.bpmn_id, values, left_empty)
        mail = replace(mail, sources=sources_of((*mail.to, *mail.cc, *mail.bcc), data))
        outbox.put(my_task.workflow.top_workflow, mail)  # a task in a subprocess: the case's
        return True


def _address(engine: Any, my_task: Any, python: str) -> Any:
    """An address field's value: a variable it reads that the case does not have (an optional
    form field left out) is no address, that recipient left out."""
    missing: dict[str, Any] = {}
    while True:
        try:
            return engine.evaluate(my_task, python, missing or None)
        except Exception as exc:
            name = _undefined(exc)
            if name is None or name in missing or name not in variables_in(python):
                raise
            missing[name] = None


def _undefined(exc: BaseException) -> str | None:
    """The variable an expression's NameError names, however SpiffWorkflow wrapped it."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, NameError):
            return cause.name
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


class MailOrServiceTaskParser(ServiceTaskParser):
    """A service task as engine.bpmn.waiting_tasks reads it, or a mail task."""

    def create_task(self) -> Any:
        fields = self.node.get(FIELDS)
        if fields is not None and self.node.get(SERVICE_SCRIPT) is None:
            return MailTask(self.spec, self.bpmn_id, fields=json.loads(fields), **self.bpmn_attributes)
        return super().create_task()


class MailTaskConverter(BpmnTaskSpecConverter):
    def to_dict(self, spec: MailTask) -> dict[str, Any]:
        dct: dict[str, Any] = super().to_dict(spec)
        dct["fields"] = dict(spec.fields)
        return dct


MAIL_CONVERTERS = {MailTask: MailTaskConverter}
