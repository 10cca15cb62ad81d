"""Fixtures of the unit tests (no database)."""

from __future__ import annotations

import pytest

from engine.bpmn.runtime import Runtime
from engine.deadlines.calendar import WorkingCalendar
from engine.deadlines.date_functions import make_helpers
from engine.deadlines.settings import resolve


@pytest.fixture
def runtime() -> Runtime:
    """The SpiffWorkflow facade with the default settings and the package's calendar."""
    return Runtime(make_helpers(lambda: WorkingCalendar(), lambda: resolve({})))
