"""A table as a download: Excel (.xlsx, written with openpyxl: bold frozen header row,
columns wide enough for their longest value) or CSV (UTF-8 with a byte-order mark, so that
Excel on Chinese Windows opens it as UTF-8). What goes into the table is the caller's: the
use cases behind it have applied the access policy and the confidentiality rules.

A moment (an aware ``datetime``) is written in the reader's time zone, as the pages show it:
in a workbook as a real date-and-time cell (``yyyy-mm-dd hh:mm``) that Excel sorts and
filters, a ``date`` as a date cell (``yyyy-mm-dd``), and a deadline (``Deadline``) that ends
at 24:00 of its last day as that day's date cell ("by the end of that day"), one with another
time as a date-and-time cell. In a CSV (text) they read as on the pages: "2026-12-22 09:00",
"2026-12-22", a deadline "2026-12-22 24:00".

Text is written as text, never as something a spreadsheet runs (OWASP's "CSV injection"): a
case title "=HYPERLINK(...)" typed by anyone who may start a case would otherwise be a live
formula in every reader's Excel. In a workbook a text cell is a string cell, whatever it starts
with (and a character no worksheet holds is written as U+FFFD, ``spreadsheets.sheet_text``); in
a CSV, which has no cell types, a field that starts with = + - @, a tab or a carriage return
gets a ' before it, which Excel and WPS read as "text". Numbers and dates stay typed."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from flask import Response
from flask_babel import get_timezone
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from engine.usecases.spreadsheets import sheet_text

FORMATS = ("xlsx", "csv")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# sent as the whole Content-Type: given as a mimetype, a text/ type gets Werkzeug's own
# "; charset=utf-8" added after the one it already names
CSV_TYPE = "text/csv; charset=utf-8"
MAX_WIDTH = 60  # characters: a long text wraps in the cell rather than making a wall-wide column
DATE_FORMAT = "yyyy-mm-dd"  # Excel's number formats: what the pages show
MOMENT_FORMAT = "yyyy-mm-dd hh:mm"
# what makes Excel or WPS read a CSV field as a formula (OWASP, "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# a sheet's name: at most 31 characters (UTF-16 units), none of these (openpyxl refuses them:
# ValueError), written as their full-width forms, which read the same in a Chinese title
SHEET_NAME_MAX = 31
_SHEET_NAME_CHARACTERS = str.maketrans("/\\?*[]:", "／＼？＊［］：")


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
    """What a CSV field says: a cell's value, its moments and days written as the pages write
    them, a text that a spreadsheet would run as a formula with a ' before it (``_inert``)."""
    typed = _typed(value, zone)
    if isinstance(typed, datetime):
        return typed.strftime("%Y-%m-%d %H:%M")
    if isinstance(typed, date):
        return typed.isoformat() + (" 24:00" if isinstance(value, Deadline) else "")
    return _inert(typed) if isinstance(typed, str) else typed


def _inert(text: str) -> str:
    """A CSV field Excel and WPS read as text: one starting as a formula does (= + - @, a tab
    or a carriage return) gets a ' before it, which they show as the text after it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_inert(h) for h in headers])
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
    sheet = book.create_sheet(sheet_name(title))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in headers:
        cell = _string(sheet, text)
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


def sheet_name(title: str) -> str:
    """``title`` as a sheet's name, which Excel limits: no / \\ ? * [ ] : (their full-width
    forms instead), no ' at either end, at most 31 characters, never empty; a character no
    worksheet holds as U+FFFD (``sheet_text``). A case history's sheet is named after its
    case: "2026/2027年度[预算]:建议?" is an ordinary title."""
    name = sheet_text(title.translate(_SHEET_NAME_CHARACTERS))
    while len(name.encode("utf-16-le")) > 2 * SHEET_NAME_MAX:  # a character beyond U+FFFF counts two
        name = name[:-1]
    name = name.strip("'")
    # "History" is a name Excel keeps for itself
    return name + "_" if name.lower() == "history" else name or "Sheet1"


def _with_formats(sheet: Any, row: Sequence[Any]) -> list[Any]:
    """A row with its days and moments as cells of their number format (the sheet takes a
    fresh cell for the value after a styled one), its texts as string cells (``_string``)."""
    return [_dated(sheet, v) if isinstance(v, date) else _string(sheet, v) if isinstance(v, str) else v for v in row]


def _string(sheet: Any, text: str) -> WriteOnlyCell:
    """A text's cell: a string whatever it starts with, never a formula ("=...", which openpyxl
    would write as one and Excel would run) nor an error value ("#N/A"); a character no
    worksheet holds written as U+FFFD."""
    cell = WriteOnlyCell(sheet, value=sheet_text(text))
    cell.data_type = "s"
    return cell


def _dated(sheet: Any, value: date) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = MOMENT_FORMAT if isinstance(value, datetime) else DATE_FORMAT
    return cell


def _about_sheet(book: Workbook, about: Sequence[tuple[str, Any]]) -> None:
    """The sheet 说明 after the table's: each (what, value) a row, what in bold."""
    sheet = book.create_sheet(sheet_name(_("说明")))
    sheet.column_dimensions["A"].width = min(max(_width(what) for what, _value in about) + 2, MAX_WIDTH)
    sheet.column_dimensions["B"].width = min(max(_width(value) for _what, value in about) + 2, MAX_WIDTH)
    bold = Font(bold=True)
    for what, value in about:
        label = _string(sheet, what)
        label.font = bold
        sheet.append([label, *_with_formats(sheet, [value])])


def attachment_names(attachment_id: int, filename: str) -> dict[str, str]:
    """An attached file's name as Content-Disposition gives it (its page's download and the
    API's): ``filename*`` the real one (RFC 5987, UTF-8); ``filename`` its ASCII letters for
    clients that read no other, as Werkzeug makes it, unless nothing but the extension is left
    (名名名.txt → .txt, a dotfile; 报告.pdf → .pdf): then ``attachment-<id>.<ext>``, a name still
    telling the file and its kind."""
    simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    if simple == filename:
        return {"filename": filename}
    suffix = PurePosixPath(filename).suffix.encode("ascii", "ignore").decode("ascii")
    if not simple.removesuffix(suffix).strip(" .-_"):
        simple = f"attachment-{attachment_id}{suffix}"
    return {"filename": simple, "filename*": "UTF-8''" + quote(filename, safe="!#$&+-.^_`|~")}
