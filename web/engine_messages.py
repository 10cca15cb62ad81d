"""The engine's deploy messages in the reader's language: in Chinese by the one table the
modeler's problem list reads too (web/assets/lint/engine-messages-zh.json, bundled into the
modeler by web/assets/lint/messages-zh.js), in the engine's own words otherwise (they are
English). The table is read the first time a message is said, not at import."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from flask_babel import get_locale


@dataclass(frozen=True)
class EngineMessage:
    pattern: re.Pattern[str]  # a whole message, ^ to $
    zh: str  # the Chinese, $1 to $9 the pattern's groups
    ids: tuple[int, ...]  # the groups that are element ids


# $n as the modeler reads it: one digit, a group the pattern lacks says nothing
_PLACEHOLDER = re.compile(r"\$(\d)")


@cache
def engine_messages() -> tuple[EngineMessage, ...]:
    """The table's entries, in its order (the first that matches says a message). ASCII:
    \\w and \\d mean in Python what they mean in the browser's JavaScript."""
    table = resources.files("web") / "assets" / "lint" / "engine-messages-zh.json"
    entries = json.loads(table.read_text(encoding="utf-8"))["messages"]
    return tuple(
        EngineMessage(re.compile(entry["pattern"], re.ASCII), entry["zh"], tuple(entry.get("ids", ())))
        for entry in entries
    )


def in_chinese(message: str, name_of: Callable[[str], str] | None = None) -> str:
    """``message`` in Chinese, or as the engine wrote it when the table does not know it;
    ``name_of(id)``, when given, says the elements the message names by id (by name)."""
    for entry in engine_messages():
        found = entry.pattern.fullmatch(message)
        if found is not None:
            return _filled(entry, [found[0], *found.groups()], name_of)
    return message


def _filled(entry: EngineMessage, groups: Sequence[str | None], name_of: Callable[[str], str] | None) -> str:
    said = list(groups)
    for n in entry.ids:
        element_id = said[n]
        if name_of is not None and element_id:
            said[n] = name_of(element_id)

    def group(placeholder: re.Match[str]) -> str:
        n = int(placeholder[1])
        return (said[n] if n < len(said) else None) or ""

    return _PLACEHOLDER.sub(group, entry.zh)


def in_reader_language(message: str, name_of: Callable[[str], str] | None = None) -> str:
    """``message`` for the reader: in Chinese (``in_chinese``) when the page is Chinese, in the
    engine's own words when it is English."""
    locale = get_locale()
    if locale is not None and locale.language == "zh":
        return in_chinese(message, name_of)
    return message
