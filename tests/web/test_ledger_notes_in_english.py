"""What a ledger's import writes into a field the ledger has no column for (a 交办意见, a
co-handling view: "（按台账导入）") is the product's words, not a person's: said in the reader's
language where it is shown (``ledger_rows.note_said``), any other value as it was written."""

from __future__ import annotations

from flask_babel import force_locale, pgettext

from engine.usecases.ledger_rows import IMPORTED_NOTE, UNDATED_VIEW_NOTE, note_said
from tests.web.test_ledger_history import case as case  # a proposal replayed from a ledger's row
from tests.web.test_ledger_history import entries


def test_the_import_notes_are_said_in_the_readers_language(app):
    with app.test_request_context():
        with force_locale("en"):
            assert note_said(IMPORTED_NOTE, pgettext) == "(imported from the ledger)"
            assert note_said(UNDATED_VIEW_NOTE, pgettext).startswith("(imported from the ledger; the ledger has no")
            # what a person wrote, even the same words in other brackets, stays as written
            assert note_said("按台账导入", pgettext) == "按台账导入"
            assert note_said("已修缮", pgettext) == "已修缮"
        with force_locale("zh_CN"):
            assert note_said(IMPORTED_NOTE, pgettext) == "（按台账导入）"
            assert note_said(UNDATED_VIEW_NOTE, pgettext) == UNDATED_VIEW_NOTE


# said where every value shown passes through (web/i18n.py when_text: the case page's facts and its history)
def test_the_case_page_says_the_import_note_in_english(as_user, case):
    admin = as_user("admin")
    admin.get("/lang/en")
    english = entries(admin.get(f"/cases/{case}"))
    assert english[1].endswith("交办意见: (imported from the ledger)")
    assert "（按台账导入" not in " ".join(english)
