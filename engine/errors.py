"""Errors the use cases raise. The web layer maps them: NotAllowed → 403,
NotFound → 404, Conflict → 409, InvalidData / InvalidBpmn → 422."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from string import Formatter
from typing import Any

# What a refusal is about, for whoever reads it on a page: reason → the params it carries.
# ``message`` stays the developer's English sentence (the log, the API, the command line);
# the web says the reason in its reader's language from the params (web/errors.py), people
# by name (params holding user names: ``by``, ``holder``, ``colleague``, ``username``) and
# times (``at``: an aware datetime) in the reader's time zone.
REASONS: dict[str, frozenset[str]] = {
    # NotFound
    "no_case": frozenset({"case"}),  # case: its id
    "no_task": frozenset({"task"}),  # task: its task id
    "no_attachment": frozenset({"attachment"}),
    "no_notification": frozenset({"notification"}),
    "no_process": frozenset({"process"}),  # process: its key; none deployed
    # NotAllowed
    "needs_permission": frozenset({"permission"}),  # permission: an engine.access.Permission value
    "not_candidate": frozenset({"task"}),  # task: its name; not offered to the actor
    "held_by": frozenset({"task", "holder"}),  # someone else holds it
    "not_offered": frozenset({"task", "holder"}),  # given to its holder by name, to no one else
    "colleague_not_candidate": frozenset({"task", "colleague"}),
    # colleague: may not read the confidential fields of the task's case, which is for those who may
    "colleague_cannot_read_confidential": frozenset({"task", "colleague"}),
    # the task's case holds confidential fields: only those who may read them claim or complete it
    "task_for_confidential_readers": frozenset({"task"}),
    "may_not_start": frozenset({"process"}),  # process: its name
    "may_not_cancel": frozenset({"case"}),
    "process_stopped": frozenset({"process", "by", "at"}),  # process: its name
    # task: its name; offered to the unit ``unit`` (its code), which the actor was moved out of
    # at ``at`` while the task was open (engine/usecases/closed_tasks.py ``left_unit``)
    "left_unit": frozenset({"task", "unit", "at"}),
    # Conflict
    "already_completed": frozenset({"task", "case", "by", "at"}),  # task: its name; case: its id
    "task_closed": frozenset({"task", "case"}),  # cancelled, or the case moved on
    # the task's case was cancelled by ``by`` at ``at`` for ``why`` (its reason, masked as the reader reads it)
    "case_cancelled": frozenset({"task", "case", "by", "at", "why"}),
    # taken from the reader, who held it, or claimed by another while it was offered to the
    # reader too, and now someone else's: ``holder``, given it by ``by`` (the holder himself:
    # claimed it) at ``at`` (both None: unknown); case: its id
    "held_by_another": frozenset({"task", "case", "holder", "by", "at"}),
    "already_claimed": frozenset({"task", "holder"}),
    "case_not_running": frozenset({"case", "status"}),  # status: an InstanceStatus value
    "changed_meanwhile": frozenset(),  # a writer racing past the locks, a stale page
    # draft: its id; saved by ``by`` at ``at`` as ``revision`` after the page opened ``opened``
    "draft_saved_meanwhile": frozenset({"draft", "by", "at", "revision", "opened"}),
    "draft_discard_saved_meanwhile": frozenset({"draft", "by", "at", "revision", "opened"}),
    # a task's draft (task: its name; case: its id) saved by ``by`` at ``at`` after the page read
    # the one it sends its draft over (engine/usecases/tasks.py save_draft's seen)
    "task_draft_saved_meanwhile": frozenset({"task", "case", "by", "at"}),
    # a hand-over or a give-back from a page older than the task's latest claim, hand-over or
    # give-back (``action``: claim, hand_over, unclaim) by ``by`` at ``at``; holder: who holds it
    # now (None: nobody); task: its name, task_id its id, case: the case's id
    # (engine/usecases/tasks.py: hand_over's and unclaim's seen)
    "holding_changed": frozenset({"task", "task_id", "case", "action", "by", "at", "holder"}),
    # process: its name, key its key; version: the newest, deployed by ``by`` at ``at`` after
    # the edit began from ``based_on``
    "newer_version": frozenset({"process", "key", "version", "based_on", "by", "at"}),
    # a message start event given the 编号 ``key`` that the running case ``case`` of the process
    # (``process``: its name) already has (engine/usecases/messages.py)
    "business_key_held": frozenset({"key", "case", "process"}),
    # A machine door's refusals, said to the worker or the sender (the API's reader of English
    # reads their English ``message``; a param is never called ``message`` nor ``reason``,
    # EngineError's own arguments: a message's name is ``name``). External tasks (engine/usecases/external_tasks.py:
    # lock_task, held_task): task: its id; worker: the worker id that asked, lock_holder: the one
    # holding the lock (worker ids, not user names); until, at: when the lock ends, ended (aware)
    "external_task_gone": frozenset({"task"}),  # NotFound: not waiting (done, its case ended) or none
    "external_task_not_locked": frozenset({"task"}),
    "external_task_locked_by": frozenset({"task", "lock_holder", "until", "worker"}),
    "external_task_lock_not_held": frozenset({"task", "worker"}),
    "external_task_lock_expired": frozenset({"task", "worker", "at"}),
    # Messages (engine/usecases/messages.py): name: the message's name; what it was matched by, as
    # given: key, its business key (None: none), correlation, its correlation variables
    # (name → value as given; None: none); case: a case id; status: an InstanceStatus value
    "message_not_awaited": frozenset({"name", "key", "correlation"}),  # NotFound
    # NotFound: no case waits for it and no process starts on it (given no correlation)
    "message_starts_nothing": frozenset({"name", "key"}),
    # Conflict: count cases wait; cases: the ids of the first few of them (all when as many as count);
    # shared_key: the 编号 they all have (the one given, or the same one each has: a called case
    # shares its caller's), which cannot tell them apart, only their ids can (None: not so)
    "message_awaited_by_several": frozenset({"name", "key", "correlation", "count", "cases", "shared_key"}),
    "message_starts_several": frozenset({"name", "processes"}),  # processes: their keys
    "no_case_to_reach": frozenset({"case"}),  # NotFound: a message or trigger named no case by its id
    "case_ended_for_message": frozenset({"case", "status", "name"}),  # Conflict
    "message_not_awaited_by_case": frozenset({"case", "name", "key", "correlation"}),  # NotFound
    "case_ended_for_trigger": frozenset({"case", "status"}),  # Conflict: it waits for nothing any more
    # NotFound: the case does not wait at the receive task without a message ``element`` (its id)
    "trigger_not_awaited": frozenset({"case", "element"}),
}


class EngineError(Exception):
    """``message``: what happened, in English, for the log and the API. ``reason`` (one of
    REASONS, or None) and ``params``: the same for a page to say in its reader's words."""

    code = "engine_error"

    def __init__(self, message: str, reason: str | None = None, **params: Any):
        if reason is not None and set(params) != REASONS[reason]:
            raise ValueError(f"the reason {reason!r} takes the params {sorted(REASONS[reason])}, not {sorted(params)}")
        if reason is None and params:
            raise ValueError("params without a reason")
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.params = params

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


class NotFound(EngineError):
    code = "not_found"


class NotAllowed(EngineError):
    code = "not_allowed"


class Conflict(EngineError):
    """Someone else changed the same thing first; reload and try again."""

    code = "conflict"


class AlreadyCompleted(Conflict):
    code = "already_completed"


class CaseCancelled(Conflict):
    """The task's case was cancelled: nothing of it is done any more."""

    code = "case_cancelled"


class HeldByAnother(Conflict):
    """A task taken from the one who held it (handed on, or given back and claimed), or claimed
    by (handed to) another while it was offered to them too, is now someone else's."""

    code = "held_by_another"


# What can be wrong with one field: code → its English text, a ``str.format`` template
# whose names are the code's params. The one list: the web translates each code
# (web/views/formdata.py), the API sends code and params beside the English text.
FIELD_ERRORS: dict[str, str] = {
    "invalid": "{message}",  # no better code: the message as it came (a library's, or old text)
    "required": "required",
    "unknown_field": "unknown field: this form has no such field",
    "not_text": "must be text",
    "not_a_number": "not a whole number",
    "not_boolean": "must be true or false",
    "not_a_date": "must be a date YYYY-MM-DD",
    "no_such_date": "{day} does not exist",
    "date_out_of_range": "must be between {min} and {max}",
    "date_before_field": "must not be before {field} ({day})",
    "date_after_field": "must not be after {field} ({day})",
    "repeats_field": "must not repeat {field}",
    "min_length": "at least {min} characters",
    "max_length": "at most {max} characters",
    "control_character": "must not contain control characters (such as NUL): they are no text",
    # U+202A–U+202E, U+2066–U+2069 (engine/text.py): invisible, they show the text after them reversed
    "direction_character": "must not contain invisible direction characters (such as U+202E): "
    "they make the text show as other text",
    # a 编号 (engine/text.py): U+200B–U+200D, U+2060, U+FEFF, U+00AD show nothing yet make another number
    "invisible_character": "must not contain invisible characters (such as U+200B): "
    "they make it another number than shown",
    "min": "at least {min}",
    "max": "at most {max}",
    "max_left": "at most {max}: that is what is left",
    # a field with ``before`` (engine/bpmn/forms.py) given a value after its period ended; day: its last day
    "period_ended": "the period ended at {day} 24:00: this is asked for before it ends",
    # a bound naming a case value (``${voters_present}``): said by the label of the field that asked it
    "min_named": "must not be less than {field} ({min})",
    "max_named": "must not be more than {field} ({max})",
    "max_total": "{fields} add up to {total}: at most {max} together",
    "max_total_named": "{fields} add up to {total}: together they must not be more than {field} ({max})",
    "not_allowed_value": "not one of the allowed values: {value}",
    # what the API's argument checks (marshmallow, web/api/common.py) refuse and no code above
    # says: its answer's ``said`` tells the reader so (``fields`` and ``codes`` keep the library's
    # English); min and max as the check printed them, choices joined with 、
    "out_of_range": "must be from {min} to {max}",
    "length_out_of_range": "must be {min} to {max} characters",
    "max_items": "at most {max} items",
    "one_of": "must be one of: {choices}",
    "not_an_object": "must be a JSON object",
    "not_a_list": "must be a JSON array (a list)",
    "not_a_datetime": "must be a date and time such as 2026-01-31T09:00:00+08:00",
    "not_json": "not valid JSON",
    "not_numeric": "must be a number",  # any number; not_a_number: a whole one
    "number_too_large": "too large a number",
    "not_finite": "must be a finite number, not NaN or Infinity",
    # a 督办's task done or gone, or its case ended, since the supervisor read it: task its
    # name, by the user name who completed it, at when (ISO 8601, UTC)
    "task_completed": "{task} was completed by {by} at {at}: nothing to supervise (the case as a whole can be)",
    "task_withdrawn": "{task} is no longer open (the case moved on): nothing to supervise (the case as a whole can be)",
    # status: an InstanceStatus value (completed, cancelled)
    "case_ended": "the case has ended ({status}): nothing to supervise",
    # a list field (``multiple``) given a value twice: value is its label where the list has one
    "repeated_choice": "{value} chosen more than once",
    "title_carries_confidential": "the case's title, which everyone who sees the case reads: must not contain {field}",
    "title_holds_phone": (
        "the case's title, which everyone who sees the case reads: must not contain a phone number ({number}):"
        " a petitioner's contact is confidential"
    ),
    "key_carries_confidential": "the case's number, which everyone who sees the case reads: must not contain {field}",
    "unsupported_type": "unsupported field type {type!r}",
    "may_not_write": "confidential: you may not write it",
    "file_type": "file type not allowed; allowed: {allowed}",
    "file_empty": "the file is empty",
    "file_too_large": "larger than {max_mb} MB",
    "file_unpacked_too_large": "{file} would unpack to more than {max_mb} MB: too large to read",
    # the content is not what the extension claims (engine/usecases/file_types.py)
    "file_content": "the content of {file} is not a {type} file",
    "letters_digits_only": "letters, digits, - and _ only",
    "password_too_short": "at least {min} characters",
    "password_contains_username": "must not contain the user name",
    "password_contains_name": "must not contain the name",
    "password_guessable": "too easy to guess",
    "password_unchanged": "must differ from the current password",
    "wrong_password": "wrong password",
    "passwords_differ": "the passwords differ",
    "unknown_timezone": "unknown time zone {timezone!r}; use an IANA name such as {example}",
    "unknown_language": "unknown language {language!r}; known: {known}",
    "unknown_role": "unknown role(s) {roles}; known: {known}",
    "unknown_department": "no unit {department!r}",
    "own_admin_role": "you cannot remove your own administrator role or deactivate yourself",
    "unknown_setting": "unknown setting {name!r}; known: {known}",
    "case_or_task_needed": "a case or a task is needed",
    "not_a_name": "{value}… is not a user or group name (at most {max} characters)",
    "calendar_line": "write YYYY-MM-DD (or YYYY-MM-DD..YYYY-MM-DD) and the holiday's name, "
    "or YYYY-MM-DD working for a make-up working day",
    "not_in_year": "must be a day of {year}",
    "range_backwards": "the range ends before it starts",
    "range_too_long": "at most {max} days in one range",
    "calendar_overlap": "{day} is entered twice",
    "holiday_on_weekend": "{day}: only Saturdays and Sundays, off anyway; give the holiday's name",
    "make_up_on_weekday": "{day} is a weekday, a working day anyway; add a note saying why",
    "unknown_user": "no user {username!r}",
    # importing units and people from a spreadsheet (engine/usecases/onboarding.py)
    "unknown_user_yet": "no user {username!r} yet: import the people first, then this file again",
    "missing_column": "the column {column} is missing",
    "duplicate_in_file": "{value} is also in row {row}",
    "bad_phone": "{value} is not a phone number: 11 digits of a mobile, or a landline such as 0571-87654321",
    "bad_email": "{value} is not an e-mail address",
    "file_unreadable": "not a readable .xlsx or .csv file",
    "file_encoding": "the .csv file is neither UTF-8 nor GB18030",
    "too_many_rows": "more than {max} rows",
    "no_rows": "no rows below the header",
    "unreadable_file": "cannot read {file}: not an .xlsx or .csv file",
    # a workbook no reader opens (engine/usecases/spreadsheets.py): said as what it is, and what to do
    "encrypted_workbook": "{file} is protected by a password: open it in Excel or WPS, remove the password, "
    "save it and upload it again",
    "old_excel_workbook": "{file} is an old Excel 97-2003 workbook (.xls): open it in Excel or WPS, "
    "save it as .xlsx and upload that",
    # a value of a ledger's or units file's list (a deputy, a unit, a class): the choices are joined with 、
    "not_one_of": "{value} is not one of the choices: {choices}",
    "shared_name": "{value} is the name of several people: write the user name, or one of {choices}",
    # a unit named (in a file, a ledger) by a name several units have: their codes tell them apart
    "shared_unit_name": "{value} is the name of several units: write the unit's code, one of {choices}",
    # a person's and a unit's fields (engine/usecases/people.py: the pages, the command line, the import)
    "username_taken": "this user name is taken already",
    "inactive_user": "{username} is deactivated",
    # a task handed over to whoever holds it already (engine/usecases/tasks.py hand_over): to its
    # holder himself, or by another (who may reassign tasks) to its holder
    "yours_already": "the task is yours already: hand it to a colleague",
    "holds_task_already": "{username} holds the task already: nothing would change",
    "not_in_unit": "{username} is not one of the people of {unit}",
    # a unit's name or new code that is also a candidate group already (people.unit_name_problem):
    # another unit's (unit: its name, code: its code) or a role's
    "unit_name_taken": "{value} is already the code or name of the unit {unit} ({code}): "
    "tasks are offered to a unit by both, so each may name one unit only",
    "role_code_taken": "{value} is the code of a role: a unit may not be called so "
    "(the role's tasks would be offered to the unit's people)",
    # a ledger's rows replayed as cases (engine/usecases/ledger.py)
    "needs_column": "needs {column} first",
    "date_before": "is before {column} ({day})",
    "not_reached": "the case does not reach {task} this way",
    "not_assigned_unit": "{unit} is not a unit this process assigns to",
    # a confidential cell of an exported ledger, masked for whoever exported it (ledger_export)
    "masked_value": "{value} is a confidential value masked in an export, not the value: type the real one",
    # the designer's and the migration's references to versions, elements and templates
    # (engine/usecases/definitions.py, library.py, case_migration.py, drafts.py)
    "group_name": "a unit's code or a role: at most {max} characters, none of , $ {{ }}",
    "no_such_version": "no version {version}",
    "already_newest": "version {version} is already the newest version of {key!r}: nothing to roll back to",
    "no_other_version": "{key!r} has no other version than {version}: deploy the new version first",
    "same_version": "the cases already run on version {version}: choose another version to move them to",
    "no_such_element": "version {version} of {key!r} has no element {element!r}",
    "id_out_of_range": "case ids are {min} to {max}",
    "no_template": "no template {template!r}; known: {known}",
    "process_key": "a letter or _ first, then letters, digits, _ . - (at most {max}): it is the process id",
    "key_taken": "a process {key!r} is already deployed: choose another key (or edit that process)",
    # a merged range under a spreadsheet's header (engine/usecases/spreadsheets.py): its value is
    # in its first cell only
    "merged_cells": "{cells} on the sheet {sheet} are merged cells: unmerge them and fill in each row's own value",
    # a variable given from outside a form (a worker's answer, a message: engine/usecases/given_variables.py)
    "variable_name": "a variable name: letters, digits and _, not beginning with _ or a digit (at most 200)",
    # a text that is not valid Unicode, refused up front by the API (web/api/common.py)
    "unpaired_surrogate": "must not contain unpaired surrogate characters (U+D800 to U+DFFF): not valid Unicode",
    # a list's (or a map's) length, counted in items (the API's argument checks)
    "items_out_of_range": "must have {min} to {max} items",
    "min_items": "at least {min} items",
}


@cache
def field_error_params(code: str) -> frozenset[str]:
    """The names of the params ``code`` takes."""
    return frozenset(name for _text, name, _spec, _conv in Formatter().parse(FIELD_ERRORS[code]) if name)


class FieldError(str):
    """What is wrong with one field: a code from FIELD_ERRORS and its params, e.g.
    ``FieldError("max_length", {"max": 200})``.

    It *is* its English text (``"at most 200 characters"``, after ``"label: "`` when a
    form field's label is given), so logs, the command line and whoever reads
    ``InvalidData.field_errors`` as text go on reading a sentence; the web translates
    ``code`` with ``params`` instead. Like any str it compares as its text: compare
    ``code`` and ``params`` to tell codes apart."""

    code: str
    params: dict[str, Any]
    label: str | None

    def __new__(cls, code: str, params: Mapping[str, Any] | None = None, label: str | None = None) -> FieldError:
        if code not in FIELD_ERRORS:
            raise ValueError(f"unknown field error code {code!r}")
        params = dict(params or {})
        if set(params) != field_error_params(code):
            raise ValueError(
                f"field error {code!r} takes the params {sorted(field_error_params(code))}, not {sorted(params)}"
            )
        text = FIELD_ERRORS[code].format(**params)
        self = super().__new__(cls, f"{label}: {text}" if label else text)
        self.code, self.params, self.label = code, params, label
        return self

    @classmethod
    def from_text(cls, text: str) -> FieldError:
        """A message given as text (callers not yet giving codes): the code without params
        whose English text it is, else ``invalid`` with the text as its message."""
        code = _CODE_OF_TEXT.get(text)
        return cls(code) if code else cls("invalid", {"message": text})

    @property
    def text(self) -> str:
        """The English text without the label."""
        return FIELD_ERRORS[self.code].format(**self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}

    def __reduce__(self) -> tuple[Any, ...]:
        return (FieldError, (self.code, self.params, self.label))

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return (
            f"FieldError({self.code!r}, {self.params!r}{label})"
            if self.params or label
            else f"FieldError({self.code!r})"
        )


_CODE_OF_TEXT = {text: code for code, text in FIELD_ERRORS.items() if not field_error_params(code)}

_WRITTEN_AS_A_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def not_a_day(text: str) -> FieldError:
    """What is wrong with ``text``, refused as a date: written as one but not a day of the
    calendar (``2027-02-30``: no_such_date), or not written as a date (not_a_date)."""
    match = _WRITTEN_AS_A_DAY.fullmatch(text.strip())
    if match is not None:
        try:
            date(*(int(part) for part in match.groups()))
        except ValueError:
            return FieldError("no_such_date", {"day": text.strip()})
    return FieldError("not_a_date")


class InvalidData(EngineError):
    """Submitted data does not fit the form: one FieldError per field.

    ``codes``: field → FieldError; ``field_errors``: field → English text (the same
    FieldErrors, each of which is its text). A plain text message is still taken
    (FieldError.from_text) while callers move to codes."""

    code = "invalid_data"

    def __init__(self, field_errors: Mapping[str, FieldError | str], message: str = "the submitted data is not valid"):
        self.codes: dict[str, FieldError] = {
            name: error if isinstance(error, FieldError) else FieldError.from_text(str(error))
            for name, error in field_errors.items()
        }
        self.field_errors: dict[str, str] = dict(self.codes)
        detail = "; ".join(f"{k}: {v}" for k, v in self.codes.items())
        super().__init__(f"{message}: {detail}" if detail else message)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "fields": {name: str(error) for name, error in self.codes.items()}}


class LostRace(InvalidData):
    """Field errors that are so only because what a field names changed after the caller read
    it (a task completed or withdrawn, a case ended): a conflict (409), refused again however it
    is sent; ``codes`` say which, with any other field's refusal."""

    code = "conflict"


class ScriptError(EngineError):
    """An expression or script in a process failed or tried something forbidden."""

    code = "script_error"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a BPMN file, located as precisely as we can."""

    message: str
    file: str = ""
    line: int | None = None
    element_id: str | None = None

    def __str__(self) -> str:
        where = self.file or "<bpmn>"
        if self.line:
            where += f":{self.line}"
        if self.element_id:
            where += f" [{self.element_id}]"
        return f"{where}: {self.message}"


@dataclass
class InvalidBpmn(EngineError):
    problems: list[Problem] = field(default_factory=list)
    code = "invalid_bpmn"

    def __post_init__(self) -> None:
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid BPMN")

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "problems": [p.__dict__ for p in self.problems]}
