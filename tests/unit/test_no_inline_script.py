"""The Content Security Policy allows scripts from the site's own files only: an inline
handler (onclick=…) or an inline <script> would be silently blocked in the browser (a 打印
link that did nothing was found this way). Data for scripts goes in <script type="application/json">."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT

TEMPLATES = sorted((REPO_ROOT / "web" / "templates").rglob("*.html"))
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT = re.compile(r"<script(?![^>]*(?:\ssrc=|\stype=\"application/json\"))[^>]*>", re.IGNORECASE)


def test_no_template_has_an_inline_handler_or_script():
    found = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(REPO_ROOT)}: {m.group(0)[:80]}" for m in HANDLER.finditer(text)]
        found += [f"{path.relative_to(REPO_ROOT)}: {m.group(0)[:80]}" for m in SCRIPT.finditer(text)]
    assert TEMPLATES and found == []
