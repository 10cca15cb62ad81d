"""A form as the API answers it (schemas.FormSchema): each field as the form spec declares it,
with its number bounds as they apply now. A ``${…}`` min or max, and a ``max_total`` naming a
case value, are known only against a case: on an open task's form they are given evaluated
(the task page's ``bounds``, ``runtime.form_bounds``); on a start form or a closed task's a
``${…}`` bound applies to nothing and is left out; either way the constraint as written is in
``constraints_as_declared``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.bpmn.forms import FormField, FormSpec


@dataclass(frozen=True)
class AnsweredField:
    """One field: the spec's own attributes (read through), and the constraints as they apply."""

    spec: FormField
    constraints: dict[str, str]
    constraints_as_declared: dict[str, str]

    @property
    def visible_when(self) -> dict[str, Any] | None:
        rule = self.spec.visible_when
        return rule.to_dict() if rule is not None else None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "spec":  # not the spec's (copying, before it is set)
            raise AttributeError(name)
        return getattr(self.spec, name)


def answered_form(form: FormSpec, bounds: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """``form`` for FormSchema, its fields' bounds replaced by ``bounds`` (field → bound → the
    value evaluated now; none on a start form)."""
    bounds = bounds or {}
    return {"fields": [_answered(f, bounds.get(f.id, {})) for f in form.fields]}


def _answered(f: FormField, bounds: Mapping[str, Any]) -> AnsweredField:
    # a date bound naming a case value stays a name, as one naming another field of the form
    # does: the task page evaluates those only when the form is submitted
    evaluated = {name: value for name, value in bounds.items() if name in f.bound_expressions or name == "max_total"}
    replaced = set(f.bound_expressions) | set(evaluated)
    return AnsweredField(
        spec=f,
        constraints={
            **{name: config for name, config in f.constraints.items() if name not in replaced},
            **{name: str(value) for name, value in evaluated.items()},
        },
        constraints_as_declared={name: config for name, config in f.constraints.items() if name in replaced},
    )
