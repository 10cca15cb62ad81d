"""What comes into a case from outside its forms, one rule for every door: the variables of a
worker's answer about an external task (external_task_answers), of a message, a signal or a
trigger (messages, the API and the command line alike), and a message's business key.

* A variable's name is one scripts and conditions can read: letters (Chinese ones too), digits
  and ``_``, not beginning with a digit or with ``_`` (such names are the product's own:
  ``_worker``, ``__builtins__``), at most MAX_NAME characters (``variable_name``).
* A variable the process declares as a field of one of its forms (its start form, a task's
  form) takes what that field's type takes, converted as the form converts what a page sends
  (``FormSpec.check``: ``"150"`` for a ``long`` field is 150, ``"abc"`` is refused as
  ``not_a_number``; a ``date`` a day YYYY-MM-DD, an ``enum`` one of its options, a ``string``
  text without control characters). Only the type: a field's own bounds (required, min, max,
  lengths, when it is shown) are what a person filling that form may give at that step. A
  variable no form declares is taken as it comes.
* A business key (编号) is taken without the spaces around it, like any text typed in; one of
  spaces only is refused as an empty one is (``length_out_of_range``): it names the case a
  message is for, and treated as absent it would reach whichever case waits instead.

A refusal names every wrong variable at once (``variables.<name>``), before anything is
stored."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from ..bpmn.forms import FormField, FormSpec
from ..bpmn.parsing import ParsedProcess
from ..errors import FieldError, InvalidData
from .option_lists import option_sources

MAX_NAME = 200
MAX_BUSINESS_KEY = 200  # the column's size

# Of a form field's properties, those that say what its type takes (an enum's or a list's
# source of values, how a text is trimmed); the others say when and by whom it is asked.
_TYPE_PROPERTIES = ("options_source", "multiple", "multiline")


def is_variable_name(name: object) -> bool:
    """A name scripts and conditions can read, not one of the product's own (``_…``)."""
    return isinstance(name, str) and name.isidentifier() and not name.startswith("_") and len(name) <= MAX_NAME


def checked_names(variables: Mapping[str, Any] | None) -> dict[str, Any]:
    """``variables`` as a dict, when every name is a variable name (``is_variable_name``);
    else InvalidData naming each wrong one at ``variables.<name>``."""
    data = dict(variables or {})
    refused = {f"variables.{name}": FieldError("variable_name") for name in data if not is_variable_name(name)}
    if refused:
        raise InvalidData(refused)
    return data


def typed_variables(session: Session, process: ParsedProcess, variables: Mapping[str, Any]) -> dict[str, Any]:
    """``variables`` with each one ``process`` declares as a form field converted to what
    that field's type takes; InvalidData naming each one its type does not take (the field's
    label and what it should be), at ``variables.<name>``. Several forms declaring the same
    variable with different types: the first of them that takes the value converts it."""
    declared = _declared(process)
    typed = dict(variables)
    refused: dict[str, FieldError] = {}
    for name, value in variables.items():
        first_refusal: FieldError | None = None
        for f in declared.get(name, ()):
            form = FormSpec((f,))
            accepted, errors = form.check({name: value}, option_sources(session, form))
            if name not in errors:
                typed[name] = accepted.get(name)
                first_refusal = None
                break
            first_refusal = first_refusal or errors[name]
        if first_refusal is not None:
            refused[f"variables.{name}"] = first_refusal
    if refused:
        raise InvalidData(refused)
    return typed


def _declared(process: ParsedProcess) -> dict[str, list[FormField]]:
    """Variable → the types its form fields declare (each once), as fields of nothing but
    their type: no constraint, shown always, no value left out of their source."""
    declared: dict[str, list[FormField]] = {}
    for meta in process.tasks.values():
        for f in meta.form.fields:
            as_type = dataclasses.replace(
                f,
                default=None,
                constraints={},
                properties={k: v for k, v in f.properties.items() if k in _TYPE_PROPERTIES},
            )
            kinds = declared.setdefault(f.id, [])
            if as_type not in kinds:
                kinds.append(as_type)
    return declared


def business_key_given(business_key: str | None) -> str | None:
    """A business key as given, without the spaces around it (None: none given); one of
    nothing else, or longer than the column holds, refused at ``business_key``."""
    if business_key is None:
        return None
    trimmed = business_key.strip()
    if not 1 <= len(trimmed) <= MAX_BUSINESS_KEY:
        raise InvalidData({"business_key": FieldError("length_out_of_range", {"min": 1, "max": MAX_BUSINESS_KEY})})
    return trimmed
