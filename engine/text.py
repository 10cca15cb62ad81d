"""What a person's text may hold: tab and line breaks, no other control character. PostgreSQL
keeps no NUL in text (the save carrying one fails whole), and none of the others is anything a
person typed: a paste from another program. Each use case that takes free text asks here (a
form's text fields, a comment, a cancel reason, a hand-over's note, a 督办's opinion, names,
a draft), so that every door refuses it as a field error beside what was typed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import FieldError

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def control_character(text: str) -> FieldError | None:
    """The refusal of ``text`` when it holds a control character (``control_character``)."""
    return FieldError("control_character") if _CONTROL_CHARACTERS.search(text) else None


def control_characters_in(values: Mapping[str, Any]) -> dict[str, FieldError]:
    """Each of ``values`` (name → a text, or a list) with a text holding a control character,
    refused so: what is stored unchecked (a draft) is still text a database keeps."""
    refused = {}
    for name, value in values.items():
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and control_character(text) is not None for text in texts):
            refused[name] = FieldError("control_character")
    return refused
