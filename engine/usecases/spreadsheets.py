"""Spreadsheets people bring: an .xlsx (openpyxl) or a .csv in UTF-8, with or without a
BOM, or GB18030 (what Excel on Chinese Windows writes), read into rows of text under their
headers, each with the row number Excel shows; and the .xlsx templates handed out for them.

A workbook is read from the worksheet that has the header (an office often puts a sheet of
notes, 填表说明, first; the templates put their lists and notes after it), and says which it
read. Its merged cells in the rows under the header are reported, not read: Excel keeps a
merged range's value in its first cell only, so the rows below it would silently read empty.

A workbook brought is measured before it is opened: an .xlsx is a zip, and 1 MB of it may
unpack to 1 GB of XML (a "zip bomb"), which openpyxl would read into memory; one that would
unpack to more than ``MAX_UNPACKED_BYTES`` is refused unread.

What the templates and exports write is text, as typed: a cell never holds a formula (a case
title "=HYPERLINK(...)" stays those characters, read back the same), and a character no
worksheet can hold (a control character stored before texts were checked) is written as
U+FFFD rather than failing the whole file (``sheet_text``), as is DEL or a C1 control, which one
would hold but show as nothing. A date column's cells (``Column.is_date``) are dates, shown
yyyy-mm-dd (``put_date``): Excel sorts, filters and counts them as dates, and a date typed
beside them is one too; read back, a date cell is its day as text, as a typed one is.

No database here: what the rows mean is the importer's (``onboarding``)."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from xml.etree.ElementTree import iterparse

from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import FieldError, InvalidData

MAX_BYTES = 5 * 1024 * 1024
# what a workbook's parts may unpack to, together: the largest real import is far below it (a
# 5 MB file of 5,000 ledger rows of varied Chinese text unpacks to about 20 MB; even 5,000 rows
# repeating one 2,000-character text, 0.7 MB packed, to 94 MB), a zip bomb far above
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 5000
HEADER_SEARCH = 10  # a title row or two above the header (a merged 标题 cell) is common
# Control characters no text file has (tab, line ends, form feed, a DOS end-of-file Ctrl-Z
# and ESC aside): a file holding one may be an image, a PDF, a Word file..., not a .csv; or a
# .csv with one in a cell (pasted from elsewhere), which the importer names by row and column.
# ``_looks_binary`` tells them apart.
_BINARY = re.compile(rb"[\x00-\x08\x0e-\x19\x1c-\x1f]")
# NULs beyond this many, and beyond 1 in 100 bytes, are binary whatever decodes: an uncompressed
# image's headers and pixels, UTF-16 without its BOM (every other byte); a NUL or two in a cell is not
_FEW_NULS = 8
_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # text still, in an encoding not read here
# what a broken workbook raises, opened or read (its parts are unpacked as they are read): not a
# workbook (KeyError: a part missing), a part's checksum wrong (BadZipFile), its compressed data
# broken (zlib.error), a compression zipfile has no method for (NotImplementedError), its XML
# broken (SyntaxError), ...
_BROKEN = (
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    ValueError,
    OSError,
    TypeError,
    IndexError,
    SyntaxError,
    EOFError,
    NotImplementedError,
    zlib.error,
)
# What no worksheet holds: the control characters openpyxl refuses (its ILLEGAL_CHARACTERS_RE:
# IllegalCharacterError) and the code points XML has no place for (lxml: ValueError). And what
# one shows as nothing: DEL and the C1 controls (U+007F–U+009F), which openpyxl writes as they
# are but no text may hold either (engine/text.py), so that one stored before is seen too.
_NOT_IN_A_SHEET = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Row:
    number: int  # as Excel numbers it (the header's own row counted)
    values: dict[str, str]  # header → the cell as text, stripped ("" when empty)


@dataclass(frozen=True)
class SheetChoice:
    """Which worksheet of a workbook was read (a .csv has none)."""

    name: str
    searched: tuple[str, ...]  # every worksheet, in the workbook's order
    # ``name`` holds every required header; else no worksheet did, and ``name`` is the one
    # nearest to it (the most headers), whose missing columns the importer reports
    has_header: bool
    also: tuple[str, ...] = ()  # later worksheets with the header too: not read


@dataclass(frozen=True)
class MergedCells:
    """A merged range reaching into the rows under the header (Excel's A1 notation)."""

    sheet: str
    cells: str  # e.g. "D2:D3"
    row: int  # the first row under the header it covers
    column: str  # the header of its first column that has one


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[Row]
    choice: SheetChoice | None = None  # None: a .csv
    merged: list[MergedCells] = field(default_factory=list)


def _refuse(error: FieldError) -> InvalidData:
    return InvalidData({"file": error}, "the file cannot be read")


def _text(value: Any) -> str:
    """A cell as the text a person typed: 13800001111 stays a number's digits (Excel keeps
    phone numbers as numbers, 1.38e10 when floats), a date as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def header_key(text: str) -> str:
    """A header as written, without spaces and the marks templates put on required columns."""
    return "".join(text.split()).strip("*＊")


def _looks_binary(content: bytes) -> bool:
    """Whether ``content``, which is no workbook, is no text either: holding control characters
    (``_BINARY``) and either many NULs or bytes that are neither UTF-8 nor GB18030 (compressed
    data, as a PNG's or a PDF's, is neither within its first few hundred bytes). A text with a
    control character in a cell is text: read, its cell is refused by row and column."""
    if _BINARY.search(content) is None:
        return False
    nuls = content.count(b"\x00")
    if nuls > _FEW_NULS and nuls * 100 > len(content):
        return True
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return False
    return True


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="strict")
    for encoding in ("utf-8", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(FieldError("file_encoding"))


def _csv_rows(content: bytes) -> Iterable[list[Any]]:
    try:
        text = _decode(content)
    except UnicodeDecodeError:
        raise _refuse(FieldError("file_encoding")) from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise _refuse(FieldError("file_unreadable")) from None


# An OLE compound file (Microsoft's older container): an Excel 97-2003 .xls, or an .xlsx saved
# with a password to open it, which Excel encrypts into such a container (its streams
# EncryptionInfo and EncryptedPackage) whatever the file's name says. Neither is read here:
# each is said as what it is, with what to do, rather than as "not a spreadsheet".
_COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # a stream's name in the container's directory
_XLS_WORKBOOK = "Workbook".encode("utf-16-le")  # the stream of an Excel 97-2003 workbook


def _compound_file_refused(filename: str, content: bytes) -> InvalidData:
    """What an OLE compound file brought as a spreadsheet is: a workbook with a password, an
    old .xls, or neither (a Word .doc): unreadable."""
    name = filename[:200]
    if _ENCRYPTED_PACKAGE in content:
        return _refuse(FieldError("encrypted_workbook", {"file": name}))
    if _XLS_WORKBOOK in content:
        return _refuse(FieldError("old_excel_workbook", {"file": name}))
    return _unreadable(filename)


def _unreadable(filename: str) -> InvalidData:
    return _refuse(FieldError("unreadable_file", {"file": filename[:200]}))


@dataclass(frozen=True)
class _Found:
    """A worksheet's header as found: the line it is on (an index of ``lines``) and the
    expected headers it holds."""

    lines: list[list[str]]
    start: int
    headers: frozenset[str]


def _header_of(lines: list[list[str]], wanted: frozenset[str]) -> _Found:
    """The first line among the first few that holds one of the ``wanted`` headers (a title
    row or two may stand above it); none: the first line."""
    for i, line in enumerate(lines[:HEADER_SEARCH]):
        found = wanted & {header_key(v) for v in line}
        if found:
            return _Found(lines, i, frozenset(found))
    return _Found(lines, 0, frozenset())


def _lines(rows: Iterable[Sequence[Any]]) -> list[list[str]]:
    return [[_text(v) for v in line] for line in rows]


def _refuse_a_zip_bomb(filename: str, content: bytes) -> None:
    """Refuse a workbook whose parts would unpack to more than ``MAX_UNPACKED_BYTES``, told by
    the zip's central directory alone, before anything is unpacked. The sizes it declares are
    the most there is to read: Python's zipfile stops a part at its declared size (and
    refuses it then, its checksum wrong)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except _BROKEN:
        raise _unreadable(filename) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _refuse(
            FieldError("file_unpacked_too_large", {"file": filename[:200], "max_mb": MAX_UNPACKED_BYTES // 1024**2})
        )


def _xlsx_sheet(
    filename: str, content: bytes, wanted: frozenset[str], required: frozenset[str]
) -> tuple[_Found, SheetChoice, list[tuple[int, int, int, int]]]:
    """The worksheet to read: the first whose header holds every ``required`` header; else
    the one whose header holds the most of the ``wanted`` ones (the first, when none does).
    Its lines, which it is, and its merged ranges (min col, min row, max col, max row)."""
    _refuse_a_zip_bomb(filename, content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except _BROKEN:
        raise _unreadable(filename) from None
    try:
        sheets = list(book.worksheets)
        if not sheets:
            raise _unreadable(filename)
        heads = [
            _header_of(_lines(sheet.iter_rows(values_only=True, max_row=HEADER_SEARCH)), wanted) for sheet in sheets
        ]
        complete = [i for i, head in enumerate(heads) if head.headers and required <= head.headers]
        index = complete[0] if complete else max(range(len(sheets)), key=lambda i: (len(heads[i].headers), -i))
        sheet = sheets[index]
        choice = SheetChoice(
            sheet.title,
            tuple(s.title for s in sheets),
            bool(complete),
            tuple(sheets[i].title for i in complete[1:]),
        )
        lines = _lines(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + HEADER_SEARCH + 1))
        return _header_of(lines, wanted), choice, _merged_ranges(sheet)
    except _BROKEN:
        raise _unreadable(filename) from None
    finally:
        book.close()


def _merged_ranges(sheet: Any) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a worksheet opened read-only. openpyxl reads them only when it
    loads every cell into memory (what read-only mode is there to avoid: a file of 5 MB may
    hold far more cells than it lets through), so they are read here from the worksheet's
    own XML (its ``mergeCell`` elements, after the rows), through the read-only sheet's
    source: the same file and parser that read its rows."""
    ranges = []
    with sheet._get_source() as source:
        for _event, element in iterparse(source):
            if element.tag.rpartition("}")[2] == "mergeCell":
                ranges.append(range_boundaries(element.get("ref", "")))
            element.clear()
    return ranges


def _merged_below(
    found: _Found, headers: list[str], sheet: str, ranges: list[tuple[int, int, int, int]]
) -> list[MergedCells]:
    """The merged ranges that reach into the rows under the header, in a column that has a
    header, and hold a value (in their first cell: a merged range of empty cells hides
    nothing). Those at or above the header are harmless: a title merged across the columns,
    a header cell merged across two (the second column then has no header, which the
    importer's check for missing columns reports where it matters)."""
    header_row = found.start + 1  # as Excel numbers it
    merged = []
    for min_col, min_row, max_col, max_row in sorted(ranges, key=lambda r: (r[1], r[0])):
        if max_row <= header_row:
            continue
        headed = [c for c in range(min_col, max_col + 1) if c <= len(headers) and headers[c - 1]]
        line = found.lines[min_row - 1] if min_row <= len(found.lines) else []
        if not headed or min_col > len(line) or not line[min_col - 1]:
            continue
        cells = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
        merged.append(MergedCells(sheet, cells, max(min_row, header_row + 1), headers[headed[0] - 1]))
    return merged


def read(filename: str, content: bytes, expected: Sequence[str], required: Sequence[str] = ()) -> Sheet:
    """The rows of ``content`` (an .xlsx or a .csv, told by its bytes, the name only breaking a
    tie) under the first row among the first few that holds one of the ``expected`` headers;
    of a workbook, on the worksheet that has them (``_xlsx_sheet``: every ``required`` one),
    with the merged ranges under its header. Fully empty rows are skipped. Refused
    (InvalidData on ``file``): too large, unreadable (naming the file: not a workbook, or not
    text at all, as an image is), neither UTF-8 nor GB18030, too many rows, no rows under a
    header found, or a workbook that would unpack to more than ``MAX_UNPACKED_BYTES``; a
    workbook with a password to open it, or an Excel 97-2003 .xls, is said as such
    (``_compound_file_refused``)."""
    if len(content) > MAX_BYTES:
        raise _refuse(FieldError("file_too_large", {"max_mb": MAX_BYTES // (1024 * 1024)}))
    if not content.strip():
        raise _refuse(FieldError("file_empty"))
    is_xlsx = content.startswith(b"PK\x03\x04")
    if content.startswith(_COMPOUND_FILE):
        raise _compound_file_refused(filename, content)
    if not is_xlsx and filename.lower().endswith((".xlsx", ".xls", ".xlsm")):
        raise _unreadable(filename)  # an old .xls, or not a workbook at all
    if not is_xlsx and not content.startswith(_UTF16) and _looks_binary(content):
        raise _unreadable(filename)  # a photo of the list, a PDF: read as text, it would lack every column
    wanted = frozenset(header_key(h) for h in expected)
    choice: SheetChoice | None = None
    ranges: list[tuple[int, int, int, int]] = []
    if is_xlsx:
        found, choice, ranges = _xlsx_sheet(filename, content, wanted, frozenset(header_key(h) for h in required))
    else:
        found = _header_of(_lines(_csv_rows(content)), wanted)
    lines, start = found.lines, found.start
    headers = [header_key(v) for v in lines[start]] if lines else []
    rows = []
    for offset, line in enumerate(lines[start + 1 :], start=start + 2):
        if not any(line):
            continue
        rows.append(Row(offset, {h: (line[i] if i < len(line) else "") for i, h in enumerate(headers) if h}))
        if len(rows) > MAX_ROWS:
            raise _refuse(FieldError("too_many_rows", {"max": MAX_ROWS}))
    if not rows and found.headers:  # (no header at all: the importer says which columns are missing)
        raise _refuse(FieldError("no_rows"))
    merged = _merged_below(found, headers, choice.name, ranges) if choice else []
    return Sheet([h for h in headers if h], rows, choice, merged)


# -- templates ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    header: str
    width: int
    required: bool = False
    example: str = ""
    choices: Sequence[str] = ()  # a drop-down of these (the list sheet)
    hint: str = ""  # the drop-down's prompt
    # its cells are dates (the example, YYYY-MM-DD, and an export's days): written as date cells
    is_date: bool = False


DATE_FORMAT = "yyyy-mm-dd"  # how a date cell shows its day (and the import reads a typed one)
CellValue = str | date | None  # a cell an export writes: text as typed, or a day (a date cell)


# -- the notes sheet (说明) in the reader's language ------------------------------------------
# A template's notes are written in Chinese; a page hands its own pgettext for them in its
# reader's language, the Chinese texts being the message ids of the web's catalogues under the
# context "spreadsheet note" ("必填" the label of a note is not "必填" a field's error; each call
# writes it out, as the extraction reads only a written context). The headers, the example row
# and the drop-downs stay as the import reads them, whatever the language.


class InContext(Protocol):
    def __call__(self, context: str, text: str, /, **values: Any) -> str: ...


def as_written(context: str, text: str, /, **values: Any) -> str:
    """The message id itself: the notes are written in Chinese."""
    return text % values if values else text


def notes_title(pgettext: InContext = as_written) -> str:
    """The notes sheet's name."""
    return pgettext("spreadsheet note", "说明")


def column_note(
    columns: Sequence[Column], names: Mapping[str, str] | None, pgettext: InContext = as_written
) -> dict[str, str]:
    """The notes' line naming each column in the reader's language (``names``: header → its
    name, "Code (代码)"), for whoever reads another language than the headers'; none where
    no name differs from its header (Chinese)."""
    said = [names.get(c.header, c.header) for c in columns] if names else []
    if not said or all(name == c.header for name, c in zip(said, columns, strict=True)):
        return {}
    return {pgettext("spreadsheet note", "各列"): "; ".join(said)}


def template(
    title: str,
    columns: Sequence[Column],
    notes: Mapping[str, str] | None = None,
    rows: Sequence[Sequence[CellValue]] | None = None,
    notes_sheet: str = "说明",
) -> bytes:
    """An .xlsx to fill in: the headers (required ones bold and marked *), an example row (or,
    given ``rows``, those rows: an export in the template's shape, read back by ``read``),
    the header frozen, and a drop-down for each column with choices. The choices live on a
    second sheet: an inline list is limited to 255 characters, a unit list is longer. A date
    column's example, and a day in ``rows``, is a date cell (``put_date``). ``notes`` go on a
    sheet of their own, named ``notes_sheet`` (in the notes' language: ``notes_title``)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    lists = book.create_sheet("选项")
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        cell = put_text(sheet, 1, i, f"{col.header}*" if col.required else col.header)
        cell.font = bold
        if col.required:
            cell.fill = fill
        if rows is None and col.is_date and col.example:
            put_date(sheet, 2, i, date.fromisoformat(col.example))
        elif rows is None:
            put_text(sheet, 2, i, col.example)
        sheet.column_dimensions[letter].width = col.width
        if col.choices:
            put_text(lists, 1, i, col.header).font = bold
            for j, choice in enumerate(col.choices, start=2):
                put_text(lists, j, i, choice)
            source = f"{quote_sheetname(lists.title)}!${letter}$2:${letter}${len(col.choices) + 1}"
            # a roles cell may list several (、): a warning, not a stop, on anything else
            rule = DataValidation(type="list", formula1=source, allow_blank=True, errorStyle="warning")
            rule.prompt, rule.showInputMessage = col.hint or col.header, True
            sheet.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    for r, values in enumerate(rows or (), start=2):
        for i, value in enumerate(values, start=1):
            if isinstance(value, date):
                put_date(sheet, r, i, value)
                continue
            # text, as typed: a phone number or a code stays as it is (Excel would make 0571... a
            # number), a "=..." is no formula (put_text); read back by ``read`` unchanged
            put_text(sheet, r, i, value).number_format = "@"
    sheet.freeze_panes = "A2"
    if notes:
        about = book.create_sheet(notes_sheet)
        about.column_dimensions["B"].width = 90
        for row, (label, text) in enumerate(notes.items(), start=1):
            put_text(about, row, 1, label).font = bold
            put_text(about, row, 2, text)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_text(text: str) -> str:
    """``text`` as a worksheet can hold it: each character none can (a control character, see
    ``_NOT_IN_A_SHEET``) as U+FFFD, which says something was there, instead of failing the file."""
    return _NOT_IN_A_SHEET.sub("\ufffd", text)


def put_date(sheet: Worksheet, row: int, column: int, day: date) -> Cell:
    """Write ``day`` into a cell as a date (no time of day), shown yyyy-mm-dd whatever the
    reader's locale; ``read`` gives it back as that text."""
    cell = sheet.cell(row=row, column=column)
    cell.value = day.date() if isinstance(day, datetime) else day
    cell.number_format = DATE_FORMAT
    return cell


def put_text(sheet: Worksheet, row: int, column: int, text: str | None) -> Cell:
    """Write ``text`` into a cell as a string, whatever it starts with: openpyxl would make
    "=..." a formula (which Excel runs: a title "=HYPERLINK(...)" sending the row's cells
    away) and "#N/A" an error. None or "": the cell stays empty."""
    cell = sheet.cell(row=row, column=column)
    if text:
        cell.value = sheet_text(text)
        cell.data_type = "s"
    return cell
