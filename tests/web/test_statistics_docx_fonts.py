"""The .docx period report names its East-Asian fonts as a Chinese official document does (the
text in 仿宋, the headings in 黑体), with no theme font over them and Chinese as its East-Asian
language: python-docx's default template names theme fonts and en-US only, so Word fell back
to a font of its own for the Chinese text."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn

from tests.integration.test_statistics import seed
from web import database


def east_asian(style) -> tuple[str | None, str | None]:
    """The style's own East-Asian font and theme font (rFonts eastAsia, eastAsiaTheme)."""
    fonts = style.element.rPr.rFonts
    return fonts.get(qn("w:eastAsia")), fonts.get(qn("w:eastAsiaTheme"))


def test_the_report_names_its_chinese_fonts(app, as_user):
    seed(database.session_factory(app))
    response = as_user("supervisor").get("/statistics/report.docx?from=2027-01-01&to=2027-06-30")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.data))
    assert east_asian(document.styles["Normal"]) == ("仿宋", None)
    assert east_asian(document.styles["Heading 1"]) == ("黑体", None)
    assert east_asian(document.styles["Heading 2"]) == ("黑体", None)
    defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    assert defaults.rFonts.get(qn("w:eastAsia")) == "仿宋" and defaults.rFonts.get(qn("w:eastAsiaTheme")) is None
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    # the text is the report's, in those styles
    assert document.paragraphs[0].style.name == "Heading 1" and "工作统计" in document.paragraphs[0].text
    assert {p.style.name for p in document.paragraphs[1:]} >= {"Heading 2", "Normal"}
