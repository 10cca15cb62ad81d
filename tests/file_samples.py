"""Small real files of the kinds attachments allow, built here (no sample file kept): what an
office's PDF printer, camera, Word and Excel would hand over, and a program renamed."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from tests.world import xlsx_file

# a Windows program's first bytes ("MZ", then its DOS header): what QA renamed fake.pdf
EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
)

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)

# 答复函：路灯已修复 in GB18030 (as Notepad on a Chinese Windows saves it): not UTF-8
GB18030_TEXT = "答复函：路灯已修复。".encode("gb18030")


def png() -> bytes:
    """A 1×1 white PNG: signature, IHDR, IDAT, IEND, each chunk with its CRC."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8 bits, RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")  # filter byte, one white pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def docx(text: str = "答复函") -> bytes:
    """A minimal Word document: [Content_Types].xml, the package relationship, word/document.xml."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" Type='
            '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
        ),
        "word/document.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
        ),
    }
    return zip_of(parts)


def xlsx() -> bytes:
    """A workbook as openpyxl (as Excel) writes it."""
    return xlsx_file(("答复", [["单位", "答复"], ["财政所", "已修复"]], []))


def zip_of(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()
