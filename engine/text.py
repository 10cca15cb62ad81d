"""What a person's text may hold: tab and line breaks, no other control character, and none
of the invisible characters that set a direction. PostgreSQL keeps no NUL in text (the save
carrying one fails whole), and none of the other control characters is anything a person
typed: a paste from another program. The direction characters (embeddings and overrides
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
from collections.abc import Mapping
from typing import Any

from .errors import FieldError

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DIRECTION_CHARACTERS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def control_character(text: str) -> FieldError | None:
    """The refusal of ``text`` when it holds a control character (``control_character``) or an
    invisible direction character (``direction_character``)."""
    if _CONTROL_CHARACTERS.search(text):
        return FieldError("control_character")
    if _DIRECTION_CHARACTERS.search(text):
        return FieldError("direction_character")
    return None


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
