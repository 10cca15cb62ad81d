"""A table as a download: Excel (.xlsx, written with openpyxl: bold frozen header row,
columns wide enough for their longest value) or CSV (UTF-8 with a byte-order mark, so that
Excel on Chinese Windows opens it as UTF-8). What goes into the table is the caller's: the
use cases behind it have applied the access policy and the confidentiality rules.

A moment (an aware ``datetime``) is written in the reader's time zone, as the pages show it:
in a workbook as a real date-and-time cell (``yyyy-mm-dd hh:mm``) that Excel sorts and
filters, a ``date`` as a date cell (``yyyy-mm-dd``), and a deadline (``Deadline``) that ends
at 24:00 of its last day as that day's date cell ("by the end of that day"), one with another
time as a date-and-time cell. In a CSV (text) they read as on the pages: "2026-12-22 09:00",
"2026-12-22", a deadline "2026-12-22 24:00"."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import quote

from flask import Response
from flask_babel import get_timezone
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMATS = ("xlsx", "csv")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# sent as the whole Content-Type: given as a mimetype, a text/ type gets Werkzeug's own
# "; charset=utf-8" added after the one it already names
CSV_TYPE = "text/csv; charset=utf-8"
MAX_WIDTH = 60  # characters: a long text wraps in the cell rather than making a wall-wide column
DATE_FORMAT = "yyyy-mm-dd"  # Excel's number formats: what the pages show
MOMENT_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Deadline:
    """A due date as a cell: a period ends at 24:00 of its last day, stored as 00:00 of the
    next (engine.deadlines.legal); written as that last day (see the module's docstring)."""

    at: datetime | None


def download(
    name: str,
    fmt: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    sheet: str = "",
    about: Sequence[tuple[str, Any]] = (),
) -> Response:
    """``name`` without extension (Chinese is fine: sent RFC 5987-encoded). ``about``: what
    the table is (its period, when it was made), as (what, value) rows of a second sheet 说明
    of a workbook; a CSV holds the table alone, its first row the header."""
    # the reader's zone, looked up once (not once per date: 10,000 rows hold 20,000 of them)
    zone = get_timezone()
    if fmt == "csv":
        body, content_type = _csv(headers, [[_text(v, zone) for v in row] for row in rows]), CSV_TYPE
    else:
        table = [[_typed(v, zone) for v in row] for row in rows]
        notes = [(what, _typed(value, zone)) for what, value in about]
        body, content_type = _xlsx(headers, table, sheet or name, notes), XLSX_TYPE
    response = Response(body, content_type=content_type)
    filename = f"{name}.{fmt}"
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _local(value: datetime, zone: tzinfo) -> datetime:
    """A moment as the reader's wall clock, without a zone (a workbook has none)."""
    return value.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _deadline(value: datetime, zone: tzinfo) -> date | datetime:
    """The day a deadline at 24:00 ends (a date), else its moment (the reader's wall clock)."""
    local = _local(value, zone)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return (local - timedelta(days=1)).date()
    return local


def _typed(value: Any, zone: tzinfo) -> Any:
    """What a workbook cell holds: numbers stay numbers, moments and days are dates; the rest text."""
    if isinstance(value, Deadline):
        return _deadline(value.at, zone) if value.at is not None else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        return _local(value, zone)
    if isinstance(value, date):
        return value
    return str(value)


def _text(value: Any, zone: tzinfo) -> Any:
    """What a CSV field says: a cell's value, its moments and days written as the pages write them."""
    typed = _typed(value, zone)
    if isinstance(typed, datetime):
        return typed.strftime("%Y-%m-%d %H:%M")
    if isinstance(typed, date):
        return typed.isoformat() + (" 24:00" if isinstance(value, Deadline) else "")
    return typed


def _csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def display_width(text: str) -> int:
    """The columns ``text`` takes in a sheet or a terminal: two for a Chinese character."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _width(value: Any) -> int:
    """Display width: a Chinese character takes two columns; a day or a moment as formatted."""
    if isinstance(value, datetime):
        return len("2026-12-22 09:00")
    if isinstance(value, date):
        return len("2026-12-22")
    return display_width(str(value))


def _xlsx(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str, about: Sequence[tuple[str, Any]] = ()
) -> bytes:
    """A write-only workbook (streamed, about a third faster than a full one): the column
    widths are worked out first, as such a sheet must know them before its rows."""
    widths = [_width(h) for h in headers]
    for row in rows:
        for index, value in enumerate(row):
            if index < len(widths):
                widths[index] = max(widths[index], _width(value))
            else:
                widths.append(_width(value))
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31] or "Sheet1")  # Excel's limit on a sheet's name
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append(_with_formats(sheet, row))
    if about:
        _about_sheet(book, about)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_formats(sheet: Any, row: Sequence[Any]) -> list[Any]:
    """A row with its days and moments as cells of their number format (the sheet takes a
    fresh cell for the value after a styled one)."""
    return [_dated(sheet, v) if isinstance(v, date) else v for v in row]


def _dated(sheet: Any, value: date) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = MOMENT_FORMAT if isinstance(value, datetime) else DATE_FORMAT
    return cell


def _about_sheet(book: Workbook, about: Sequence[tuple[str, Any]]) -> None:
    """The sheet 说明 after the table's: each (what, value) a row, what in bold."""
    sheet = book.create_sheet(_("说明")[:31])
    sheet.column_dimensions["A"].width = min(max(_width(what) for what, _value in about) + 2, MAX_WIDTH)
    sheet.column_dimensions["B"].width = min(max(_width(value) for _what, value in about) + 2, MAX_WIDTH)
    bold = Font(bold=True)
    for what, value in about:
        label = WriteOnlyCell(sheet, value=what)
        label.font = bold
        sheet.append([label, *_with_formats(sheet, [value])])
