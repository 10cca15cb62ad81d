"""Forms declared in the BPMN with ``camunda:formData`` and the validation of submitted data.

A form is plain data (:class:`FormSpec`), read from the XML once per definition version
and kept with it, so the web layer can render it and the engine can validate against it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from ..errors import InvalidData

FIELD_TYPES = ("string", "long", "boolean", "date", "enum")
# The lists a field may take its values from (property ``options_source`` for one value,
# ``multiple`` for a list), filled at run time: department codes, deputies' user names.
OPTION_SOURCES = ("departments", "deputies")
CONSTRAINTS = ("required", "readonly", "minlength", "maxlength", "min", "max")
# The dates a date field takes unless its own ``min`` / ``max`` say otherwise: a case's
# dates become due dates and timers, and a year like 0001 overflows when the engine turns
# it into a moment in UTC, failing the case's next step again on every try.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2099, 12, 31)


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


@dataclass(frozen=True)
class FormSpec:
    fields: tuple[FormField, ...] = ()

    def to_dict(self) -> dict:
        return {"fields": [asdict(f) for f in self.fields]}

    @classmethod
    def from_dict(cls, dct: dict) -> FormSpec:
        return cls(tuple(
            FormField(**{**f, "options": tuple(Option(**o) for o in f["options"])}) for f in dct["fields"]
        ))

    def field(self, field_id: str) -> FormField | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def validate(self, data: dict[str, Any], option_sources: dict[str, set[str]] | None = None) -> dict[str, Any]:
        """Check ``data`` against the form; give back the values converted to their types.

        Raises InvalidData with one message per wrong field; nothing is half-accepted."""
        option_sources = option_sources or {}
        errors: dict[str, str] = {}
        clean: dict[str, Any] = {}
        for name in data:
            if self.field(name) is None:
                errors[name] = "unknown field: this form has no such field"
        for f in self.fields:
            if f.readonly:
                continue
            raw = data.get(f.id, f.default)
            if _is_empty(raw):
                if f.required:
                    errors[f.id] = f"{f.label}: required"
                elif f.id in data:
                    clean[f.id] = None
                continue
            try:
                clean[f.id] = _convert(f, raw, option_sources)
            except ValueError as exc:
                errors[f.id] = f"{f.label}: {exc}"
        if errors:
            raise InvalidData(errors)
        return clean


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list)) and len(value) == 0)


def _convert(f: FormField, raw: Any, option_sources: dict[str, set[str]]) -> Any:
    if f.multiple_source:
        values = raw if isinstance(raw, list) else [v.strip() for v in str(raw).split(",") if v.strip()]
        allowed = option_sources.get(f.multiple_source)
        unknown = [v for v in values if allowed is not None and v not in allowed]
        if unknown:
            raise ValueError(f"not one of the allowed values: {', '.join(map(str, unknown))}")
        return values
    if f.type == "string":
        value = raw if isinstance(raw, str) else None
        if value is None:
            raise ValueError("must be text")
        _check_length(f, value)
        return value
    if f.type == "long":
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise ValueError("must be a whole number")
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"must be a whole number, got {raw!r}") from None
        _check_range(f, value)
        return value
    if f.type == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "on", "1", "yes"):
            return True
        if text in ("false", "off", "0", "no"):
            return False
        raise ValueError(f"must be true or false, got {raw!r}")
    if f.type == "date":
        try:
            day = date.fromisoformat(str(raw))
        except ValueError:
            raise ValueError(f"must be a date YYYY-MM-DD, got {raw!r}") from None
        _check_date_range(f, day)
        return day.isoformat()
    if f.type == "enum":
        allowed = option_sources.get(f.options_source) if f.options_source else {o.id for o in f.options}
        if allowed is not None and str(raw) not in allowed:
            raise ValueError(f"{raw!r} is not one of the allowed values")
        return str(raw)
    raise ValueError(f"unsupported field type {f.type!r}")


def _check_length(f: FormField, value: str) -> None:
    if "minlength" in f.constraints and len(value) < int(f.constraints["minlength"]):
        raise ValueError(f"at least {f.constraints['minlength']} characters")
    if "maxlength" in f.constraints and len(value) > int(f.constraints["maxlength"]):
        raise ValueError(f"at most {f.constraints['maxlength']} characters")


def _date_bound(f: FormField, name: str, default: date) -> date:
    """The field's own ``min`` / ``max`` when it is a date, else the default."""
    try:
        return date.fromisoformat(f.constraints[name]) if name in f.constraints else default
    except ValueError:
        return default


def _check_date_range(f: FormField, value: date) -> None:
    low, high = _date_bound(f, "min", DATE_MIN), _date_bound(f, "max", DATE_MAX)
    if not low <= value <= high:
        raise ValueError(f"must be between {low.isoformat()} and {high.isoformat()}")


def _check_range(f: FormField, value: int) -> None:
    if "min" in f.constraints and value < int(f.constraints["min"]):
        raise ValueError(f"at least {f.constraints['min']}")
    if "max" in f.constraints and value > int(f.constraints["max"]):
        raise ValueError(f"at most {f.constraints['max']}")
