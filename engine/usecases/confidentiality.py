"""What a person without ``confidential.read`` sees of confidential data: that it exists,
never what it is.

A form field marked ``<camunda:property id="confidential" value="true"/>`` (a petitioner's
name, phone, address, ID number) is shown as ``MASK`` wherever it is carried: the task's
data, the case variables, drafts, the data of history entries. The mask is the same for
every field and every value, so that it tells nothing of it (see ``MASK``). What people
wrote besides (a letter's content, a note, an opinion, a cancel reason, a hand-over's note,
a comment left open) often repeats those values, the petitioner's name on a letter's first
line: to the same readers every text of the case is shown with each confidential value of
the case it holds replaced by ``MASK`` (``Secrets``: found also when typed with spaces,
hyphens or dots between its characters, with invisible characters anywhere in it, in
full-width or other compatibility forms), wherever it is read, here, for every door. A
comment or an attachment marked confidential (on a case of a process with confidential
fields they are by default) shows only that it is there, to everyone but its author and
those with the permission; so does the comment of a hand-over on such a case, but for its
recipient, who reads it with the values masked. Case titles never carry them: deploy
refuses a process whose title would come from a confidential field
(``engine.bpmn.parsing``), and a start whose title repeats a value of one
(``engine.usecases.cases``, by ``Secrets``). Who may read is the access policy's rule
(:func:`engine.access.may_read_confidential`); this module only shapes what the others see.
A value confidential in a case stays so in the case a call activity passes it to, whatever
the called process's forms say (``case_confidential``): the called case's variables that
received it, under the same or a mapped name, are confidential fields of that case.

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
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import AuditEntry, ProcessInstance, WorkItem

from ..access import Actor, may_read_confidential, may_read_draft, may_read_field, may_read_working_data
from ..bpmn.parsing import ParsedProcess
from ..bpmn.waiting_tasks import CaseCall, carried_names
from .case_migration_results import history_as_named_then
from .context import FROM_LEDGER, processes
from .labels import field_labels, in_form_order, routing_choices
from .results import HistoryEntry, LedgerRow
from .visibility import WHOLE, RoundScope, WorkingFields, round_scope

# A confidential value as whoever may not read it sees it: one and the same for every field
# and every value (a name, a phone, an address, an ID number alike), so that it tells nothing
# of it: not a surname, not a phone's or an ID number's last digits, not a room number, not a
# length, not whether it looks like a phone. The handling unit of a petition is often the
# unit it complains of, to which 信访工作条例 forbids passing the petitioner's particulars;
# the product cannot know which unit that is, so none reads any of them. Not ``WITHHELD``,
# which the pages say as a ``readers`` field's (only its readers and its author read it).
MASK = "******"
# A ``readers`` field's value as those who may not read it see it: one and the same for
# every value, an empty one too, so that it tells nothing (not whether a deputy left his
# comment empty), and text in every field's place, so that no client takes it for a score.
# Every door shows it as it is.
WITHHELD = "***"


def mask(value: Any) -> Any:
    """A value as someone who may not read it sees it: ``MASK``, whatever the field and the
    value (张三丰, 13800001111, an address with a room number alike); a list as one ``MASK``
    (how many it holds would tell of it too); nothing stays nothing, so that an empty field
    is still seen to be empty."""
    if value is None or value == "" or value == []:
        return value
    if isinstance(value, list):
        return [MASK]
    return MASK


def mask_filename(filename: str) -> str:
    """张某来信.pdf → ``MASK``.pdf: the kind of file shows, not whose it is."""
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


# What may stand between the characters of a value typed into a text and still be that value:
# spaces (a full-width one too), hyphens and dashes, dots and middle dots ("138-1234-5678",
# "138 1234 5678", "陈　小红", "买买提·艾力"). At most three at a place ("138 - 1234"), so that a
# value is not found spread over a text's lines. Not a comma or a full stop: "王。五月" is no 王五.
_SEPARATORS = "\\s.\u00b7\u2022\u2027\u30fb\uff0e\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_SEPARATOR = re.compile(f"[{_SEPARATORS}]")


def _class_of(found: Iterable[int]) -> str:
    """Code points (ascending) as the inside of a pattern's character class, in ranges."""
    ranges: list[tuple[int, int]] = []
    for c in found:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


@lru_cache(maxsize=1)
def _invisible() -> str:
    """The invisible characters (Unicode's format characters, category Cf: the soft hyphen,
    the zero-width space and joiners, the direction marks, the word joiner, the byte order
    mark...) as the inside of a pattern's character class. A text pasted from a chat or a web
    page often carries them between a name's characters, which on screen read as the name:
    wherever they stand, in any number, they are not there for finding a value (and no
    separator of the three a place allows)."""
    return _unicode_classes()[0]


@lru_cache(maxsize=1)
def _marks() -> str:
    """The combining marks that sit on the character before them (a canonical combining class
    but 0: the acute of "e\u0301", é typed decomposed, as a Mac or a web form may send it), as
    the inside of a character class. One after a value's last character makes it another letter
    (Jose\u0301 is José, not Jose): no value ends there, else the mask would leave the mark
    to sit on it. A variation selector (class 0: a Han character's variant glyph) is no such mark."""
    return _unicode_classes()[1]


@lru_cache(maxsize=1)
def _unicode_classes() -> tuple[str, str]:
    """(``_invisible``, ``_marks``) found in one pass over every code point: each pass takes a
    good part of a second, paid by the first request that masks a text."""
    invisible, marks = [], []
    for c in range(sys.maxunicode + 1):
        character = chr(c)
        if unicodedata.category(character) == "Cf":
            invisible.append(c)
        if unicodedata.combining(character):
            marks.append(c)
    return _class_of(invisible), _class_of(marks)


@lru_cache(maxsize=1)
def _invisibles() -> re.Pattern[str]:
    return re.compile(f"[{_invisible()}]+")


@lru_cache(maxsize=1)
def _gap() -> str:
    """What may stand between two characters of a value: up to three separators, and any
    number of invisible characters before, between and after them."""
    hidden = f"[{_invisible()}]*"
    return f"(?:{hidden}[{_SEPARATORS}]){{0,3}}{hidden}"


@lru_cache(maxsize=1)
def _alike() -> dict[str, str]:
    """Each character → the other characters that are it once normalized (NFKC): a digit's
    full-width, circled or superscript forms (１, ①, ¹), a letter's full-width one (ｘ), a Han
    character's compatibility twin. A value is looked for normalized; a text is read as typed,
    so each of its characters is looked for in all its forms."""
    alike: dict[str, str] = {}
    for c in range(sys.maxunicode + 1):
        char = chr(c)
        if unicodedata.decomposition(char):
            normal = unicodedata.normalize("NFKC", char)
            if len(normal) == 1 and normal != char:
                alike[normal] = alike.get(normal, "") + char
    return alike


# Which values are looked for inside texts, counted without their separators. A value of one
# character (a surname written alone) is in every text that merely uses that character: two
# at least, the shortest Chinese name (王五). A value of digits alone needs seven, the shortest
# telephone number (a landline's local number): shorter runs of digits (a year, a date, an
# amount, a house number) are in every letter, and identify nobody by themselves.
_SHORTEST_TEXT = 2
_SHORTEST_NUMBER = 7
# A phone inside a longer value (beside an area code, a second phone): looked for alone too.
_NUMBER_INSIDE = re.compile(f"[0-9]{{{_SHORTEST_NUMBER},}}")
# What the office types into an identity field it has no value for (a visitor who gave no
# name): no one's identity, and words every text uses ("情况不详").
_NO_VALUE = frozenset(
    {"不详", "未详", "不明", "未知", "匿名", "暂无", "没有", "未提供", "不清楚", "不愿透露", "拒绝透露"}
)


def _looked_for(value: Any) -> Iterator[str]:
    """The texts a confidential value is looked for as, without their separators and invisible
    characters, full-width digits and letters as ASCII (NFKC): the value itself, and each run
    of seven or more digits in it ("0745-2345678" is found where a text says 2345678); of a
    list or a mapping, each of its values'. A yes/no is no text, nor is what stands for no
    value (不详, 匿名)."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _looked_for(item)
        return
    text = _invisibles().sub("", unicodedata.normalize("NFKC", str(value)))
    for candidate in (text, *_NUMBER_INSIDE.findall(text)):
        bare = _SEPARATOR.sub("", candidate)
        digits_only = bare.isascii() and bare.isdigit()
        if len(bare) >= (_SHORTEST_NUMBER if digits_only else _SHORTEST_TEXT) and bare not in _NO_VALUE:
            yield bare


def _character(c: str) -> str:
    """One character of a value as a pattern: in any of its forms (``_alike``: an ASCII letter
    or digit also full-width, １３８, ｘ), a letter in either case (the pattern ignores case:
    an ID number's X), and decomposed (é as e and U+0301: the value is looked for composed, a
    text is read as typed)."""
    forms = _alike().get(c, "")
    one = re.escape(c) if not forms else "[" + "".join(re.escape(f) for f in c + forms) + "]"
    decomposed = unicodedata.normalize("NFD", c)
    return one if decomposed == c else f"(?:{re.escape(decomposed)}|{one})"


def _tolerant(bare: str) -> str:
    """The pattern of a value's text with separators and invisible characters allowed between
    its characters (``_gap``: the match spans them, so the mask covers them too); a value
    beginning or ending with a Latin letter not inside a longer word (Li is not in Lily); none
    ending before a combining mark, which belongs to its last character (``_marks``)."""
    body = _gap().join(_character(c) for c in bare)
    before = "(?<![A-Za-z])" if bare[0].isascii() and bare[0].isalpha() else ""
    after = "(?![A-Za-z])" if bare[-1].isascii() and bare[-1].isalpha() else ""
    return before + body + after + f"(?![{_marks()}])"


@lru_cache(maxsize=512)
def _pattern(texts: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for all of a case's values, the longest first: where two begin at the same
    place (an ID number and the phone inside it), the longer is masked whole."""
    return re.compile("|".join(_tolerant(t) for t in sorted(texts, key=lambda t: (-len(t), t))), re.IGNORECASE)


@dataclass(frozen=True)
class Secrets:
    """The confidential values of a case as they are looked for inside texts (a title, a
    letter's content, a note): tolerantly, with spaces, hyphens or dots between their
    characters, invisible characters anywhere in them, full-width or not (``_looked_for``,
    ``_tolerant``). Empty: nothing is looked for."""

    texts: frozenset[str] = frozenset()

    @classmethod
    def of(cls, values: Iterable[Any]) -> Secrets:
        return cls(frozenset(text for value in values for text in _looked_for(value)))

    def found_in(self, text: str) -> bool:
        return bool(self.texts) and _pattern(tuple(sorted(self.texts))).search(text) is not None

    def redacted(self, value: Any) -> Any:
        """``value`` with each of the values found in its texts replaced by ``MASK``: a text,
        or the texts inside a list or a mapping (a history entry's data); anything else as it is."""
        if not self.texts:
            return value
        return _redacted(value, _pattern(tuple(sorted(self.texts))))


NO_SECRETS = Secrets()  # what whoever may read the identity is kept from in texts: nothing


def _redacted(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(MASK, value)
    if isinstance(value, Mapping):
        return {k: _redacted(v, pattern) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redacted(v, pattern) for v in value)
    return value


def _values_in(data: Mapping[str, Any] | None, fields: frozenset[str]) -> Iterator[Any]:
    """The values of ``fields`` in ``data``, also inside nested dicts (as ``masked`` finds them)."""
    for key, value in (data or {}).items():
        if key in fields:
            yield value
        elif isinstance(value, Mapping):
            yield from _values_in(value, fields)


def case_secrets(session: Session, actor: Actor, instance_id: int, definition_id: int) -> Secrets:
    """What ``actor`` must not read in a case's texts: nothing for whoever may read its
    confidential fields (or on a case with none); for anyone else every value they held, as
    its history recorded them (each value a start, a form, a message or a worker brought in,
    a corrected one too)."""
    return secrets_of_cases(session, actor, [(instance_id, definition_id)])[instance_id]


def secrets_of_cases(session: Session, actor: Actor, cases: Iterable[tuple[int, int]]) -> dict[int, Secrets]:
    """``case_secrets`` of each of ``cases`` ((case id, definition id)), the histories of those
    with something to keep from ``actor`` read in one statement (a list of cases: the board)."""
    wanted = set(cases)
    kept: dict[int, frozenset[str]] = {}
    if not may_read_confidential(actor):
        # (the cases' own version, and the caller of a called one, say which fields are confidential)
        found = session.execute(
            _CALL_COLUMNS.add_columns(ProcessInstance.id).where(ProcessInstance.id.in_(sorted({c for c, _d in wanted})))
        )
        kept = {case: hidden for *columns, case in found if (hidden := _confidential(session, *columns))}
    values: dict[int, list[Any]] = {case: [] for case in kept}
    if kept:  # (most cases have no confidential field: nothing to read)
        history = select(AuditEntry.instance_id, AuditEntry.data).where(AuditEntry.instance_id.in_(sorted(kept)))
        for case, data in session.execute(history):
            values[case].extend(_values_in(data, kept[case]))
    return {case: Secrets.of(values[case]) if case in kept else NO_SECRETS for case, _definition in wanted}


# Whoever may not read confidential values, by their roles alone (which decide it): what a
# case's texts keep from one such reader they keep from every other.
_UNCLEARED = Actor("")


def secrets_kept_from_the_uncleared(session: Session, instance_id: int, definition_id: int) -> Secrets:
    """``case_secrets`` for whoever may not read the case's confidential fields: what a text
    says to a unit it is addressed to (a printed notice), or to recipients not known yet."""
    return case_secrets(session, _UNCLEARED, instance_id, definition_id)


def title_carries(values: Iterable[Any], title: str) -> bool:
    """Whether a case's title repeats one of ``values`` (a confidential field's), however typed."""
    return Secrets.of(values).found_in(title)


def _rules(process: ParsedProcess) -> dict[str, Any]:
    """Each withheld field of the process and the rule it is withheld by."""
    return dict.fromkeys(confidential_fields(process), "confidential") | dict(field_readers(process))


def carried_unprotected(
    session: Session,
    caller: ProcessInstance,
    values: Mapping[str, Any],
    call: CaseCall,
    called: ParsedProcess,
    passed: Mapping[str, Any],
) -> list[str]:
    """The variables ``passed`` by ``call`` to a case of ``called`` that carry a text
    ``caller`` withholds (a confidential or a readers field's, ``values`` its variables: the
    text itself, or a text holding it, whatever it is renamed to on the way) where the called
    case would not withhold them by the same rule: that case would show them to whoever sees
    it. What the call maps from a confidential field (``carried_names``) is confidential in
    the called case (``case_confidential``); a text the mapping does not show to carry one (a
    script's copy of the petitioner's name under another name, a note that repeats it) is
    not. A text is found as in a case's texts (``Secrets``: typed with separators
    too); a number or a yes/no is not looked for: another value passed would equal it by chance."""
    confidential = case_confidential(session, caller)
    mine = dict.fromkeys(confidential, "confidential") | _rules(processes.get_by_id(session, caller.definition_id))
    theirs = _rules(called)
    kept = confidential_fields(called) | carried_names(call, confidential)
    secrets = [
        (rule, found)
        for name, rule in mine.items()
        if isinstance(values.get(name), str) and (found := Secrets.of([values[name]])).texts
    ]
    return sorted(
        target
        for target, value in passed.items()
        if isinstance(value, str)
        and any(
            not (theirs.get(target) == rule or (rule == "confidential" and target in kept)) and found.found_in(value)
            for rule, found in secrets
        )
    )


def hidden_fields(session: Session, actor: Actor, case: ProcessInstance) -> frozenset[str]:
    """The field ids ``actor`` sees masked in ``case`` (often none): its confidential fields."""
    if may_read_confidential(actor):
        return frozenset()
    return case_confidential(session, case)


class CaseOrigin(Protocol):
    """What tells a case's confidential fields (``case_confidential``): its process version,
    and the case and the call activity that called it (None for a case no call started). A
    case, or a row of these columns of one (``repo.OfferedCase``)."""

    @property
    def definition_id(self) -> int: ...
    @property
    def parent_instance_id(self) -> int | None: ...
    @property
    def parent_bpmn_id(self) -> str | None: ...


def case_confidential(session: Session, case: CaseOrigin) -> frozenset[str]:
    """The confidential fields of a case: its process's, and for a case a call activity
    started, the variables the call gave it carrying what its caller keeps confidential
    (``carried_names``: the petitioner's name passed as ``topic`` is as confidential in the
    called case as in its caller, though the called process's forms show ``topic`` as any
    field). A called case's caller's are its own and those of the case that called it. No
    statement for a case no call activity started (its process's forms tell them)."""
    return _confidential(session, case.definition_id, case.parent_instance_id, case.parent_bpmn_id)


def confidential_of_case(session: Session, instance_id: int) -> frozenset[str]:
    """``case_confidential`` of the case ``instance_id`` (none of a case that is not there)."""
    row = session.execute(_CALL_COLUMNS.where(ProcessInstance.id == instance_id)).first()
    return _confidential(session, *row) if row is not None else frozenset()


# What tells a case's confidential fields: its version, and the case and the call activity that called it
_CALL_COLUMNS = select(
    ProcessInstance.definition_id, ProcessInstance.parent_instance_id, ProcessInstance.parent_bpmn_id
)


def _confidential(session: Session, definition_id: int, caller_id: int | None, call_id: str | None) -> frozenset[str]:
    own = confidential_fields(processes.get_by_id(session, definition_id))
    caller = session.execute(_CALL_COLUMNS.where(ProcessInstance.id == caller_id)).first() if call_id else None
    if caller is None:  # not a called case (or its caller is gone)
        return own
    call = _call_activity(processes.get_by_id(session, caller.definition_id), call_id or "")
    return own | carried_names(call, _confidential(session, *caller)) if call is not None else own


def _call_activity(process: ParsedProcess, bpmn_id: str) -> CaseCall | None:
    return next(
        (
            spec
            for process_spec in (process.spec, *process.subprocess_specs.values())
            for spec in process_spec.task_specs.values()
            if isinstance(spec, CaseCall) and spec.bpmn_id == bpmn_id
        ),
        None,
    )


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


def readable_data(session: Session, actor: Actor, case: ProcessInstance, data: Mapping[str, Any]) -> dict[str, Any]:
    """Values of a case that nobody in particular entered (a task's data, the variables a
    worker fetches) as ``actor`` may read them: confidential ones masked, and wherever a text
    repeats one of them (信访内容 opening "我叫…，电话…"), masked there too; a ``readers``
    field's withheld."""
    hidden = hidden_fields(session, actor, case)
    shown = masked(data, hidden)
    if hidden:
        shown = Secrets.of(_values_in(data, hidden)).redacted(shown)
    return withheld(shown, unreadable_fields(session, actor, case.definition_id)) or {}


def draft_for(session: Session, actor: Actor, item: WorkItem, case: ProcessInstance) -> dict[str, Any]:
    """A task's saved draft as ``actor`` may read it: nothing but to its author (the others,
    who may see the task or even work on it, see the form as it starts: ``may_read_draft``);
    confidential values masked. A ``readers`` field's value in it is its author's, whom
    ``may_read_field`` lets read it: no more to withhold."""
    if not item.draft or not may_read_draft(actor, author=item.draft_by):
        return {}
    return masked(item.draft, hidden_fields(session, actor, case)) or {}


def fillable(values: Mapping[str, Any]) -> dict[str, Any]:
    """What a form may start with of ``values``: none withheld, which submitted as it stands
    would overwrite the answer with ``WITHHELD``; such a field starts empty, as a ``fresh``
    one does, for the person to answer themselves."""
    return {k: v for k, v in values.items() if v != WITHHELD}


def notes_confidential_by_default(session: Session, instance_id: int) -> bool:
    """Comments and attachments on a case that carries confidential fields (its caller's
    too) are confidential unless their author says otherwise: a letter or a phone call names
    the petitioner."""
    return bool(confidential_of_case(session, instance_id))


def case_variables(
    session: Session, actor: Actor, case: ProcessInstance, variables: Mapping[str, Any]
) -> dict[str, Any]:
    """A case's variables as ``actor`` may read them: confidential values masked (unless they
    may read them), a ``readers`` field's withheld (unless they are one of its readers), and
    only those a form labels unless they may read the working data, which the working fields
    a form labels are too (``WorkingFields``)."""
    shown = readable_data(session, actor, case, variables)
    if may_read_working_data(actor):
        return shown
    process = processes.get_by_id(session, case.definition_id)
    labels = field_labels(process)
    # nor the working fields a form labels (WorkingFields): 剩余可延期（月）, a unit's return reasons
    return WorkingFields.of(actor, process).variables({k: v for k, v in shown.items() if k in labels})


# What an entry of the history says beyond the forms' values, by action: the keys of its data
# a reader without the working data keeps (what the page says of it); the rest is bookkeeping.
_SAID = {
    "hand_over": ("to", "comment", "withheld"),
    "attach": ("attachment_id", "filename", "withheld"),
    "supervise": ("opinion", "respond_by", "escalated"),
    "supervise_reached": ("opinion", "unit", "escalated"),
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
            elif e.action == "hand_over" and data.get("comment") and reader != data.get("to"):
                # a note from one officer to the colleague taking the task over ("内部交接：…"):
                # the handling side's, not the deputy's to read; its recipient reads it
                data = {"to": data.get("to"), "comment": "", "withheld": True}
            elif e.action in _SAID:
                data = {k: data[k] for k in _SAID[e.action] if k in data}
            else:
                data = None
        shown.append(replace(e, data=data))
    return shown


def history_for(
    session: Session, actor: Actor, instance_id: int, definition_id: int, scope: RoundScope | None = None
) -> list[HistoryEntry]:
    """``_history_for`` without the entries of rounds ``actor`` reads not (``round_scope``, or
    ``scope`` when the caller has worked it out), with the values of ``readers`` fields withheld
    as their authors' (``_withheld_in``); without the working data (a deputy), only what the
    forms label and what people wrote (``_as_outsider_reads``). A form's values are in its
    fields' order."""
    process = processes.get_by_id(session, definition_id)
    # a case moved to another version says its past steps as they were named then
    entries = history_as_named_then(session, _history_for(session, actor, instance_id, definition_id), definition_id)
    if scope is None:
        instance = session.get(ProcessInstance, instance_id)
        scope = round_scope(session, actor, instance) if instance is not None else WHOLE
    # another round's entries are not there for who reads only their own, nor in a window's
    # entry the rounds it closed that are another's
    entries = scope.history(entries)
    history = _withheld_in(entries, actor, process)
    history = in_form_order(history, process)
    if may_read_working_data(actor):
        return history
    # an outsider (a deputy) reads what the forms label, but for the choices that only routed
    # the process (办理操作: what was chosen, the fields it opened say)
    routing = routing_choices(process)
    shown = WorkingFields.of(actor, process).history(_as_outsider_reads(actor.username, history, field_labels(process)))
    return [e if e.actor == actor.username else _choice_said_by_its_fields(e, routing) for e in shown]


def _choice_said_by_its_fields(entry: HistoryEntry, routing: frozenset[str]) -> HistoryEntry:
    """An entry without its routing choices (办理操作) where fields it opened are shown: they
    say what was chosen. Where none is (a unit's return, whose reasons are working fields
    the deputy reads not), or none shown holds anything (an optional 意见 left empty), the
    choice is, or the entry would say a step was done and not how."""
    if not entry.data or not routing.intersection(entry.data):
        return entry
    rest = {k: v for k, v in entry.data.items() if k not in routing}
    says = any(k != _WORKER and v not in (None, "", []) for k, v in rest.items())
    return replace(entry, data=rest) if says else entry


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
    the case's, and every text it carries (a form's texts, a cancel reason, a 督办's opinion, a
    file's name) with the confidential values of the case masked in it; the name of a
    confidential file withheld, and on a case with confidential fields the comment of a
    hand-over too, but for whoever handed over (their own words) and whoever received it (it
    is addressed to them: masked like any text), and the recipients of the mail its mail
    tasks sent. A saved draft is its author's until the task is submitted: its saves are in
    their history only (the audit log keeps every one). Each entry of a task names it as its
    work item is titled, with its round: a title says no more than the case's steps say to
    whoever may see the case. An entry of a step replayed from a ledger's row names the row as
    its ``ledger`` (``_from_ledger``), to every reader: the administrator recorded it, not did it."""
    entries = [
        HistoryEntry(e.at, e.actor, e.action, e.bpmn_id, e.task_id, e.data, e.task_name)
        for e in repo.history(session, instance_id)
        if e.action != "save_draft" or may_read_draft(actor, author=e.actor)
    ]
    if may_read_confidential(actor):
        return [_from_ledger(e) for e in entries]
    hidden = confidential_of_case(session, instance_id)
    # every value the case's confidential fields held, as its entries recorded them
    secrets = Secrets.of(value for e in entries for value in _values_in(e.data, hidden))
    # only a case whose history names an attached file can withhold one
    attached = any(e.action == "attach" for e in entries)
    withheld_files = repo.files_withheld_from(session, instance_id, actor.username) if attached else set()
    history = []
    for e in entries:
        as_entered = masked(e.data, hidden)
        data = secrets.redacted(as_entered)
        if data and e.action == "attach" and data.get("attachment_id") in withheld_files:
            data = {**data, "filename": mask_filename(str(data.get("filename") or "")), "withheld": True}
        elif data and as_entered and e.action == "hand_over" and hidden and data.get("comment"):
            if actor.username == e.actor:
                data = {**data, "comment": as_entered["comment"]}
            elif actor.username != as_entered.get("to"):
                data = {**data, "comment": "", "withheld": True}
        elif data and e.action == "mail_queued" and hidden:
            # an address may be a confidential field's value (a petitioner's): all masked
            data = {**data, **{k: mask(data.get(k) or []) for k in ("to", "cc", "bcc")}, "withheld": True}
        history.append(_from_ledger(replace(e, data=data)))  # (its file's name masked like any text)
    return history


def _from_ledger(entry: HistoryEntry) -> HistoryEntry:
    """An entry of a step replayed from a ledger's row with the row as its ``ledger``, out of its
    data (``FROM_LEDGER``); any other entry as it is."""
    data = entry.data
    source = data.get(FROM_LEDGER) if data else None
    if not data or not isinstance(source, Mapping):
        return entry
    row = source.get("row")
    rest = {k: v for k, v in data.items() if k != FROM_LEDGER}
    found = LedgerRow(str(source.get("file") or ""), row if isinstance(row, int) else 0)
    return replace(entry, data=rest, ledger=found)
