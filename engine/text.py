"""What a person's text may hold: tab and line breaks, no other control character, and none
of the invisible characters that set a direction. PostgreSQL keeps no NUL in text (the save
carrying one fails whole), and none of the other control characters is anything a person
typed: a paste from another program. That holds of DEL (U+007F) and of the C1 controls
(U+0080–U+009F) as of the C0 ones: no keyboard types them, a text decoded in the wrong code
page carries them, and they show as nothing on a page and in a workbook (which takes them:
openpyxl refuses C0 ones only). The direction characters (embeddings and overrides
U+202A–U+202E, isolates U+2066–U+2069) are invisible and turn the text after them around:
evil<U+202E>gnp.txt shows as "eviltxt.png", a name that reads as another kind of file, and
one left unclosed in a comment reorders the rest of its line on every page, notice and mail
that shows it. No office writing Chinese needs them, in a name or in free text, so both
refuse them; the marks a mixed left-to-right and right-to-left text may want (U+200E, U+200F)
and the zero-width characters stay text. Each use case that takes free text asks here (a
form's text fields, a comment, a cancel reason, a hand-over's note, a 督办's opinion, names
(of people, units, API tokens, a process begun from a template), an attached file's name, a
draft), so that every door refuses it as a field error beside what was typed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .errors import FieldError

# The invisible characters, each set defined once as the ranges of a regex character class (in
# the regex's escapes, so that none is in this file itself), composed into the patterns each
# check needs: here, and engine/bpmn/documents.py, which escapes all three sets in a problem.
# C0 (but tab, line feed and carriage return), DEL and C1
CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# the embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069)
DIRECTION_CHARACTERS = r"\u202a-\u202e\u2066-\u2069"
# the marks (Arabic letter mark U+061C, left-to-right U+200E, right-to-left U+200F): they turn
# no text around by themselves and a mixed text may want them, so free text keeps them
DIRECTION_MARKS = r"\u061c\u200e\u200f"

_CONTROL_CHARACTERS = re.compile(f"[{CONTROL_CHARACTERS}]")
_DIRECTION_CHARACTERS = re.compile(f"[{DIRECTION_CHARACTERS}]")


def control_character(text: str) -> FieldError | None:
    """The refusal of ``text`` when it holds a control character (``control_character``) or an
    invisible direction character (``direction_character``)."""
    if _CONTROL_CHARACTERS.search(text):
        return FieldError("control_character")
    if _DIRECTION_CHARACTERS.search(text):
        return FieldError("direction_character")
    return None


def without_control_characters(text: str) -> str:
    """``text`` without the characters ``control_character`` refuses: what a page offers back
    when the text was one the person cannot retype (a file's name, kept in a hidden field)."""
    return _DIRECTION_CHARACTERS.sub("", _CONTROL_CHARACTERS.sub("", text))


def control_characters_in(values: Mapping[str, Any]) -> dict[str, FieldError]:
    """Each of ``values`` (name → a text, or a list) with a text holding a control or direction
    character, refused so: what is stored unchecked (a draft) is still text a database keeps."""
    refused = {}
    for name, value in values.items():
        texts = value if isinstance(value, list) else [value]
        found = [r for text in texts if isinstance(text, str) and (r := control_character(text)) is not None]
        if found:
            refused[name] = found[0]
    return refused


# The zero-width characters (space, non-joiner, joiner, word joiner, the byte order mark) and
# the soft hyphen: invisible, and in the one-line texts that name a case (its title, its 编号)
# they hide nothing but make "2026\u200b-01" another text than the "2026-01" shown, which
# search and every comparison then miss. Free text keeps them as typed (a joiner belongs in
# an emoji, a soft hyphen in a long word).
_ZERO_WIDTH = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")


def one_line(text: str) -> str:
    """``text`` as a case's title is kept: without the zero-width characters and soft hyphens
    anywhere in it (``_ZERO_WIDTH``), nor the spaces, tabs and line breaks around it."""
    return _ZERO_WIDTH.sub("", text).strip()


def zero_width_character(text: str) -> FieldError | None:
    """The refusal of a 编号 holding a zero-width character or a soft hyphen
    (``invisible_character``): a case's number is also what finds it again (a ledger imported
    twice, a message to the case), compared as given; taken without them, the same number given
    again would not be found, so whoever gives one is told instead."""
    return FieldError("invisible_character") if _ZERO_WIDTH.search(text) else None


# A phone number as people write one here: a mobile (11 digits from 13–19) or a landline with
# its area code (0 and 2–3 digits, then 7–8), with spaces, hyphens or brackets between the parts
# ("139 1234 5678", "(0571)88886666"); not a bare 7–8 digit local number, which a date or a
# document number reads as too. Neither begins or ends inside a longer run of digits.
_PHONE_NUMBER = re.compile(
    r"""(?<![0-9])(?:
        1[3-9](?:[ -]?[0-9]){9}                                 # a mobile
        | [(（]?0[0-9]{2,3}[)）]?[ -]?[1-9][0-9]{2,3}[ -]?[0-9]{4}  # area code, then the number
    )(?![0-9])""",
    re.VERBOSE,
)


def phone_number_in(text: str) -> str | None:
    """The first phone number in ``text`` (``_PHONE_NUMBER``), if it holds one, however its
    digits are typed (full-width ones read as the digits they show)."""
    found = _PHONE_NUMBER.search(unicodedata.normalize("NFKC", text))
    return found.group(0) if found else None
