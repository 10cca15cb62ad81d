"""The checks of a process's tasks and expressions: every condition, cardinality, timer and
script compiles in the sandbox, user tasks have forms that can be shown and someone who may
hold them, and the old date helpers are named with the ones to use instead."""

from __future__ import annotations

import ast
import re
from difflib import get_close_matches
from functools import cache
from typing import Any

from lxml import etree

from ..deadlines import settings
from ..deadlines.date_functions import LEGACY, helper_names
from ..errors import Problem, ScriptError
from .camunda import (
    CAMUNDA_NS,
    NSMAP,
    TITLE_FIELDS,
    TaskMeta,
    expression_body,
    is_expression,
    process_property,
    read_task_meta,
)
from .cron_timers import cron_literal
from .documents import local_name, problem_at
from .forms import (
    FIELD_TYPES,
    OPTION_SOURCES,
    FormField,
    constraint_problems,
    default_problems,
    exclusion_problems,
    form_problems,
)
from .normalise import entry_python, iso_literal
from .sandbox import builtin_names, compile_expression, compile_script
from .visibility import visibility_problems

_ISO_KINDS = {"timeDuration": "duration", "timeDate": "date and time", "timeCycle": "repeating interval (R…)"}
# What a designer meant as an ISO 8601 literal, whether or not it reads as one: a duration
# (P and a digit, or PT and a digit, then letters and digits: "P10X" is a mistyped P10D, not
# a variable), a date, or either after a repetition (R3/). Any other text is an expression.
_UNQUOTED_ISO = re.compile(r"^(R\d*/)?(P(?=\d|T(?:\d|$))[0-9A-Za-z.,]*|\d{4}-\d{1,2}-\d{1,2}[0-9A-Za-z:.+\-]*)(/\S*)?$")


def _check(source: str, compile_fn: Any, file: str, node: etree._Element, what: str) -> list[Problem]:
    text = (source or "").strip()
    if not text:
        return [problem_at(file, node, f"empty {what}")]
    if text.startswith("${") or text.startswith("#{"):
        if what != "script":
            return []  # engine.bpmn.normalise translated it, or refused it and said why
        return [problem_at(file, node, f"{what} {text!r} is JUEL; write it as a Python expression")]
    try:
        compile_fn(text)
    except ScriptError as exc:
        return [problem_at(file, node, f"{what}: {exc}")]
    called = _called_names(text)
    return [
        problem_at(
            file,
            node,
            f"{what} calls {old}(), the old date arithmetic (the start's time of day, no holiday rule): "
            f"use {LEGACY[old]}(), counted as the law counts (start day not counted, ends at 24:00 of the "
            f"last day, a holiday moves it to the next working day; bpmn/README.md)",
        )
        for old in sorted(called & LEGACY.keys())
    ] + [problem_at(file, node, _unknown_function(what, name)) for name in sorted(called - _callable(text))]


@cache
def _known_functions() -> frozenset[str]:
    return helper_names() | builtin_names()


def _callable(source: str) -> frozenset[str]:
    """What ``source`` may call: the date helpers, the sandbox's builtins and the names the
    source binds itself (a function it defines, a lambda it assigns)."""
    return _known_functions() | _bound_names(source)


def _unknown_function(what: str, name: str) -> str:
    """A call no script will find: at run time every case reaching it would stop there."""
    near = get_close_matches(name, sorted(helper_names()), n=1, cutoff=0.75)
    hint = f"; did you mean {near[0]}()?" if near else ""
    return f"{what} calls {name}(), which is no function a process can call (the date helpers: bpmn/README.md){hint}"


def _tree(source: str) -> ast.AST:
    """A (compilable) script's or expression's syntax tree."""
    try:
        return ast.parse(source)
    except SyntaxError:
        return ast.parse(source, mode="eval")


def _called_names(source: str) -> set[str]:
    """The names a (compilable) expression or script calls."""
    return {n.func.id for n in ast.walk(_tree(source)) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def _bound_names(source: str) -> frozenset[str]:
    """The names a script binds: assigned, defined, a loop's or a lambda's arguments."""
    found = set()
    for node in ast.walk(_tree(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
    return frozenset(found)


def expression_problems(process: etree._Element, file: str) -> list[Problem]:
    problems = []
    for cond in process.xpath(".//bpmn:conditionExpression | .//bpmn:completionCondition", namespaces=NSMAP):
        problems += _check(cond.text, compile_expression, file, cond.getparent(), "condition")
    for card in process.xpath(".//bpmn:loopCardinality", namespaces=NSMAP):
        problems += _check(card.text, compile_expression, file, card.getparent().getparent(), "loopCardinality")
    for timer in process.xpath(".//bpmn:timeDate | .//bpmn:timeDuration | .//bpmn:timeCycle", namespaces=NSMAP):
        owner = timer.getparent().getparent()
        text = (timer.text or "").strip()
        kind = local_name(timer.tag)
        # literals SpiffWorkflow reads were quoted by normalise; what is left only looks like one
        if _UNQUOTED_ISO.match(text) and not iso_literal(kind, text):
            problems.append(problem_at(file, owner, _not_iso(kind, text)))
            continue
        literal = _quoted_literal(text)
        if literal is not None and not iso_literal(kind, literal) and not (kind == "timeCycle" and cron_literal(text)):
            # a text in quotes is the value itself: it is read when a case reaches the timer
            problems.append(problem_at(file, owner, _not_iso(kind, literal)))
            continue
        problems += _check(text, compile_expression, file, owner, "timer expression")
    for script in process.xpath(".//bpmn:scriptTask/bpmn:script", namespaces=NSMAP):
        problems += _check(script.text, compile_script, file, script.getparent(), "script")
    return problems


def _not_iso(kind: str, text: str) -> str:
    return f"timer {kind} {text!r} is not an ISO 8601 {_ISO_KINDS[kind]} this engine reads, nor an expression"


def _quoted_literal(text: str) -> str | None:
    """The text a timer expression is when it is one text in quotes (as normalise quotes the
    literals it reads, or as a designer wrote it), else None."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    body = tree.body
    return body.value if isinstance(body, ast.Constant) and isinstance(body.value, str) else None


def task_problems(process: etree._Element, file: str) -> list[Problem]:
    metas = read_task_meta(process)
    problems = holder_problems(process, metas, file)
    user_tasks = {node.get("id") for node in process.xpath(".//bpmn:userTask", namespaces=NSMAP)}
    for meta in metas.values():
        node = process.xpath(f".//*[@id='{meta.bpmn_id}']")[0]
        entries = [*meta.candidate_groups, *meta.candidate_users, meta.assignee or "", meta.due_date or ""]
        for entry in filter(None, entries):
            if is_expression(entry) and not entry_python(entry)[1]:  # a refused one: normalise says why
                problems += _check(expression_body(entry), compile_expression, file, node, f"expression {entry!r}")
        problems += [problem_at(file, node, message) for message in visibility_problems(meta.form.fields)]
        start_form = local_name(node.tag) == "startEvent"
        problems += [problem_at(file, node, message) for message in _tell_problems(meta, user_tasks, start_form)]
        problems += [
            problem_at(file, node, f"help names {{setting:{name}}}, which is not a deadline setting (期限设置)")
            for name in settings.unknown_in_text(meta.help)
        ]
        problems += [problem_at(file, node, message) for message in form_problems(meta.form, start_form)]
        problems += [problem_at(file, node, message) for message in _untyped_field_problems(node)]
        seen = set()
        for f in meta.form.fields:
            if not f.id.isidentifier():
                problems.append(problem_at(file, node, f"form field id {f.id!r} is not an identifier"))
            if f.id in seen:
                problems.append(problem_at(file, node, f"form field {f.id!r} declared twice"))
            seen.add(f.id)
            if f.type not in FIELD_TYPES and f.type.strip():  # none at all: _untyped_field_problems
                problems.append(
                    problem_at(
                        file,
                        node,
                        f"form field {f.id!r} has unsupported type {f.type!r} (use one of {', '.join(FIELD_TYPES)})",
                    )
                )
            messages = constraint_problems(f) + default_problems(f) + exclusion_problems(f)
            problems += [problem_at(file, node, message) for message in messages]
            for name, expression in f.bound_expressions.items():
                if local_name(node.tag) == "startEvent":
                    problems.append(
                        problem_at(
                            file,
                            node,
                            f"form field {f.id!r}: constraint {name!r} is an expression, which only a user "
                            f"task's form can evaluate (against the case's data); give a number",
                        )
                    )
                else:
                    problems += _check(expression, compile_expression, file, node, f"{name} of form field {f.id!r}")
            if f.type == "enum" and not f.options and not f.options_source:
                problems.append(problem_at(file, node, f"enum field {f.id!r} has no values"))
            for source in filter(None, (f.options_source, f.multiple_source)):
                if source not in OPTION_SOURCES:
                    problems.append(
                        problem_at(
                            file,
                            node,
                            f"form field {f.id!r} takes its values from {source!r}, "
                            f"which is not one of {', '.join(OPTION_SOURCES)}",
                        )
                    )
            problems += [problem_at(file, node, message) for message in _own_for_problems(process, f, start_form)]
            if f.confidential and f.id in TITLE_FIELDS and local_name(node.tag) == "startEvent":
                problems.append(
                    problem_at(
                        file,
                        node,
                        f"form field {f.id!r} is confidential, but a case takes its "
                        f"title from it, and titles are shown in every list, search "
                        f"and notification: rename the field or drop 'confidential'",
                    )
                )
    return problems


def _untyped_field_problems(node: etree._Element) -> list[str]:
    """A form field without a ``type`` (or an empty one): the form reads it as text, but a
    designer who left it out, or whose type went missing, meant something (a number, a date, a
    choice) and would find the form taking any text. Camunda 7 refuses it at deploy too ("form
    field must have a 'type' attribute"); the modeler adds a field with no type chosen."""
    fields = node.xpath("./bpmn:extensionElements/camunda:formData/camunda:formField", namespaces=NSMAP)
    return [
        f"form field {xml_field.get('id') or ''!r} has no type (give one of {', '.join(FIELD_TYPES)})"
        for xml_field in fields
        if not (xml_field.get("type") or "").strip()
    ]


def _tell_problems(meta: TaskMeta, user_tasks: set[str | None], start_form: bool) -> list[str]:
    """``tell`` and ``answers`` name user tasks of this process, other than itself, whose
    holders (``tell``) or last submitter (``answers``) hear of it."""
    problems = []
    for prop, named in (("tell", meta.tell), ("answers", meta.answers)):
        if named and start_form:
            problems.append(f"the {prop!r} property belongs to a user task (a start event has no one to tell yet)")
            continue
        problems += [
            f"{prop!r} names {name!r}, which is not another user task of this process"
            for name in named
            if name not in user_tasks or name == meta.bpmn_id
        ]
    return problems


def _own_for_problems(process: etree._Element, f: FormField, start_form: bool) -> list[str]:
    """``own_for`` (the field holds its starter, a member of that group starting as one) means
    something only on a start form, naming one of the groups that may start the process."""
    group = f.properties.get("own_for")
    if not group:
        return []
    if not start_form:
        return [f"form field {f.id!r}: own_for applies to a start form's fields only"]
    starters = (process.get(f"{{{CAMUNDA_NS}}}candidateStarterGroups") or "").split(",")
    if group not in {g.strip() for g in starters}:
        return [
            f"form field {f.id!r}: own_for names {group!r}, which is not one of the process's "
            f"candidateStarterGroups: no starter would ever file in their own name"
        ]
    return []


def holder_problems(process: etree._Element, metas: dict[str, TaskMeta], file: str) -> list[Problem]:
    """A user task that names nobody would be offered to no one: not even an administrator
    could take it, and the case would wait for ever. Refused, unless the process names the
    group that holds such tasks (``default_group``)."""
    if process_property(process, "default_group"):
        return []
    problems = []
    for node in process.xpath(".//bpmn:userTask", namespaces=NSMAP):
        meta = metas.get(node.get("id") or "")
        if meta is None or meta.assignee or meta.candidate_groups or meta.candidate_users or meta.lane:
            continue
        problems.append(
            problem_at(
                file,
                node,
                f"user task {meta.name!r} names nobody who may do it (no assignee, candidate users or groups, "
                f"and no lane): nobody could ever hold it; add camunda:candidateGroups, or name the "
                f"process's default group (camunda:property default_group)",
            )
        )
    return problems
