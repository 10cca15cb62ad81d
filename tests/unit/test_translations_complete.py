"""Every Chinese text the pages, the notices and the errors say has its English: the
catalogue extracted from the code (babel.cfg) against web/translations/en."""

from __future__ import annotations

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import REPO_ROOT

# the lazy forms the views use for texts read at import time (figure names, say)
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "_lp": ((1, "c"), 2)}
CATALOGUE = REPO_ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def _method_map() -> list[tuple[str, str]]:
    """babel.cfg's [python: …] / [jinja2: …] sections as (pattern, method)."""
    pairs = []
    for line in (REPO_ROOT / "babel.cfg").read_text().splitlines():
        line = line.strip()
        if line.startswith("[") and ":" in line:
            method, pattern = line[1:-1].split(":", 1)
            pairs.append((pattern.strip(), method.strip()))
    return pairs


def test_every_text_has_its_english():
    with CATALOGUE.open("rb") as f:
        english = read_po(f)
    missing, seen = set(), 0
    for folder in ("web", "engine"):
        for filename, _line, message, _comments, context in extract_from_dir(
            REPO_ROOT / folder, method_map=_method_map(), keywords=KEYWORDS
        ):
            seen += 1
            entry = english.get(message, context=context)
            if entry is None or not entry.string:
                missing.add(f"{folder}/{filename}: {context or ''} {message}")
    assert seen > 500  # the extraction found the texts (templates and code alike)
    assert not missing, "\n".join(sorted(missing))
