"""Reading a page's query string: tolerant, because people edit URLs by hand."""

from __future__ import annotations

from engine.usecases.results import MAX_PAGE


def page_number(value: str | None) -> int:
    """``?page=``: a number from 1 to MAX_PAGE; anything else is the first page."""
    try:
        return min(max(int(value or 1), 1), MAX_PAGE)
    except ValueError:
        return 1
