"""The run-time lists a form field takes its values from (``engine.bpmn.forms.OPTION_SOURCES``):
the departments, the deputies. Loaded only for the sources a form refers to; the pages
show the labels, validation checks the values."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import Role

from ..bpmn.forms import FormSpec

LOADERS: dict[str, Callable[[Session], dict[str, str]]] = {
    "departments": repo.department_choices,
    "deputies": lambda session: repo.users_with_role(session, Role.DEPUTY),
}


def referred(form: FormSpec) -> set[str]:
    return {s for f in form.fields for s in (f.options_source, f.multiple_source) if s}


def loaded(session: Session, form: FormSpec) -> dict[str, dict[str, str]]:
    """Source → {value: label} for every source the form refers to, every value of it (the
    names of what a case holds, whatever the form offers)."""
    return {source: LOADERS[source](session) for source in sorted(referred(form)) if source in LOADERS}


def choices(session: Session, form: FormSpec) -> dict[str, dict[str, str]]:
    """Source → {value: label} the form offers: without the values its fields leave out
    (``options_exclude``: FormSpec.offered)."""
    return form.offered(loaded(session, form))


def option_sources(session: Session, form: FormSpec) -> dict[str, dict[str, str]]:
    """Source → the values there are, each with its label, for ``FormSpec.validate``, which
    leaves out what each field leaves out and names a value chosen twice by its label."""
    return loaded(session, form)
