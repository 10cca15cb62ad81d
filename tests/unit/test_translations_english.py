"""The English catalogue reads as English: a plural is ngettext's ("1 task", "2 tasks"), never
"task(s)"; no full-width punctuation is left in an English text (a Chinese word only where the
reader sees or types it in Chinese: a spreadsheet's column, a date written the Chinese way, the
ledger's （只读） mark); a Chinese text with two English meanings is told apart by its context;
and each congress word has one English term (督办: supervision notice; 办结: completed)."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from tests.conftest import REPO_ROOT

CATALOGUE = REPO_ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
FULL_WIDTH = re.compile(r"[：，（）、。「」；！？【】〔〕]")
# what an English text quotes as it is written in Chinese: the ledger's mark of a read-only column,
# and such a column's header named beside its English (the export's "Status, read-only (状态（只读）)")
KEPT = ("“（只读）”", "（只读）)")


def english() -> list[tuple[str | None, str, str]]:
    """(context, msgid, each English form) of every entry."""
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    entries = []
    for message in catalogue:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        entries += [(message.context, msgid, form) for form in forms if form]
    return entries


def test_no_plural_is_written_with_an_s_in_brackets():
    assert [(msgid, text) for _ctx, msgid, text in english() if "(s)" in text] == []


def test_no_full_width_punctuation_is_left_in_an_english_text():
    left = []
    for _ctx, msgid, text in english():
        for kept in KEPT:
            text = text.replace(kept, "")
        if FULL_WIDTH.search(text):
            left.append((msgid, text))
    assert left == []


@pytest.mark.parametrize(
    "context, msgid, meant",
    [
        (None, "发起", "Start"),  # the button, the menu and the page
        ("started", "发起", "Started"),  # the case page: who started it and when
        ("offering", "发起", "New cases"),  # the process list: offered for new cases, or stopped
        (None, "操作", "Actions"),  # the column of a row's buttons
        ("entry", "操作", "Action"),  # the audit log's and the history's column: what was done
        (None, "类别", "Category"),  # a proposal's category (the board's filter)
        ("message", "类别", "Type"),  # a message's kind
        (None, "类型", "Type"),
        (None, "内容", "Details"),
        ("message", "内容", "Message"),
        (None, "草稿", "Draft"),  # "Draft #3"
        ("list", "草稿", "Drafts"),
        (None, "督办", "Supervision notice"),
        ("list", "督办", "Supervision notices"),
        ("audit", "督办", "Issued a supervision notice"),
    ],
)
def test_a_text_with_two_meanings_says_each_by_its_context(context, msgid, meant):
    found = [text for ctx, mid, text in english() if (ctx, mid) == (context, msgid)]
    assert found == [meant]


# what the English once said where the rest of the catalogue says the term
OUTLIERS = {
    "督办": "supervision notice",  # a column's name aside, no congress word is left in Chinese
    "Supervision:": "Supervision notice:",
    "under supervision": "a supervision notice",
    "Issued a notice": "Issued a supervision notice",
    "the case is closed": "the case is completed",
    "Current steps": "Current tasks",
    "Kind": "Category or Type",
}


def test_each_congress_word_has_one_english_term():
    found = [(outlier, text) for _ctx, _msgid, text in english() for outlier in OUTLIERS if outlier in text]
    assert found == []
