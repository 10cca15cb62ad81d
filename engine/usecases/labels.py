"""What the pages call a process's form fields and elements (its labels and names), the
units and the roles, for showing case data, history and who holds a task."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import Role

from ..bpmn.forms import FormSpec
from ..bpmn.parsing import ParsedProcess
from .option_lists import LOADERS
from .results import HistoryEntry

# Role code → its name: a role is also a group a task can be offered to, and what a
# spreadsheet's roles cell and a notice call it (web/roles.py names the same roles in the
# reader's language; a test keeps the Chinese equal).
ROLE_NAMES: dict[str, str] = {
    Role.DEPUTY: "人大代表",
    Role.OFFICER: "办理人员",
    Role.OFFICE_HEAD: "人大办主任",
    Role.PETITION_OFFICER: "信访专员",
    Role.SUPERVISOR: "督查",
    Role.CHAIR: "主席/副主席",
    Role.DESIGNER: "流程设计",
    Role.ADMIN: "管理员",
    Role.MONITOR: "监控",
}


def element_names(process: ParsedProcess) -> dict[str, str]:
    """Element id → its name, of the elements inside subprocesses too (a boundary timer, a
    multi-instance that fills a collection: the table it fills is titled by its name)."""
    names = {
        s.bpmn_id: s.bpmn_name or s.bpmn_id
        for spec in (process.spec, *process.subprocess_specs.values())
        for s in spec.task_specs.values()
        if getattr(s, "bpmn_id", None)
    }
    names.update({m.bpmn_id: m.name for m in process.tasks.values()})
    return names


def field_labels(process: ParsedProcess) -> dict[str, str]:
    """Variable name → the label its form field carries (the first form that names it)."""
    labels: dict[str, str] = {}
    for meta in process.tasks.values():
        for f in meta.form.fields:
            labels.setdefault(f.id, f.label)
    return labels


def in_form_order(entries: Iterable[HistoryEntry], process: ParsedProcess) -> list[HistoryEntry]:
    """Each form's entry (a start, a completion) with its values in the order its form lists
    its fields, as the form asked them: they are stored by name (sorted), which reads
    "基本满意票, 满意票, 不满意票". What the form does not list (a field since dropped) follows,
    as stored."""
    orders = {bpmn_id: [f.id for f in meta.form.fields] for bpmn_id, meta in process.tasks.items()}
    ordered = []
    for entry in entries:
        order = orders.get(entry.bpmn_id or "")
        if entry.data and order and entry.action in ("start", "complete"):
            entry = replace(entry, data=_in_order(entry.data, order))
        ordered.append(entry)
    return ordered


def _in_order(data: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
    listed = {name: data[name] for name in order if name in data}
    return {**listed, **{name: value for name, value in data.items() if name not in listed}}


def form_answers(form: FormSpec, data: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """What a completed task's form answered (``data``: its values), in form order: (field id,
    label, the value as the form shows it: an option by its name, a list joined); read-only
    fields and empty answers left out. Told to whoever made the request it decided
    (persist.tell_who_asked), said on the 督办 a deadline timer raised when its path's task is done
    (supervision.views)."""
    shown = []
    for f in form.fields:
        value = data.get(f.id)
        if f.readonly or value is None or value == "" or value == []:
            continue
        names = {o.id: o.name for o in f.options}
        if isinstance(value, list):
            value = "、".join(str(names.get(str(v), v)) for v in value)
        elif isinstance(value, str):
            value = names.get(value, value)
        shown.append((f.id, f.label, value))
    return shown


def department_names(session: Session) -> dict[str, str]:
    """Unit (department) code → name, for showing who holds a task."""
    return repo.department_choices(session)


def value_labels(session: Session, process: ParsedProcess) -> dict[str, dict[str, str]]:
    """Form field → {stored value: what the form called it}: an enum's options by their names
    (``suggestion`` → 建议), a unit or a deputy chosen from a run-time list by their names.
    Pages show a case's data with these instead of the codes it is stored as."""
    lists: dict[str, dict[str, str]] = {}
    found: dict[str, dict[str, str]] = {}
    for meta in process.tasks.values():
        for f in meta.form.fields:
            source = f.options_source or f.multiple_source
            if source:
                if source not in lists:
                    loader = LOADERS.get(source)
                    lists[source] = loader(session) if loader else {}
                found.setdefault(f.id, {}).update(lists[source])
    for name, options in option_labels(process).items():
        found.setdefault(name, {}).update(options)
    return found


def routing_choices(process: ParsedProcess) -> frozenset[str]:
    """The fields that only choose which of their form's fields are asked: each of the
    choice's options opens fields of its own (their ``visible_when``), as 办理操作 (提交书面答复 /
    申请延期答复) does. What was chosen is said by the fields it opened; the choice itself is
    how the process goes on, no fact of the case."""
    found = set()
    for meta in process.tasks.values():
        opened: dict[str, set[str]] = {}
        for f in meta.form.fields:
            rule = f.visible_when
            if rule is not None and not rule.negated:
                opened.setdefault(rule.controller, set()).update(rule.values)
        for f in meta.form.fields:
            listed = {o.id for o in f.options} if f.options and not (f.options_source or f.multiple_source) else set()
            if listed and listed <= opened.get(f.id, set()):
                found.add(f.id)
    return frozenset(found)


def option_labels(process: ParsedProcess) -> dict[str, dict[str, str]]:
    """Form field → {option: its name}, of the fields whose options the BPMN lists (an enum's,
    ``A`` → "A 已解决或基本解决"): no run-time list read."""
    found: dict[str, dict[str, str]] = {}
    for meta in process.tasks.values():
        for f in meta.form.fields:
            if f.options and not (f.options_source or f.multiple_source):
                found.setdefault(f.id, {}).update({o.id: o.name for o in f.options})
    return found


def holder_names(
    assignee: str | None,
    groups: Sequence[str],
    users: Sequence[str],
    people: Mapping[str, str],
    units: Mapping[str, str],
) -> list[str]:
    """Who holds a task, by name: its assignee, else the groups it is offered to (a unit by
    ``units``: code → name, else a role by its name) and the people (``people``: user name →
    name)."""
    if assignee:
        return [people.get(assignee, assignee)]
    return [units.get(g) or ROLE_NAMES.get(g, g) for g in groups] + [people.get(u, u) for u in users]


def named_in_history(history: Iterable[HistoryEntry]) -> list[str]:
    """The user names a case's history shows: who acted, and to whom a task was handed."""
    named = []
    for entry in history:
        named.append(entry.actor)
        if entry.action == "hand_over" and entry.data and entry.data.get("to"):
            named.append(str(entry.data["to"]))
    return named


def people_names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """User name → display name, for the people a page names (history, holders)."""
    return repo.display_names(session, usernames)
