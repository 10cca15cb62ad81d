"""统计 in English: every figure of the table is named and defined in English, none left in Chinese.
The data set is tests/integration/test_statistics.py's."""

from __future__ import annotations

import re

from tests.integration.test_statistics import seed
from tests.web.conftest import text_of
from web import database

QUERY = "process=proposal&from=2027-01-01&to=2027-06-30"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def figure_rows(html: str) -> dict[str, str]:
    table = html.split('id="figures"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<tr data-figure="([^"]+)">(.*?)</tr>', table))


def test_the_figures_are_named_and_defined_in_english(app, as_user):
    seed(database.session_factory(app))
    client = as_user("supervisor")
    client.get("/lang/en")
    html = text_of(client.get(f"/statistics/?{QUERY}"))
    assert '<html lang="en">' in html and "Statistics" in html
    rows = figure_rows(html)
    assert "Replied (reply rate)" in rows["replied"] and "77.3%" in rows["replied"]
    first_reply = "Number answered in writing, counted by the first written reply; reply rate = replied ÷ assigned"
    assert first_reply in rows["replied"]
    assert "cancelled cases are not counted" in rows["replied"]
    assert "Replied on time (on-time reply rate)" in rows["replied_on_time"]
    assert "Satisfaction rate (first evaluation)" in rows["satisfied_first"]
    assert "Class A (resolution rate)" in rows["class_a"]
    assert "resolution rate = class A ÷ replied" in rows["class_a"]
    names = {key: re.search(r'<th scope="row">(.*?)</th>', row).group(1).strip() for key, row in rows.items()}
    assert len(names) > 10
    assert not {key: name for key, name in names.items() if CJK.search(name)}
    definitions = {key: re.findall(r'<td class="hint">(.*?)</td>', row)[-1] for key, row in rows.items()}
    assert not {key: text for key, text in definitions.items() if CJK.search(text)}
