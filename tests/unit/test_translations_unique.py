"""The English catalogue says each text once: a second entry for the same text (and
context) would silently win or lose depending on the tool compiling it."""

from __future__ import annotations

import re
from collections import Counter

from tests.conftest import REPO_ROOT

CATALOGUE = REPO_ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_no_text_is_entered_twice():
    entries = re.findall(r'(?:^msgctxt "(.*)"\n)?^msgid "(.*)"$', CATALOGUE.read_text(), re.M)
    assert len(entries) > 500
    assert [e for e, n in Counter(entries).items() if n > 1] == []
