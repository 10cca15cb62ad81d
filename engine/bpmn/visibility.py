"""Fields that follow the choice: a form field's ``visible_when`` rule (``handling_action=reply``)
shows it — and makes it checked and, when it is, required — only while another field of the form
has one of the named values. The browser applies the same rule (web/static/js/forms.js); deploy
refuses a rule that cannot work (``visibility_problems``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .forms import FormField

_VISIBLE_WHEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(!?=)\s*(.*?)\s*")


@dataclass(frozen=True)
class Visibility:
    """``controller=value[,value…]`` (shown while the controller has one of the values) or
    ``controller!=value[,value…]`` (shown while it has none of them). A boolean controller's
    values are ``true`` / ``false``; an empty controller has the value ``""``."""

    controller: str
    values: frozenset[str]
    negated: bool = False

    @classmethod
    def parse(cls, text: str) -> Visibility:
        match = _VISIBLE_WHEN.fullmatch(text)
        if match is None:
            raise ValueError(f"visible_when {text!r} is not 'field=value' (or 'field=a,b', 'field!=value')")
        controller, operator, values = match.groups()
        return cls(controller, frozenset(v.strip() for v in values.split(",")), operator == "!=")

    def holds(self, value: Any) -> bool:
        return (_as_text(value) in self.values) != self.negated

    def to_dict(self) -> dict[str, Any]:
        """For the browser, which shows and hides the field as the controller changes."""
        return {"field": self.controller, "values": sorted(self.values), "negated": self.negated}


def shown_fields(fields: Sequence[FormField], values: dict[str, Any]) -> frozenset[str]:
    """The fields shown for ``values`` (field → value): a field with ``visible_when`` is
    shown while its controller is shown and has a value the rule names. A rule naming a
    field not in ``fields`` (one the reader may not see, say) hides its field; deploy
    refuses rules that name no field of the form."""
    by_id = {f.id: f for f in fields}
    decided: dict[str, bool] = {}

    def is_shown(f: FormField, seen: frozenset[str]) -> bool:
        if f.id not in decided:
            rule = f.visible_when
            if rule is None:
                decided[f.id] = "visible_when" not in f.properties  # a rule deploy refuses hides
            else:
                controller = by_id.get(rule.controller)
                decided[f.id] = (
                    controller is not None
                    and controller.id not in seen  # a cycle, which deploy refuses
                    and is_shown(controller, seen | {f.id})
                    and rule.holds(values.get(controller.id))
                )
        return decided[f.id]

    return frozenset(f.id for f in fields if is_shown(f, frozenset()))


def visibility_problems(fields: Sequence[FormField]) -> list[str]:
    """What deploy refuses in the form's ``visible_when`` rules: one that does not parse, names
    no other editable field of the form, names a value its enum or boolean controller cannot
    take, or rules that hide each other in a circle."""
    by_id = {f.id: f for f in fields}
    problems = []
    for f in fields:
        text = f.properties.get("visible_when")
        if text is None:
            continue
        try:
            rule = Visibility.parse(text)
        except ValueError as exc:
            problems.append(f"form field {f.id!r}: {exc}")
            continue
        controller = by_id.get(rule.controller)
        if controller is None or controller.id == f.id:
            names = ", ".join(sorted(set(by_id) - {f.id})) or "none"
            problems.append(
                f"form field {f.id!r}: visible_when names {rule.controller!r}, which is not another "
                f"field of this form (fields: {names})"
            )
            continue
        if controller.readonly:
            problems.append(
                f"form field {f.id!r}: visible_when names {controller.id!r}, a readonly field, which the "
                f"person filling the form cannot change"
            )
        allowed = _values_of(controller)
        unknown = sorted(v for v in rule.values if allowed is not None and v not in allowed)
        if unknown:
            problems.append(
                f"form field {f.id!r}: visible_when names value(s) {', '.join(map(repr, unknown))} that "
                f"{controller.id!r} cannot take (its values: {', '.join(sorted(v for v in allowed or () if v))})"
            )
    circles: set[frozenset[str]] = set()
    for f in fields:
        chain, current = [f.id], f
        while (controller_id := _controller(current)) in by_id.keys() - {current.id}:
            current = by_id[controller_id]
            if current.id in chain:
                circle = chain[chain.index(current.id) :]
                if frozenset(circle) not in circles:  # once per circle, from whichever field meets it
                    circles.add(frozenset(circle))
                    path = " → ".join([*circle, current.id])
                    problems.append(f"form fields {path}: their visible_when rules hide each other in a circle")
                break
            chain.append(current.id)
    return problems


def _controller(f: FormField) -> str | None:
    """The id of the field ``f`` 's rule names, None without a rule."""
    rule = f.visible_when
    return rule.controller if rule is not None else None


def _values_of(f: FormField) -> set[str] | None:
    """The values a controller can take as text ("" for empty), None when any text can be."""
    if f.type == "boolean":
        return {"true", "false"}
    if f.type == "enum" and not f.options_source:
        return {o.id for o in f.options} | {""}
    return None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()
