"""Forms declared in the BPMN with ``camunda:formData`` and the validation of submitted data.

A form is plain data (:class:`FormSpec`), read from the XML once per definition version
and kept with it, so the web layer can render it and the engine can validate against it.
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeGuard

from .. import clock
from ..deadlines.calendar import LOCAL_TZ
from ..errors import FieldError, InvalidData, not_a_day
from ..text import control_character
from .visibility import Visibility, shown_fields

FIELD_TYPES = ("string", "long", "boolean", "date", "enum")
# The lists a field may take its values from (property ``options_source`` for one value,
# ``multiple`` for a list), filled at run time: department codes, deputies' user names.
OPTION_SOURCES = ("departments", "deputies")
CONSTRAINTS = ("required", "readonly", "minlength", "maxlength", "min", "max", "distinct_from", "max_total")
# ``max_total`` bounds the sum of several number fields (the votes of an appraisal, together no
# more than the voters present): its config is the bound (a whole number, another number field of
# the form, or a case variable), and the field's property ``total_of`` names the fields added up
# with it (``votes_satisfied,votes_basic,votes_unsatisfied``); the refusal is said on that field.
# The dates a date field takes unless its own ``min`` / ``max`` say otherwise: a case's
# dates become due dates and timers, and a year like 0001 overflows when the engine turns
# it into a moment in UTC, failing the case's next step again on every try.
# A date field's default, min or max may say ``today``: the day it is in Beijing when the
# form is filled in (a date of receipt defaults to it and is never after it); its min or max
# also ``today`` with an ISO 8601 period of one unit before or after it (``today-P1Y``: a
# year ago, ``today+P30D``), or the name of another date field of the form or of a case
# variable (``received_on``: not before the day the case's ``received_on`` says).
# A field's property ``before`` names a case variable holding a deadline (``reply_due``): the
# field takes a value only while that period runs, so that what the law has asked for before a
# period ends (an extension, 期限届满前申请) is not asked for after it; a deadline is compared by
# its day in Beijing, as the processes store one (00:00 after its last day: 24:00 of that day).
TODAY = "today"
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2099, 12, 31)
# A whole number a form takes, unless its own ``min`` / ``max`` are narrower: what the integer
# columns the statistics copy it into hold (PostgreSQL's ``integer``; an item's voters, say).
# A bigger one failed the case's save with an overflow in the driver, a 500 after the engine
# had already moved the case in memory.
LONG_MIN = -(2**31)
LONG_MAX = 2**31 - 1
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RELATIVE_DAY = re.compile(r"today(?:(?P<sign>[+-])P(?P<amount>[0-9]{1,4})(?P<unit>[YMWD]))?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BLANK_LINES = re.compile(r"\A(?:\s*?\n)+")  # the blank lines a text begins with


@dataclass(frozen=True)
class Option:
    id: str
    name: str


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    type: str
    default: str | None = None
    constraints: dict[str, str] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        return "required" in self.constraints

    @property
    def bound_expressions(self) -> dict[str, str]:
        """``min`` / ``max`` of a number field given as ``${expression}``: evaluated against the
        task's data when the form is submitted (what is left of an allowance, say)."""
        return {
            name: config.strip()[2:-1]
            for name, config in self.constraints.items()
            if name in ("min", "max") and self.type == "long" and is_bound_expression(config)
        }

    @property
    def bound_variables(self) -> dict[str, str]:
        """The ``bound_expressions`` that are a case value as it is (``${voters_present}``), not
        a computation: bound → that variable. The refusal and the page name the value by its
        label (``FormSpec.bound_labels``); what a computation leaves is said as what is left."""
        return {
            name: expression.strip()
            for name, expression in self.bound_expressions.items()
            if _NAME.fullmatch(expression.strip())
        }

    @property
    def initial(self) -> str | None:
        """The value the form starts with: the default, ``today`` on a date field being the
        day it is in Beijing (a petition's date of receipt, say)."""
        if self.type == "date" and self.default == TODAY:
            return today().isoformat()
        return self.default

    @property
    def date_bounds(self) -> dict[str, str]:
        """``min`` / ``max`` of a date field as YYYY-MM-DD (``today``, ``today-P1Y`` counted
        from today in Beijing), for the browser's date picker; a bound naming another field
        or a variable is not known before the form is submitted, and is left out."""
        if self.type != "date":
            return {}
        bounds = {}
        for name in ("min", "max"):
            day = _fixed_day(self.constraints[name]) if name in self.constraints else None
            if day is not None:
                bounds[name] = day.isoformat()
        return bounds

    @property
    def named_bounds(self) -> dict[str, str]:
        """``min`` / ``max`` of a date field naming another date field of the form or a case
        variable (``received_on``): bound → that name."""
        if self.type != "date":
            return {}
        return {
            name: config
            for name, config in self.constraints.items()
            if name in ("min", "max") and is_bound_name(config)
        }

    @property
    def distinct_from(self) -> str | None:
        """The ``distinct_from`` constraint: another field of the form whose value(s) this
        one may not repeat (协办单位 never the 主办单位)."""
        return self.constraints.get("distinct_from")

    @property
    def total_of(self) -> tuple[str, ...]:
        """With ``max_total``: the ids of the fields it adds up, those the property ``total_of``
        names and this one (named or not); () without the constraint."""
        if "max_total" not in self.constraints:
            return ()
        return tuple(dict.fromkeys([*_names(self.properties.get("total_of", "")), self.id]))

    @property
    def readonly(self) -> bool:
        return "readonly" in self.constraints

    @property
    def before(self) -> str | None:
        """The property ``before``: the case variable holding the deadline before which the
        field takes a value (``reply_due``); None without one."""
        return self.properties.get("before", "").strip() or None

    @property
    def confidential(self) -> bool:
        return self.properties.get("confidential", "").lower() == "true"

    @property
    def readers(self) -> frozenset[str]:
        """``readers=office``: the groups (comma-separated codes, as candidate groups name
        them) whose members read the field's value, besides whoever entered it; everyone else
        sees only that it was answered (a deputy's score in an evaluation; the rule is
        ``engine.access.may_read_field``). Empty: the field is read like any other."""
        return frozenset(g.strip() for g in self.properties.get("readers", "").split(",") if g.strip())

    @property
    def internal(self) -> bool:
        """``internal=true``: an exchange between those who work the case, not a fact of it (a
        unit's reasons for returning a proposal, the office's text deciding on them): working
        data (``working_fields``), which a deputy following his proposal does not read."""
        return self.properties.get("internal", "").lower() == "true"

    @property
    def fresh(self) -> bool:
        """``fresh=true``: answered anew in every round (a decision, an evaluation): the form
        does not start at what an earlier round answered (``FormSpec.starting_values``)."""
        return self.properties.get("fresh", "").lower() == "true"

    @property
    def options_source(self) -> str | None:
        """One of OPTION_SOURCES: an enum whose options are, e.g., the department codes."""
        return self.properties.get("options_source")

    @property
    def multiple_source(self) -> str | None:
        """One of OPTION_SOURCES: a list of, e.g., department codes."""
        return self.properties.get("multiple")

    @property
    def options_excluded(self) -> tuple[str, ...]:
        """The property ``options_exclude`` (``office,presidium``): the codes of its options
        source the field neither offers nor takes (the congress's own bodies are no unit it
        inspects), as written."""
        return _names(self.properties.get("options_exclude", ""))

    def offers(self, options: Mapping[str, str]) -> dict[str, str]:
        """Of its options source's ``options`` (value → label), those the field offers: all but
        those it leaves out (``options_excluded``)."""
        return {code: name for code, name in options.items() if code not in self.options_excluded}

    @property
    def visible_when(self) -> Visibility | None:
        """The field's ``visible_when`` property: shown (and required, when it is) only while
        another field of the form has one of the given values. None without one, or with one
        deploy would refuse (``visibility_problems``)."""
        text = self.properties.get("visible_when")
        if text is None:
            return None
        try:
            return Visibility.parse(text)
        except ValueError:
            return None


@dataclass(frozen=True)
class FormSpec:
    fields: tuple[FormField, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"fields": [asdict(f) for f in self.fields]}

    @classmethod
    def from_dict(cls, dct: dict[str, Any]) -> FormSpec:
        return cls(
            tuple(FormField(**{**f, "options": tuple(Option(**o) for o in f["options"])}) for f in dct["fields"])
        )

    def field(self, field_id: str) -> FormField | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def shown(self, values: dict[str, Any]) -> frozenset[str]:
        """The fields shown for ``values`` (field → value): a field with ``visible_when`` is
        shown while its controller is shown and has a value the rule names."""
        return shown_fields(self.fields, values)

    def starting_values(self, data: Mapping[str, Any], answered: Iterable[str]) -> dict[str, Any]:
        """What the form starts with, from the task's ``data``: the case's values, as Camunda
        fills a form, so that work sent back for revision is revised, not typed again; but a
        ``fresh`` field a person already answered in an earlier round (``answered``: the
        fields of the case's earlier submissions, of this task's form or another's) starts at
        its default (or empty): a reopened reply is not already "extend", a second evaluation
        does not carry the first one's opinion unseen."""
        stale = self.answered_before(answered)
        return {name: value for name, value in data.items() if name not in stale}

    def answered_before(self, answered: Iterable[str]) -> frozenset[str]:
        """The ``fresh`` fields the form takes that a person answered in an earlier round
        (``answered``): this round's form starts them at their default (or empty), and a
        submission that leaves one out (through the API or the command line, which need not
        send every field) answers it so, as the page's form sends it untouched: not with the
        earlier round's answer, still the case's value."""
        return frozenset({f.id for f in self.fields if f.fresh and not f.readonly}.intersection(answered))

    def offered(self, lists: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
        """The run-time lists (source → {value: label}) as the form offers them: without the
        codes every field taking its values from that source leaves out (``options_exclude``).
        A field that leaves out more leaves them out of its own choices
        (``FormField.options_excluded``)."""
        offered = {}
        for source, options in lists.items():
            takers = [set(f.options_excluded) for f in self.fields if source in (f.options_source, f.multiple_source)]
            left_out = set.intersection(*takers) if takers else set()
            offered[source] = {code: name for code, name in options.items() if code not in left_out}
        return offered

    def total_variables(self) -> dict[str, str]:
        """The ``max_total`` bounds that name a case variable rather than a field the form takes
        (a read-only field shows a case's value too): field → variable. The caller reads them
        from the task's data and hands them to ``validate`` as the field's ``max_total``."""
        takes = {f.id for f in self.fields if not f.readonly}
        found = {}
        for f in self.fields:
            config = f.constraints.get("max_total", "").strip()
            if is_bound_name(config) and config not in takes:
                found[f.id] = config
        return found

    def label_of(self, name: str, labels: Mapping[str, str]) -> str | None:
        """What the pages call the case value ``name``: the label of this form's field of that
        name (a read-only one shows it), else the label ``labels`` gives it (variable → the
        label of the form field that asked it: ``field_labels``); None when no form asks it."""
        own = self.field(name)
        return own.label if own is not None else labels.get(name)

    @property
    def names_case_values(self) -> bool:
        """Whether a bound of the form names a case value as it is (``bound_variables``, a
        ``max_total`` naming one): its refusal says the value's label, which the caller reads
        from the process's forms only then."""
        return any(f.bound_variables or is_bound_name(f.constraints.get("max_total", "").strip()) for f in self.fields)

    def bound_labels(self, labels: Mapping[str, str]) -> dict[str, dict[str, str]]:
        """field → bound → the label of the case value its ``min`` / ``max`` names
        (``FormField.bound_variables``; ``labels`` as for ``label_of``): the page's hint and
        the refusal name it ("不能大于“到会选民人数”（50）"). A value no form labels is left out.
        A field with ``max_total`` also has ``total_of``, the labels of the fields it adds up,
        and ``max_total``, the label of the value it names, if any (the page's hint)."""
        found: dict[str, dict[str, str]] = {}
        for f in self.fields:
            for name, variable in f.bound_variables.items():
                if (label := self.label_of(variable, labels)) is not None:
                    found.setdefault(f.id, {})[name] = label
            if f.total_of:
                added = [g.label for g in self.fields if g.id in f.total_of]
                found.setdefault(f.id, {})["total_of"] = "、".join(added)
                bound = f.constraints["max_total"].strip()
                if is_bound_name(bound) and (label := self.label_of(bound, labels)) is not None:
                    found[f.id]["max_total"] = label
        return found

    def variable_bounds(self) -> dict[str, dict[str, str]]:
        """The date bounds that name a case variable rather than another field the form
        takes (a read-only field shows a case's value too), and the deadline variable of each
        field's ``before`` (bound ``"before"``): field → bound → variable. The caller reads
        them from the task's data (``day_of``) and hands them to ``validate``."""
        takes = {f.id for f in self.fields if not f.readonly}
        found: dict[str, dict[str, str]] = {}
        for f in self.fields:
            for name, variable in f.named_bounds.items():
                if variable not in takes:
                    found.setdefault(f.id, {})[name] = variable
            if f.before is not None and is_bound_name(f.before) and f.before not in takes:
                found.setdefault(f.id, {})["before"] = f.before  # the day its deadline's moment falls on
        return found

    def validate(
        self,
        data: dict[str, Any],
        option_sources: Mapping[str, Collection[str]] | None = None,
        bounds: Mapping[str, Mapping[str, Any]] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The values of ``data`` converted to their types, as ``check`` finds them; raises
        InvalidData with one FieldError per wrong field; nothing is half-accepted."""
        accepted, errors = self.check(data, option_sources, bounds, labels)
        if errors:
            raise InvalidData(errors)
        return accepted

    def check(
        self,
        data: dict[str, Any],
        option_sources: Mapping[str, Collection[str]] | None = None,
        bounds: Mapping[str, Mapping[str, Any]] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> tuple[dict[str, Any], dict[str, FieldError]]:
        """Check ``data`` against the form; give back the values converted to their types.
        ``option_sources``: source → the values there are (OPTION_SOURCES); given as value →
        label, a refusal names a value by its label ("民政办", not "civil_affairs").
        ``bounds``: field → the value of each of its ``bound_expressions``, evaluated by the
        caller against the task's data, of each of its ``variable_bounds`` (a day
        YYYY-MM-DD) and of its ``total_variables`` (``max_total``: a whole number); without
        them such a bound does not apply. ``labels``: variable → the label of the form field
        that asked it (``field_labels``), for a refusal to name the case value a bound names
        (``bound_labels``, ``max_total``). A field's ``before`` bound (the day of the deadline
        its property names, from ``variable_bounds``) refuses its value from that day on.

        Text is taken without the spaces around it: a required field of spaces only is
        empty, and so refused.

        A field hidden by its ``visible_when`` is not checked, and a value submitted for it is
        ignored (not stored): it does not apply to the choice made, and an earlier round's
        value stays as it was. A required one is required only while it is shown.

        Gives back the values accepted (converted; none of a refused field) and one
        FieldError per wrong field: a caller with checks of its own (a start's title) makes
        them on what was accepted and refuses everything in one round."""
        option_sources = option_sources or {}
        bounds = bounds or {}
        bound_labels = self.bound_labels(labels or {})
        errors: dict[str, FieldError] = {}
        clean: dict[str, Any] = {}
        for name in data:
            if self.field(name) is None:
                errors[name] = FieldError("unknown_field")
        data = {name: _trimmed(value, self.field(name)) for name, value in data.items()}
        shown = self.shown({f.id: data.get(f.id, f.initial) for f in self.fields})
        for f in self.fields:
            if f.readonly or f.id not in shown:
                continue
            raw = data.get(f.id, f.initial)
            if _is_empty(raw):
                if f.required:
                    errors[f.id] = FieldError("required", label=f.label)
                elif f.id in data:
                    clean[f.id] = None
                continue
            try:
                checked_against = self._variable_days(f, bounds.get(f.id, {}))
                clean[f.id] = _convert(f, raw, option_sources, checked_against, bound_labels.get(f.id, {}))
            except _Refused as refused:
                errors[f.id] = FieldError(refused.code, refused.params, f.label)
        for f in self.fields:  # what one field says of another's value, once both are read
            if f.id in errors and errors[f.id].code == "date_out_of_range":
                errors[f.id] = self._range_refusal(f, errors[f.id], clean, bounds.get(f.id, {}))
            if f.id in errors or clean.get(f.id) is None:
                continue
            try:
                self._check_against_others(f, clean, bounds.get(f.id, {}))
            except _Refused as refused:
                errors[f.id] = FieldError(refused.code, refused.params, f.label)
        for f in self.fields:  # a value given after the period it belongs to has ended
            if f.id in clean and clean[f.id] is not None and f.id not in errors:
                refusal = _late_refusal(f, bounds.get(f.id, {}))
                if refusal is not None:
                    errors[f.id] = refusal
        for f in self.fields:  # a sum of several fields, once each of them is read
            if f.total_of and f.id in shown and not f.readonly and f.id not in errors:
                refusal = self._total_refusal(f, clean, errors, bounds.get(f.id, {}), bound_labels.get(f.id, {}))
                if refusal is not None:
                    errors[f.id] = refusal
        return {name: value for name, value in clean.items() if name not in errors}, errors

    def _total_refusal(
        self,
        f: FormField,
        clean: Mapping[str, Any],
        errors: Mapping[str, FieldError],
        bounds: Mapping[str, Any],
        named: Mapping[str, str],
    ) -> FieldError | None:
        """``max_total`` of ``f``: the fields it adds up (``total_of``; one left empty or
        hidden counts 0) together above its bound, said with the total, the bound and their
        labels (``named``: ``bound_labels`` of ``f``), and a bound naming a field or a case
        value with that one's label.
        A field of them refused is told first; a bound naming a field left empty, or a case
        variable the case has no whole number in, bounds nothing."""
        added = [g for g in self.fields if g.id in f.total_of]
        if any(g.id in errors for g in added):
            return None
        bound = self._total_bound(f, clean, bounds)
        total = sum(value for value in (clean.get(g.id) for g in added) if _is_whole_number(value))
        if bound is None or total <= bound:
            return None
        said = {"total": total, "max": bound, "fields": named.get("total_of", "")}
        if "max_total" in named:
            return FieldError("max_total_named", {**said, "field": named["max_total"]}, f.label)
        return FieldError("max_total", said, f.label)

    def _total_bound(self, f: FormField, clean: Mapping[str, Any], bounds: Mapping[str, Any]) -> int | None:
        """What ``max_total`` of ``f`` says: a whole number, the value submitted for the number
        field it names, or the case's value of the variable (or read-only field) it names."""
        config = f.constraints["max_total"].strip()
        if _WHOLE_NUMBER.fullmatch(config):
            return int(config)
        named = self.field(config)
        value = clean.get(config) if named is not None and not named.readonly else bounds.get("max_total")
        return value if _is_whole_number(value) else None

    def _check_against_others(self, f: FormField, clean: dict[str, Any], bounds: Mapping[str, Any]) -> None:
        """A date not before (``min``) or after (``max``) another field's or a variable's day;
        a value (or none of a list's values) not the one another field has (``distinct_from``)."""
        value = clean[f.id]
        other = self.field(f.distinct_from) if f.distinct_from else None
        if other is not None and not other.readonly and clean.get(other.id) is not None:
            theirs = clean[other.id] if isinstance(clean[other.id], list) else [clean[other.id]]
            mine = value if isinstance(value, list) else [value]
            if any(v in theirs for v in mine):
                raise _Refused("repeats_field", field=other.label)
        for name, (named, day) in self._field_days(f, clean, bounds).items():
            mine_day = date.fromisoformat(value)
            if name == "min" and mine_day < day:
                raise _Refused("date_before_field", field=named.label, day=day.isoformat())
            if name == "max" and mine_day > day:
                raise _Refused("date_after_field", field=named.label, day=day.isoformat())

    def _variable_days(self, f: FormField, bounds: Mapping[str, Any]) -> Mapping[str, Any]:
        """What ``_convert`` checks ``f`` against besides its own constraints: for a date
        field, the day of each bound naming a case variable the form has no field for (from
        ``bounds``; one the case has no value for bounds nothing); any other field's
        ``bounds`` as they are."""
        if f.type != "date":
            return bounds
        days = {}
        for name, variable in f.named_bounds.items():
            if self.field(variable) is None and (day := day_of(bounds.get(name))) is not None:
                days[name] = day
        return days

    def _field_days(
        self, f: FormField, clean: Mapping[str, Any], bounds: Mapping[str, Any]
    ) -> dict[str, tuple[FormField, date]]:
        """The bounds of ``f`` naming another field of the form: bound → (that field, its
        day): the value submitted for it, or a read-only field's case value (from ``bounds``).
        A field hidden, left empty or refused bounds nothing."""
        found = {}
        for name, variable in f.named_bounds.items():
            named = self.field(variable)
            if named is None:
                continue
            day = day_of(bounds.get(name) if named.readonly else clean.get(variable))
            if day is not None:
                found[name] = (named, day)
        return found

    def _range_refusal(
        self, f: FormField, error: FieldError, clean: Mapping[str, Any], bounds: Mapping[str, Any]
    ) -> FieldError:
        """A date out of its range, the range said as applied: its own days and the case
        variables' (``_check_date_range``) narrowed by the days of the other fields it names,
        so that a date after today is told the earliest day it may really take. A range the
        other fields leave empty is said as it was."""
        days = self._field_days(f, clean, bounds)
        if not days:
            return error
        low, high = date.fromisoformat(error.params["min"]), date.fromisoformat(error.params["max"])
        for name, (_named, day) in days.items():
            low, high = (max(low, day), high) if name == "min" else (low, min(high, day))
        if low > high:
            return error
        return FieldError("date_out_of_range", {"min": low.isoformat(), "max": high.isoformat()}, f.label)


def working_fields(forms: Iterable[FormSpec]) -> frozenset[str]:
    """The fields of a process's ``forms`` that are its working data though a form labels them
    (read by ``engine.access.may_read_working_field``): each marked ``internal``, and each
    the process fills itself, read-only wherever it is (剩余可延期（月）, 协办意见期限: no form
    asks it, a script computes it). A read-only field repeating what another form asks (the
    lead unit shown on a later form) is that answer, a fact of the case."""
    fields = [f for form in forms for f in form.fields]
    asked = {f.id for f in fields if not f.readonly}
    return frozenset(f.id for f in fields if f.internal or f.id not in asked)


_CAMUNDA_DATE = re.compile(r"(?P<day>[0-9]{2})/(?P<month>[0-9]{2})/(?P<year>[0-9]{4})")


def date_default(text: str | None) -> str | None:
    """A date field's ``defaultValue`` as the form keeps it (YYYY-MM-DD, or ``today``): Camunda
    writes dates ``dd/MM/yyyy`` (``10/01/2013``: 10 January), read here as it reads them."""
    found = _CAMUNDA_DATE.fullmatch((text or "").strip())
    if found is None:
        return text
    try:
        return date(int(found["year"]), int(found["month"]), int(found["day"])).isoformat()
    except ValueError:
        return text  # no such day: refused at deploy (default_problems)


def iso_day(text: str) -> date | None:
    """The day ``text`` writes as YYYY-MM-DD; None when it is not one (``2027-02-30`` either)."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def default_problems(f: FormField) -> list[str]:
    """A date field's default that is no day (deploy refuses it: every form would start wrong)."""
    if f.type != "date" or f.default is None or f.default == TODAY:
        return []
    if iso_day(f.default) is not None:
        return []
    return [f"form field {f.id!r}: defaultValue {f.default!r} is not a date (YYYY-MM-DD, dd/MM/yyyy, or today)"]


def constraint_problems(f: FormField) -> list[str]:
    """What is wrong with the field's ``camunda:constraint`` s, for deploy to refuse: a name
    not in CONSTRAINTS, a config on ``required`` / ``readonly``, a bound that is not a
    whole number (a date YYYY-MM-DD for ``min`` / ``max`` of a date field, within
    DATE_MIN..DATE_MAX, ``today``, ``today-P1Y``, or a name), a lower bound above the upper
    one. What a name must name is ``form_problems``'s (it needs the whole form)."""
    problems = []
    bounds: dict[str, int | date] = {}
    for name, config in f.constraints.items():
        if name not in CONSTRAINTS:
            close = difflib.get_close_matches((name or "").lower(), CONSTRAINTS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(
                f"form field {f.id!r} has an unknown constraint {name!r} ({hint}known: {', '.join(CONSTRAINTS)})"
            )
        elif name in ("required", "readonly"):
            if config.strip():
                problems.append(f"form field {f.id!r}: constraint {name!r} takes no config, got {config!r}")
        elif name == "distinct_from":
            if not is_bound_name(config):
                problems.append(
                    f"form field {f.id!r}: constraint 'distinct_from' needs the id of another field of the form "
                    f"as its config, got {config!r}"
                )
        elif name == "max_total":
            if f.type != "long":
                problems.append(
                    f"form field {f.id!r}: constraint 'max_total' bounds a sum of numbers, and the field is "
                    f"of type {f.type!r}, not 'long'"
                )
            if not (_WHOLE_NUMBER.fullmatch(config) or is_bound_name(config)):
                problems.append(
                    f"form field {f.id!r}: constraint 'max_total' needs a whole number, or the name of a number "
                    f"field of the form or of a case variable, as its config, got {config!r}"
                )
        elif f.type == "date" and name in ("min", "max") and (_RELATIVE_DAY.fullmatch(config) or is_bound_name(config)):
            continue  # counted from the day the form is filled in; or another field's, a variable's day
        elif f.type == "long" and name in ("min", "max") and is_bound_expression(config):
            continue  # evaluated when the form is submitted; parsing compiles it
        elif f.type == "date" and name in ("min", "max"):
            day = iso_day(config)
            if day is None:
                problems.append(
                    f"form field {f.id!r}: constraint {name!r} needs a date YYYY-MM-DD, today, today-P1Y "
                    f"(a period of Y, M, W or D before or after today) or the name of another date field or "
                    f"of a variable as its config, got {config!r}"
                )
            elif not DATE_MIN <= day <= DATE_MAX:
                problems.append(
                    f"form field {f.id!r}: constraint {name!r} {config!r} is not between "
                    f"{DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}"
                )
            else:
                bounds[name] = day
        elif not _WHOLE_NUMBER.fullmatch(config) or (name.endswith("length") and config.startswith("-")):
            what = "a whole number of characters" if name.endswith("length") else "a whole number"
            problems.append(f"form field {f.id!r}: constraint {name!r} needs {what} as its config, got {config!r}")
        else:
            bounds[name] = int(config)
    for low, high in (("minlength", "maxlength"), ("min", "max")):
        if low in bounds and high in bounds and bounds[low] > bounds[high]:  # type: ignore[operator]
            problems.append(
                f"form field {f.id!r}: constraint {low!r} ({f.constraints[low]}) is above "
                f"{high!r} ({f.constraints[high]})"
            )
    return problems


def form_problems(form: FormSpec, start_form: bool = False) -> list[str]:
    """What the form's constraints naming other fields name, for deploy to refuse: a date
    bound naming the field itself, or a field of the form that is no date; on a start form, a
    name the form has no field of (a case has no variables before it starts); ``distinct_from``
    naming the field itself or no field of the form."""
    problems = []
    for f in form.fields:
        for name, other in f.named_bounds.items():
            named = form.field(other)
            if other == f.id:
                problems.append(f"form field {f.id!r}: constraint {name!r} names the field itself")
            elif named is not None and named.type != "date":
                problems.append(f"form field {f.id!r}: constraint {name!r} names the field {other!r}, which is no date")
            elif named is None and start_form:
                problems.append(
                    f"form field {f.id!r}: constraint {name!r} names {other!r}, which is no field of the start "
                    f"form (a case has no variables before it starts)"
                )
        differs = f.distinct_from
        if differs is not None and is_bound_name(differs) and (differs == f.id or form.field(differs) is None):
            problems.append(
                f"form field {f.id!r}: constraint 'distinct_from' names {differs!r}, "
                "which is no other field of the form"
            )
        problems += _total_problems(form, f, start_form)
        problems += _before_problems(form, f, start_form)
    return problems


def _before_problems(form: FormSpec, f: FormField, start_form: bool) -> list[str]:
    """``before`` names the case variable holding a deadline: a name, no field the form takes
    (its deadline would be whatever is typed), on a field the form takes, not on a start form
    (a case has no variables, and no period runs, before it starts)."""
    if "before" not in f.properties:
        return []
    named = f.properties["before"].strip()
    if not is_bound_name(named):
        return [
            f"form field {f.id!r}: property 'before' needs the name of the case variable holding a deadline "
            f"(e.g. reply_due), got {named!r}"
        ]
    if start_form:
        return [f"form field {f.id!r}: property 'before' on a start form, where no period runs yet"]
    if f.readonly:
        return [f"form field {f.id!r}: property 'before' on a read-only field, which the form does not take"]
    other = form.field(named)
    if other is not None and not other.readonly:
        return [
            f"form field {f.id!r}: property 'before' names {named!r}, a field of the form; it names the case "
            f"variable holding a deadline"
        ]
    return []


def _total_problems(form: FormSpec, f: FormField, start_form: bool) -> list[str]:
    """What ``max_total`` and the fields its ``total_of`` names must be: each a number field
    the form takes; its bound no field of the sum, a number field when it names one of the
    form, and one of the start form's own fields there. Either without the other bounds nothing."""
    if "max_total" not in f.constraints:
        if "total_of" in f.properties:
            return [
                f"form field {f.id!r}: property 'total_of' names what constraint 'max_total' adds up, "
                "and the field has no max_total"
            ]
        return []
    if not _names(f.properties.get("total_of", "")):
        return [
            f"form field {f.id!r}: constraint 'max_total' needs the property 'total_of' naming the fields "
            "it adds up (comma-separated ids)"
        ]
    problems = []
    if f.readonly:
        problems.append(
            f"form field {f.id!r}: constraint 'max_total' on a read-only field, which the form does not take"
        )
    for name in _names(f.properties["total_of"]):
        added = form.field(name)
        if added is None:
            problems.append(f"form field {f.id!r}: total_of names {name!r}, which is no field of the form")
        elif added.type != "long":
            problems.append(f"form field {f.id!r}: total_of names {name!r}, which is no number (long) field")
        elif added.readonly:
            problems.append(f"form field {f.id!r}: total_of names {name!r}, a read-only field the form does not take")
    bound = f.constraints["max_total"].strip()
    named = form.field(bound) if is_bound_name(bound) else None
    if named is not None and named.id in f.total_of:
        problems.append(f"form field {f.id!r}: constraint 'max_total' names {bound!r}, one of the fields it adds up")
    elif named is not None and named.type != "long":
        problems.append(f"form field {f.id!r}: constraint 'max_total' names {bound!r}, which is no number (long) field")
    elif named is None and is_bound_name(bound) and start_form:
        problems.append(
            f"form field {f.id!r}: constraint 'max_total' names {bound!r}, which is no field of the start form "
            f"(a case has no variables before it starts)"
        )
    return problems


def exclusion_problems(f: FormField) -> list[str]:
    """``options_exclude`` on a field without an options source (``options_source`` or
    ``multiple``) leaves nothing out; one naming no code is a slip."""
    if "options_exclude" not in f.properties:
        return []
    if not (f.options_source or f.multiple_source):
        return [
            f"form field {f.id!r}: options_exclude leaves codes out of an options source, and the field has none "
            f"(property options_source or multiple)"
        ]
    if not f.options_excluded:
        return [f"form field {f.id!r}: options_exclude names no code (comma-separated, e.g. office,presidium)"]
    return []


def _late_refusal(f: FormField, bounds: Mapping[str, Any]) -> FieldError | None:
    """``before`` of ``f``: refused once today (Beijing) is the day its deadline's moment falls
    on or later, said with the period's last day (24:00 ends it). A case without the deadline
    (not counted yet) bounds nothing."""
    end = day_of(bounds.get("before")) if f.before is not None else None
    if end is None or today() < end:
        return None
    return FieldError("period_ended", {"day": (end - timedelta(days=1)).isoformat()}, f.label)


class _Refused(Exception):
    """A value the field does not take: a FieldError's code and params (the label added by
    the caller)."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code, self.params = code, params


def is_bound_expression(config: str) -> bool:
    text = config.strip()
    return text.startswith("${") and text.endswith("}")


def is_bound_name(config: str) -> bool:
    """A date bound (or ``distinct_from``) naming a field or a variable, not ``today``."""
    return bool(_NAME.fullmatch(config)) and config != TODAY


def _names(text: str) -> tuple[str, ...]:
    """A property's comma-separated names (codes, field ids), once each, as written."""
    return tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))


def _is_whole_number(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list)) and len(value) == 0)


def _trimmed(value: Any, f: FormField | None) -> Any:
    """A submitted value without the spaces around its text (a list's too, its empty items
    dropped): ``"   "`` is no answer. A multi-line text keeps the indent of its first line (a
    letter's paragraphs begin with two full-width spaces) and loses the blank lines before it."""
    if isinstance(value, str):
        if f is not None and f.properties.get("multiline", "").lower() == "true" and value.strip():
            return _BLANK_LINES.sub("", value.rstrip())
        return value.strip()
    if isinstance(value, list):
        return [v.strip() if isinstance(v, str) else v for v in value if not (isinstance(v, str) and not v.strip())]
    return value


def day_of(value: Any) -> date | None:
    """The day a case's value says: a date, a datetime (its day in Beijing when it knows its
    time zone), or their ISO text; None for anything else (a bound that does not apply)."""
    if isinstance(value, datetime):
        return (value.astimezone(LOCAL_TZ) if value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if iso_day(text) is not None:
        return iso_day(text)
    try:
        return day_of(datetime.fromisoformat(text))
    except ValueError:
        return None


def _convert(
    f: FormField,
    raw: Any,
    option_sources: Mapping[str, Collection[str]],
    bounds: Mapping[str, Any],
    bound_labels: Mapping[str, str],
) -> Any:
    if f.multiple_source:
        return _choices(f, raw, option_sources.get(f.multiple_source))
    if f.type == "string":
        value = raw if isinstance(raw, str) else None
        if value is None:
            raise _Refused("not_text")
        if (refused := control_character(value)) is not None:
            raise _Refused(refused.code)
        _check_length(f, value)
        return value
    if f.type == "long":
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise _Refused("not_a_number")
        try:
            number = int(raw)
        except ValueError:
            raise _Refused("not_a_number") from None
        _check_range(f, number, bounds, bound_labels)
        return number
    if f.type == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "on", "1", "yes"):
            return True
        if text in ("false", "off", "0", "no"):
            return False
        raise _Refused("not_boolean")
    if f.type == "date":
        try:
            day = date.fromisoformat(str(raw))
        except ValueError:
            refused = not_a_day(str(raw))  # not a date, or no day of the calendar (2027-02-30)
            raise _Refused(refused.code, **refused.params) from None
        _check_date_range(f, day, bounds)
        return day.isoformat()
    if f.type == "enum":
        allowed = option_sources.get(f.options_source) if f.options_source else {o.id for o in f.options}
        if str(raw) in f.options_excluded or (allowed is not None and str(raw) not in allowed):
            raise _Refused("not_allowed_value", value=str(raw))
        return str(raw)
    raise _Refused("unsupported_type", type=f.type)


def _choices(f: FormField, raw: Any, allowed: Collection[str] | None) -> list[str]:
    """A list field's values (a list, or text of comma-separated values): each a text its
    source has (``allowed``; its labels, when it maps values to them, name a repeated one) and
    the field takes, and each once. A value twice would be acted on twice: two co-handling tasks
    for one unit, each waiting for its view, a co-signer counted twice. The page's multi-select
    never sends one; the API and the command line could."""
    values = raw if isinstance(raw, list) else [v.strip() for v in str(raw).split(",") if v.strip()]
    unknown = [
        v
        for v in values
        if not isinstance(v, str) or v in f.options_excluded or (allowed is not None and v not in allowed)
    ]
    if unknown:  # an item that is no text (a list, an object) is no value of any source either
        raise _Refused("not_allowed_value", value=", ".join(map(str, unknown)))
    repeated = [value for value, times in Counter(values).items() if times > 1]
    if repeated:
        named = [allowed.get(value, value) if isinstance(allowed, Mapping) else value for value in repeated]
        raise _Refused("repeated_choice", value=", ".join(named))
    return values


def _int_bound(f: FormField, name: str) -> int | None:
    """The field's ``minlength`` / ``maxlength`` / ``min`` / ``max`` as a number, None when
    absent. Deploy refuses one that is not a whole number; should a definition deployed
    before still have one, it is no bound rather than a failure at every completion."""
    try:
        return int(f.constraints[name]) if name in f.constraints else None
    except ValueError:
        return None


def _check_length(f: FormField, value: str) -> None:
    if (low := _int_bound(f, "minlength")) is not None and len(value) < low:
        raise _Refused("min_length", min=low)
    if (high := _int_bound(f, "maxlength")) is not None and len(value) > high:
        raise _Refused("max_length", max=high)


def today() -> date:
    return clock.now().astimezone(LOCAL_TZ).date()


def _fixed_day(config: str) -> date | None:
    """The day a date bound says before anything is submitted: YYYY-MM-DD, ``today``, or a
    period before or after today (``today-P1Y``); None for a name, or a config deploy refuses."""
    relative = _RELATIVE_DAY.fullmatch(config)
    if relative is None:
        return iso_day(config)
    day = today()
    if relative["sign"] is None:
        return day
    amount = int(relative["amount"]) * (-1 if relative["sign"] == "-" else 1)
    unit = relative["unit"]
    if unit in ("D", "W"):
        shifted = day + timedelta(days=amount * (7 if unit == "W" else 1))
    else:
        months = day.year * 12 + day.month - 1 + amount * (12 if unit == "Y" else 1)
        year, month = divmod(months, 12)
        month += 1  # a month without the day ends the period on its last day (2028-02-29 - P1Y: 2027-02-28)
        if not DATE_MIN.year <= year <= DATE_MAX.year:
            return DATE_MIN if year < DATE_MIN.year else DATE_MAX
        shifted = date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return min(max(shifted, DATE_MIN), DATE_MAX)


def _date_bound(f: FormField, name: str, default: date) -> date:
    """The field's own ``min`` / ``max`` when it says a day before anything is submitted
    (``today``, ``today-P1Y``: counted from the day in Beijing), else the default."""
    day = _fixed_day(f.constraints[name]) if name in f.constraints else None
    return day if day is not None else default


def _check_date_range(f: FormField, value: date, variable_days: Mapping[str, date]) -> None:
    """The field's own days (or 1900-01-01 … 2099-12-31) narrowed by the days of the case
    variables its bounds name: refused with the range applied, whichever end was passed (a
    notice date after today is told it may not precede the day the petition was received)."""
    low, high = _date_bound(f, "min", DATE_MIN), _date_bound(f, "max", DATE_MAX)
    if "min" in variable_days:
        low = max(low, variable_days["min"])
    if "max" in variable_days:
        high = min(high, variable_days["max"])
    if not low <= value <= high:
        raise _Refused("date_out_of_range", min=low.isoformat(), max=high.isoformat())


def _check_range(f: FormField, value: int, bounds: Mapping[str, Any], labels: Mapping[str, str]) -> None:
    """The field's own ``min`` / ``max`` (within what a whole number column holds), then those
    evaluated from the task's data (``bounds``): one naming a case value said with its label
    (``labels``: bound → label) and the value, "不能大于“到会选民人数”（50）"; a computation's
    ``max`` as what is left of an allowance."""
    given_low, given_high = _int_bound(f, "min"), _int_bound(f, "max")
    low = LONG_MIN if given_low is None else max(given_low, LONG_MIN)
    high = LONG_MAX if given_high is None else min(given_high, LONG_MAX)
    if value < low:
        raise _Refused("min", min=low)
    if value > high:
        raise _Refused("max", max=high)
    if "min" in bounds and value < bounds["min"]:
        if "min" in labels:
            raise _Refused("min_named", min=bounds["min"], field=labels["min"])
        raise _Refused("min", min=bounds["min"])
    if "max" in bounds and value > bounds["max"]:
        if "max" in labels:
            raise _Refused("max_named", max=bounds["max"], field=labels["max"])
        raise _Refused("max_left", max=bounds["max"])
