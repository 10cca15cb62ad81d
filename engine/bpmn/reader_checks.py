"""The deploy checks of form fields that name their readers (``<camunda:property id="readers"
value="office"/>``, ``FormField.readers``): a value only the members of those groups (and
whoever entered it) read, a deputy's score in an evaluation (``engine.access.may_read_field``).

Refused, naming the element and the field: ``readers`` naming no group (it would read as "no
rule" and show the value to everyone, the opposite of what was meant); a group given as an
expression (the rule is fixed with the process, not worked out case by case); ``readers``
beside ``confidential=true`` (one rule per field: the two would withhold it from different
people); one field naming different readers on two forms (a value is one variable of the
case, read by one rule); a field the case's title is made of (titles are shown to all); a field
shown by a ``readers`` field's value (``visible_when``) that does not name the same readers
(whether it was answered tells that value).

And a mail task (engine/bpmn/mail_tasks.py) whose subject, text, html, cc or sender carries a
confidential field's or a readers field's value: a mail goes to addresses, which the access
policy does not know, and whoever receives it reads all of it, so the rules that withhold such a
value on every page would not hold there. A confidential address may be what the mail is sent
``to`` or ``bcc`` (the petitioner's own acknowledgement); a readers field nowhere."""

from __future__ import annotations

import ast

from lxml import etree

from ..errors import Problem
from .camunda import TITLE_FIELDS, process_property, read_task_meta
from .documents import local_name, problem_at
from .forms import FormField
from .mail_tasks import mail_fields

# where a confidential value may go in a mail: the addresses it is sent to, not what they read
_CONFIDENTIAL_ADDRESSES = frozenset({"to", "bcc"})


def readers_problems(process: etree._Element, file: str) -> list[Problem]:
    problems: list[Problem] = []
    declared: dict[str, tuple[frozenset[str], str]] = {}  # field → its readers, where first named
    for meta in read_task_meta(process).values():
        node = process.xpath(".//*[@id=$id]", id=meta.bpmn_id)[0]
        problems += [problem_at(file, node, message) for message in _shown_by_problems(meta.form.fields)]
        for f in meta.form.fields:
            if "readers" not in f.properties:
                continue
            messages = _field_problems(f) + _title_problems(process, node, f)
            if f.readers and not messages:
                first = declared.setdefault(f.id, (f.readers, meta.bpmn_id))
                messages += _agreement_problems(f, *first)
            problems += [problem_at(file, node, message) for message in messages]
    return problems + _mail_problems(process, file)


def _mail_problems(process: etree._Element, file: str) -> list[Problem]:
    """Mail fields naming a variable that a form of the process withholds (see the module's doc)."""
    withheld = {
        f.id: "names its readers" if f.readers else "is confidential"
        for meta in read_task_meta(process).values()
        for f in meta.form.fields
        if f.readers or f.confidential
    }
    if not withheld:
        return []
    problems = []
    for task in process.iter():
        for name, python in (mail_fields(task) or {}).items():
            for variable in sorted(_names_in(python) & withheld.keys()):
                if withheld[variable] == "is confidential" and name in _CONFIDENTIAL_ADDRESSES:
                    continue
                problems.append(
                    problem_at(
                        file,
                        task,
                        f"mail field {name!r} carries {variable!r}, a form field that {withheld[variable]}: "
                        f"a mail is read by whoever it is sent to, which no access rule checks; leave the "
                        f"value out of the mail (a confidential address may be its 'to' or 'bcc')",
                    )
                )
    return problems


def _names_in(python: str) -> set[str]:
    """The variables a mail field's Python reads."""
    return {node.id for node in ast.walk(ast.parse(python, mode="eval")) if isinstance(node, ast.Name)}


def _field_problems(f: FormField) -> list[str]:
    if not f.readers:
        return [
            f"form field {f.id!r}: readers names no group; name the groups whose members read its value "
            f"(comma-separated codes, as candidateGroups names them: readers=office), or drop the property"
        ]
    problems = [
        f"form field {f.id!r}: readers names {group!r}, an expression; name the groups themselves "
        f"(who reads a field is fixed with the process, not worked out case by case)"
        for group in sorted(f.readers)
        if group.startswith(("${", "#{"))
    ]
    if f.confidential:
        problems.append(
            f"form field {f.id!r} is confidential and names its readers: one rule per field; "
            f"drop confidential (masked for whoever lacks confidential.read) or readers "
            f"(withheld from all but the groups named and whoever entered it)"
        )
    return problems


def _title_problems(process: etree._Element, node: etree._Element, f: FormField) -> list[str]:
    """A case's title is shown in every list, search and notification."""
    if local_name(node.tag) != "startEvent" or node.getparent() is not process:
        return []
    named = {name.strip() for name in process_property(process, "title_fields").split(",") if name.strip()}
    if f.id not in named | set(TITLE_FIELDS):
        return []
    return [
        f"form field {f.id!r} names its readers, but a case takes its title from it, and titles "
        f"are shown to all: rename the field or drop readers"
    ]


def _agreement_problems(f: FormField, readers: frozenset[str], first_at: str) -> list[str]:
    if f.readers == readers:
        return []
    return [
        f"form field {f.id!r}: readers names {', '.join(sorted(f.readers))} here, but "
        f"{', '.join(sorted(readers))} on {first_at!r}: the field is one value of the case, read by one rule"
    ]


def _shown_by_problems(fields: tuple[FormField, ...]) -> list[str]:
    """A field shown only for some values of a ``readers`` field (``visible_when``) tells
    those values to whoever reads that it was answered: it names the same readers."""
    readers = {f.id: f.readers for f in fields if f.readers}
    problems = []
    for f in fields:
        shown = f.visible_when
        if shown is None or shown.controller not in readers or f.readers == readers[shown.controller]:
            continue
        problems.append(
            f"form field {f.id!r} is shown by the value of {shown.controller!r}, which names its readers "
            f"({', '.join(sorted(readers[shown.controller]))}): whether it is answered tells that value, "
            f"so it names the same readers"
        )
    return problems
