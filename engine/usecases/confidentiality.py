"""What a person without ``confidential.read`` sees of confidential data: that it exists,
never what it is.

A form field marked ``<camunda:property id="confidential" value="true"/>`` (a petitioner's
name, phone, address, ID number) is shown masked (张** / 138****0000) wherever it is
carried: the task's data, the case variables, drafts, the data of history entries. A
comment or an attachment marked confidential (on a case of a process with confidential
fields they are by default) shows only that it is there, to everyone but its author and
those with the permission; so does the comment of a hand-over on such a case. Case titles
never carry them: deploy refuses a process whose title would come from a confidential
field (``engine.bpmn.parsing``). Who may read is the access policy's rule
(:func:`engine.access.may_read_confidential`); this module only shapes what the others see.

A case's working data (the variables its process keeps for itself under technical keys,
which no form labels, and what its history records beyond the forms' values and what people
wrote) is likewise for those who work the processes (:func:`engine.access.may_read_working_data`):
a deputy following his proposal reads its labelled facts, and each history entry with the
labelled values it carries (in full for what he entered himself), never a dump of keys.

A form field naming its readers (``<camunda:property id="readers" value="office"/>``: each
deputy's score in 部门工作评议, which the congress office tallies and the evaluated unit must not
read by name) is withheld, not masked: wherever its value is carried (the same carriers, and
the variables an external task's worker fetches) everyone but the members of those groups and
whoever entered it sees ``WITHHELD`` in its place. Who may read is
:func:`engine.access.may_read_field`; a value nobody is known to have entered (a case's
variables, a task's data) is read by the groups alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import WorkItem

from ..access import Actor, may_read_confidential, may_read_draft, may_read_field, may_read_working_data
from ..bpmn.parsing import ParsedProcess
from .context import processes
from .labels import field_labels, in_form_order
from .results import HistoryEntry

MASK = "*"
_DIGITS = re.compile(r"\d")
# A value of a ``readers`` field as those who may not read it see it: one and the same for
# every value, an empty one too, so that it tells nothing (not a score's first digit as a
# mask would, not a length, not whether a deputy left his comment empty), and text in every
# field's place, so that no client takes it for a score. Every door shows it as it is.
WITHHELD = "***"


def mask(value: Any) -> Any:
    """A value as someone who may not read it sees it: 张三丰 → 张**, 13800001111 →
    138****1111, an ID number likewise; nothing stays nothing, so that an empty field is
    still seen to be empty. A text keeps its first character and always two stars after
    it (王五 → 王**, 欧阳明远 → 欧**): how many more it has would tell of whom it speaks."""
    if value is None or value == "":
        return value
    if isinstance(value, list):
        return [mask(v) for v in value]
    text = str(value).strip()
    if len(_DIGITS.findall(text)) >= 7 and len(text) >= 7:  # a phone or an ID number
        return text[:3] + MASK * (len(text) - 7) + text[-4:]
    if len(text) <= 1:
        return MASK * 2
    return text[0] + MASK * 2


def mask_filename(filename: str) -> str:
    """张某来信.pdf → 张***.pdf: the kind of file shows, not whose it is."""
    path = PurePosixPath(filename)
    return f"{mask(path.stem)}{path.suffix}"


def masked(data: Mapping[str, Any] | None, fields: Iterable[str]) -> dict[str, Any] | None:
    """``data`` with the values of ``fields`` masked, also inside nested ``data`` dicts."""
    return _replaced(data, frozenset(fields), mask)


def _replaced(
    data: Mapping[str, Any] | None, fields: frozenset[str], say: Callable[[Any], Any]
) -> dict[str, Any] | None:
    """``data`` with the value of each of ``fields`` as ``say`` says it, also inside nested dicts."""
    if data is None:
        return None
    if not fields:
        return dict(data)
    return {
        k: say(v) if k in fields else (_replaced(v, fields, say) if isinstance(v, Mapping) else v)
        for k, v in data.items()
    }


def confidential_fields(process: ParsedProcess) -> frozenset[str]:
    """The ids of every confidential field on any form of the process."""
    return frozenset(f.id for meta in process.tasks.values() for f in meta.form.fields if f.confidential)


# Shorter texts are not looked for inside others: a one-character value (a surname alone)
# would be found in texts that merely contain that character.
_SHORTEST_SECRET = 2


def secret_text(value: Any) -> str | None:
    """A withheld value as the text to look for inside other texts (a title, what a call
    passes on); None when it is no text, or too short to tell anything by."""
    text = value.strip() if isinstance(value, str) else ""
    return text if len(text) >= _SHORTEST_SECRET else None


def _rules(process: ParsedProcess) -> dict[str, Any]:
    """Each withheld field of the process and the rule it is withheld by."""
    return dict.fromkeys(confidential_fields(process), "confidential") | dict(field_readers(process))


def carried_unprotected(
    caller: ParsedProcess, values: Mapping[str, Any], called: ParsedProcess, passed: Mapping[str, Any]
) -> list[str]:
    """The variables ``passed`` to a case of ``called`` that carry a text ``caller`` withholds
    (a confidential or a readers field's, ``values`` its case's: the text itself, or a text
    holding it, whatever it is renamed to on the way) where ``called`` does not withhold them
    by the same rule: that case would show them to whoever sees it. A number or a yes/no is
    not looked for: another value passed would equal it by chance."""
    mine, theirs = _rules(caller), _rules(called)
    secrets = [(rule, text) for name, rule in mine.items() if (text := secret_text(values.get(name)))]
    return sorted(
        target
        for target, value in passed.items()
        if isinstance(value, str) and any(theirs.get(target) != rule and text in value for rule, text in secrets)
    )


def hidden_fields(session: Session, actor: Actor, definition_id: int) -> frozenset[str]:
    """The field ids ``actor`` sees masked in cases of this definition (often none)."""
    if may_read_confidential(actor):
        return frozenset()
    return confidential_fields(processes.get_by_id(session, definition_id))


def field_readers(process: ParsedProcess) -> dict[str, frozenset[str]]:
    """Field id → the groups that read it, for every field naming its ``readers`` on any form
    of the process (deploy refuses a field naming different readers on two forms)."""
    return {f.id: f.readers for meta in process.tasks.values() for f in meta.form.fields if f.readers}


def _unreadable(readers: Mapping[str, frozenset[str]], actor: Actor, author: str | None) -> frozenset[str]:
    return frozenset(name for name, groups in readers.items() if not may_read_field(actor, groups, author))


def unreadable_fields(session: Session, actor: Actor, definition_id: int, author: str | None = None) -> frozenset[str]:
    """The field ids whose values ``actor`` sees withheld in what ``author`` entered (None:
    values nobody is known to have entered, as a case's variables): often none."""
    return _unreadable(field_readers(processes.get_by_id(session, definition_id)), actor, author)


def withheld(data: Mapping[str, Any] | None, fields: Iterable[str]) -> dict[str, Any] | None:
    """``data`` with the values of ``fields`` replaced by ``WITHHELD``, also inside nested
    ``data`` dicts; an empty value too, which would tell that the field was left empty."""
    return _replaced(data, frozenset(fields), lambda _value: WITHHELD)


def readable_data(session: Session, actor: Actor, definition_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Values of a case that nobody in particular entered (a task's data, the variables a
    worker fetches) as ``actor`` may read them: confidential ones masked, a ``readers``
    field's withheld."""
    shown = masked(data, hidden_fields(session, actor, definition_id))
    return withheld(shown, unreadable_fields(session, actor, definition_id)) or {}


def draft_for(session: Session, actor: Actor, item: WorkItem, definition_id: int) -> dict[str, Any]:
    """A task's saved draft as ``actor`` may read it: nothing but to its author (the others,
    who may see the task or even work on it, see the form as it starts: ``may_read_draft``);
    confidential values masked. A ``readers`` field's value in it is its author's, whom
    ``may_read_field`` lets read it: no more to withhold."""
    if not item.draft or not may_read_draft(actor, author=item.draft_by):
        return {}
    return masked(item.draft, hidden_fields(session, actor, definition_id)) or {}


def fillable(values: Mapping[str, Any]) -> dict[str, Any]:
    """What a form may start with of ``values``: none withheld, which submitted as it stands
    would overwrite the answer with ``WITHHELD``; such a field starts empty, as a ``fresh``
    one does, for the person to answer themselves."""
    return {k: v for k, v in values.items() if v != WITHHELD}


def notes_confidential_by_default(session: Session, definition_id: int) -> bool:
    """Comments and attachments on a case that carries confidential fields are confidential
    unless their author says otherwise: a letter or a phone call names the petitioner."""
    return bool(confidential_fields(processes.get_by_id(session, definition_id)))


def case_variables(session: Session, actor: Actor, definition_id: int, variables: Mapping[str, Any]) -> dict[str, Any]:
    """A case's variables as ``actor`` may read them: confidential values masked (unless they
    may read them), a ``readers`` field's withheld (unless they are one of its readers), and
    only those a form labels unless they may read the working data."""
    shown = readable_data(session, actor, definition_id, variables)
    if may_read_working_data(actor):
        return shown
    labels = field_labels(processes.get_by_id(session, definition_id))
    return {k: v for k, v in shown.items() if k in labels}


# What an entry of the history says beyond the forms' values, by action: the keys of its data
# a reader without the working data keeps (what the page says of it); the rest is bookkeeping.
_SAID = {
    "hand_over": ("to", "comment", "withheld"),
    "attach": ("attachment_id", "filename", "withheld"),
    "supervise": ("opinion", "respond_by", "escalated"),
    "cancel": ("reason",),
    "import": ("file", "row"),
}
_WORKER = "_worker"  # who answered an external task (the entry's other ``_`` keys are bookkeeping)


def _form_values(action: str) -> bool:
    """Whether an entry's data are a form's (or a worker's) values, by variable name."""
    return action in ("start", "complete") or action.startswith("external_task_")


def _as_outsider_reads(reader: str, entries: list[HistoryEntry], labels: Mapping[str, str]) -> list[HistoryEntry]:
    """The history as someone without the working data reads it: what they did themselves in
    full; in the others' entries the values the forms label and what people wrote, no more."""
    shown = []
    for e in entries:
        data = e.data
        if data is not None and e.actor != reader:
            if _form_values(e.action):
                data = {k: v for k, v in data.items() if k in labels or k == _WORKER}
            elif e.action in _SAID:
                data = {k: data[k] for k in _SAID[e.action] if k in data}
            else:
                data = None
        shown.append(replace(e, data=data))
    return shown


def history_for(session: Session, actor: Actor, instance_id: int, definition_id: int) -> list[HistoryEntry]:
    """``_history_for``, with the values of ``readers`` fields withheld as their authors'
    (``_withheld_in``); without the working data (a deputy), only what the forms label and
    what people wrote (``_as_outsider_reads``). A form's values are in its fields' order."""
    process = processes.get_by_id(session, definition_id)
    history = _withheld_in(_history_for(session, actor, instance_id, definition_id), actor, process)
    history = in_form_order(history, process)
    if may_read_working_data(actor):
        return history
    return _as_outsider_reads(actor.username, history, field_labels(process))


def _withheld_in(entries: list[HistoryEntry], actor: Actor, process: ParsedProcess) -> list[HistoryEntry]:
    """Each entry with the values of the ``readers`` fields ``actor`` may not read withheld:
    an entry's author (its person) entered what it carries, and reads it; whoever may read
    confidential data or the working data reads no more than anyone else. A form's entry
    shows each such field of the form withheld, submitted or not: a comment left out (a
    client of the API need not send an empty one) would tell who commented as well as its
    value would."""
    readers = field_readers(process)
    if not readers:
        return entries
    asked = {
        bpmn_id: [f.id for f in meta.form.fields if f.readers and not f.readonly]
        for bpmn_id, meta in process.tasks.items()
    }
    shown = []
    for e in entries:
        unreadable = _unreadable(readers, actor, e.actor)
        data = withheld(e.data, unreadable)
        if data is not None and e.action in ("start", "complete") and e.bpmn_id in asked:
            data.update({name: WITHHELD for name in asked[e.bpmn_id] if name in unreadable})
        shown.append(replace(e, data=data))
    return shown


def _history_for(session: Session, actor: Actor, instance_id: int, definition_id: int) -> list[HistoryEntry]:
    """The history of a case as ``actor`` may read it: the data of each entry masked like
    the case's, the name of a confidential file withheld, and on a case with confidential
    fields the comment of a hand-over too (but for whoever handed over or received) and the
    recipients of the mail its mail tasks sent. A saved draft is its author's until the task
    is submitted: its saves are in their history only (the audit log keeps every one). Each
    entry of a task names it as its work item is titled, with its round: a title says no more
    than the case's steps say to whoever may see the case."""
    entries = [
        HistoryEntry(e.at, e.actor, e.action, e.bpmn_id, e.task_id, e.data, e.task_name)
        for e in repo.history(session, instance_id)
        if e.action != "save_draft" or may_read_draft(actor, author=e.actor)
    ]
    if may_read_confidential(actor):
        return entries
    hidden = hidden_fields(session, actor, definition_id)
    notes_hidden = notes_confidential_by_default(session, definition_id)
    # only a case whose history names an attached file can withhold one
    attached = any(e.action == "attach" for e in entries)
    withheld_files = repo.files_withheld_from(session, instance_id, actor.username) if attached else set()
    history = []
    for e in entries:
        data = masked(e.data, hidden)
        if data and e.action == "attach" and data.get("attachment_id") in withheld_files:
            data = {**data, "filename": mask_filename(str(data.get("filename") or "")), "withheld": True}
        elif (
            data
            and e.action == "hand_over"
            and notes_hidden
            and data.get("comment")
            and actor.username not in (e.actor, data.get("to"))
        ):
            data = {**data, "comment": "", "withheld": True}
        elif data and e.action == "mail_queued" and hidden:
            # an address may be a confidential field's value (a petitioner's): all masked
            data = {**data, **{k: mask(data.get(k) or []) for k in ("to", "cc", "bcc")}, "withheld": True}
        history.append(replace(e, data=data))
    return history
