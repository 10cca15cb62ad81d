"""Forms declared in the BPMN with ``camunda:formData`` and the validation of submitted data.

A form is plain data (:class:`FormSpec`), read from the XML once per definition version
and kept with it, so the web layer can render it and the engine can validate against it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from .. import clock
from ..deadlines.calendar import LOCAL_TZ
from ..errors import FieldError, InvalidData
from .visibility import Visibility, shown_fields

FIELD_TYPES = ("string", "long", "boolean", "date", "enum")
# The lists a field may take its values from (property ``options_source`` for one value,
# ``multiple`` for a list), filled at run time: department codes, deputies' user names.
OPTION_SOURCES = ("departments", "deputies")
CONSTRAINTS = ("required", "readonly", "minlength", "maxlength", "min", "max")
# The dates a date field takes unless its own ``min`` / ``max`` say otherwise: a case's
# dates become due dates and timers, and a year like 0001 overflows when the engine turns
# it into a moment in UTC, failing the case's next step again on every try.
# A date field's default, min or max may say ``today``: the day it is in Beijing when the
# form is filled in (a date of receipt defaults to it and is never after it).
TODAY = "today"
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2099, 12, 31)
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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
    def initial(self) -> str | None:
        """The value the form starts with: the default, ``today`` on a date field being the
        day it is in Beijing (a petition's date of receipt, say)."""
        if self.type == "date" and self.default == TODAY:
            return today().isoformat()
        return self.default

    @property
    def date_bounds(self) -> dict[str, str]:
        """``min`` / ``max`` of a date field as YYYY-MM-DD (``today`` being today in Beijing),
        for the browser's date picker."""
        if self.type != "date":
            return {}
        return {
            name: (today().isoformat() if config == TODAY else config)
            for name, config in self.constraints.items()
            if name in ("min", "max")
        }

    @property
    def readonly(self) -> bool:
        return "readonly" in self.constraints

    @property
    def confidential(self) -> bool:
        return self.properties.get("confidential", "").lower() == "true"

    @property
    def options_source(self) -> str | None:
        """One of OPTION_SOURCES: an enum whose options are, e.g., the department codes."""
        return self.properties.get("options_source")

    @property
    def multiple_source(self) -> str | None:
        """One of OPTION_SOURCES: a list of, e.g., department codes."""
        return self.properties.get("multiple")

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

    def validate(
        self,
        data: dict[str, Any],
        option_sources: dict[str, set[str]] | None = None,
        bounds: dict[str, dict[str, int]] | None = None,
    ) -> dict[str, Any]:
        """Check ``data`` against the form; give back the values converted to their types.
        ``bounds``: field → the value of each of its ``bound_expressions``, evaluated by the
        caller against the task's data (without them such a bound does not apply).

        A field hidden by its ``visible_when`` is not checked, and a value submitted for it is
        ignored (not stored): it does not apply to the choice made, and an earlier round's
        value stays as it was. A required one is required only while it is shown.

        Raises InvalidData with one FieldError per wrong field; nothing is half-accepted."""
        option_sources = option_sources or {}
        bounds = bounds or {}
        errors: dict[str, FieldError] = {}
        clean: dict[str, Any] = {}
        for name in data:
            if self.field(name) is None:
                errors[name] = FieldError("unknown_field")
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
                clean[f.id] = _convert(f, raw, option_sources, bounds.get(f.id, {}))
            except _Refused as refused:
                errors[f.id] = FieldError(refused.code, refused.params, f.label)
        if errors:
            raise InvalidData(errors)
        return clean


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
    DATE_MIN..DATE_MAX), a lower bound above the upper one."""
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
        elif f.type == "date" and name in ("min", "max") and config == TODAY:
            continue  # the day the form is filled in
        elif f.type == "long" and name in ("min", "max") and is_bound_expression(config):
            continue  # evaluated when the form is submitted; parsing compiles it
        elif f.type == "date" and name in ("min", "max"):
            day = iso_day(config)
            if day is None:
                problems.append(
                    f"form field {f.id!r}: constraint {name!r} needs a date YYYY-MM-DD as its config, got {config!r}"
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


class _Refused(Exception):
    """A value the field does not take: a FieldError's code and params (the label added by
    the caller)."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code, self.params = code, params


def is_bound_expression(config: str) -> bool:
    text = config.strip()
    return text.startswith("${") and text.endswith("}")


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list)) and len(value) == 0)


def _convert(f: FormField, raw: Any, option_sources: dict[str, set[str]], bounds: dict[str, int]) -> Any:
    if f.multiple_source:
        values = raw if isinstance(raw, list) else [v.strip() for v in str(raw).split(",") if v.strip()]
        allowed = option_sources.get(f.multiple_source)
        unknown = [v for v in values if allowed is not None and v not in allowed]
        if unknown:
            raise _Refused("not_allowed_value", value=", ".join(map(str, unknown)))
        return values
    if f.type == "string":
        value = raw if isinstance(raw, str) else None
        if value is None:
            raise _Refused("not_text")
        _check_length(f, value)
        return value
    if f.type == "long":
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise _Refused("not_a_number")
        try:
            number = int(raw)
        except ValueError:
            raise _Refused("not_a_number") from None
        _check_range(f, number, bounds)
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
            raise _Refused("not_a_date") from None
        _check_date_range(f, day)
        return day.isoformat()
    if f.type == "enum":
        allowed = option_sources.get(f.options_source) if f.options_source else {o.id for o in f.options}
        if allowed is not None and str(raw) not in allowed:
            raise _Refused("not_allowed_value", value=str(raw))
        return str(raw)
    raise _Refused("unsupported_type", type=f.type)


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


def _date_bound(f: FormField, name: str, default: date) -> date:
    """The field's own ``min`` / ``max`` when it is a date (``today``: the day in Beijing),
    else the default."""
    if f.constraints.get(name) == TODAY:
        return today()
    try:
        return date.fromisoformat(f.constraints[name]) if name in f.constraints else default
    except ValueError:
        return default


def _check_date_range(f: FormField, value: date) -> None:
    low, high = _date_bound(f, "min", DATE_MIN), _date_bound(f, "max", DATE_MAX)
    if not low <= value <= high:
        raise _Refused("date_out_of_range", min=low.isoformat(), max=high.isoformat())


def _check_range(f: FormField, value: int, bounds: dict[str, int]) -> None:
    if (low := _int_bound(f, "min")) is not None and value < low:
        raise _Refused("min", min=low)
    if (high := _int_bound(f, "max")) is not None and value > high:
        raise _Refused("max", max=high)
    if "min" in bounds and value < bounds["min"]:
        raise _Refused("min", min=bounds["min"])
    if "max" in bounds and value > bounds["max"]:
        raise _Refused("max_left", max=bounds["max"])
