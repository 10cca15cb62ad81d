"""What an attached file's content must look like for the extension it claims: a file is
served with the content type of its extension, so a program renamed ``报告.pdf`` must not
pass as a PDF. Each allowed extension has its check here, by the file's signature (its
first bytes) or, for the formats that are ZIP archives (Office Open XML, OpenDocument, OFD),
by the parts the archive must hold. No library on the lock file tells .docx from .xlsx
or knows OFD and WPS, so the few signatures are kept in this table."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable

PDF = b"%PDF-"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of old Office (.doc, .xls) and WPS
ZIP = b"PK\x03\x04"
EMPTY_ZIP = b"PK\x05\x06"
SPANNED_ZIP = b"PK\x07\x08"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def _starts_with(*signatures: bytes) -> Callable[[bytes], bool]:
    return lambda content: content.startswith(signatures)


def _zip_names(content: bytes) -> list[str] | None:
    """The names in a ZIP archive; None when ``content`` is no readable archive."""
    if not content.startswith(ZIP):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def _ooxml(main_folder: str) -> Callable[[bytes], bool]:
    """Office Open XML: a ZIP holding ``[Content_Types].xml`` and its main part's folder
    (``word/`` for .docx, ``xl/`` for .xlsx), so that a workbook renamed .docx is no document."""

    def check(content: bytes) -> bool:
        names = _zip_names(content)
        return names is not None and "[Content_Types].xml" in names and any(n.startswith(main_folder) for n in names)

    return check


def _ofd(content: bytes) -> bool:
    """OFD (GB/T 33190): a ZIP whose entry file ``OFD.xml`` lies at its root."""
    names = _zip_names(content)
    return names is not None and any(n.lower() == "ofd.xml" for n in names)


def _odt(content: bytes) -> bool:
    """OpenDocument text: a ZIP whose ``mimetype`` entry names the OpenDocument text type."""
    if not content.startswith(ZIP):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open("mimetype") as entry:
            return entry.read(len(ODT_MIMETYPE)) == ODT_MIMETYPE
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError, zlib.error):
        # no readable archive, no such entry, or one that cannot be read (encrypted, an unknown compression)
        return False


def _plain_text(content: bytes) -> bool:
    """Text a reader's editor opens: UTF-8 (with or without its BOM) or GB18030, and no NUL
    (which no text has; UTF-16 is refused with it, as a program's bytes are)."""
    if b"\x00" in content:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


# extension: whether ``content`` is such a file. One row for each extension attachments allow
# (a test holds the two lists together).
CONTENT_CHECKS: dict[str, Callable[[bytes], bool]] = {
    ".pdf": _starts_with(PDF),
    ".doc": _starts_with(OLE2),
    ".xls": _starts_with(OLE2),
    ".wps": _starts_with(OLE2),
    ".docx": _ooxml("word/"),
    ".xlsx": _ooxml("xl/"),
    ".ofd": _ofd,
    ".odt": _odt,
    ".txt": _plain_text,
    ".jpg": _starts_with(JPEG),
    ".jpeg": _starts_with(JPEG),
    ".png": _starts_with(PNG),
    ".zip": _starts_with(ZIP, EMPTY_ZIP, SPANNED_ZIP),
}


def content_matches(suffix: str, content: bytes) -> bool:
    """Whether ``content`` is a file of the kind its extension ``suffix`` (``.pdf``) claims;
    False for an extension without a check."""
    check = CONTENT_CHECKS.get(suffix)
    return check is not None and check(content)
