"""The text colours of app.css read at WCAG 1.4.3's 4.5:1 on every ground they stand on (QA-A: the
links at 4.39:1 on the page, the running badge at 3.99, the due-soon badge at 3.9). The ratio is
computed here by WCAG 2's definition from the colours the stylesheet declares, so a change of a
colour variable that drops below the minimum fails here, not at the next accessibility walk."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO_ROOT

CSS = (REPO_ROOT / "web" / "static" / "css" / "app.css").read_text(encoding="utf-8")
MINIMUM = 4.5  # WCAG 2.x 1.4.3, text under 18 pt (the links and badges are 11 to 15 px)

# the grounds a link or a badge in --accent / --warn stands on, as app.css paints them
GROUNDS = {
    "#f5f7fa": "the page (--bg): breadcrumbs, download links, the pager",
    "#ffffff": "a card",
    "#f0f4f8": "a table's header row: the inbox's sort link",
    "#fdecea": "an error flash: 查看 2027 年",
    "#e3f2fd": "an info flash",
    "#e8f5e9": "a success flash",
    "#fff4e5": "a warning flash; the due-soon badge",
    "#e3edfc": "the running badge",
    "#f5f9ff": "an unread notification's row",
}


def luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def variable(name: str) -> str:
    root = re.search(r":root\s*\{(.*?)\}", CSS, re.S)
    assert root, "app.css has no :root block"
    found = re.search(rf"--{name}\s*:\s*(#[0-9a-fA-F]{{6}})\s*;", root.group(1))
    assert found, f"--{name} is not a #rrggbb colour in :root"
    return found.group(1).lower()


def test_the_ratio_is_wcags():
    # the known values: black on white 21:1, a colour on itself 1:1, and the QA walk's measure of
    # the old link colour on the page
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#2f6fde", "#2f6fde") == pytest.approx(1.0)
    assert round(contrast("#2f6fde", "#f5f7fa"), 2) == 4.40
    assert round(contrast("#2f6fde", "#e3edfc"), 2) == 4.00


@pytest.mark.parametrize("name", ["accent", "warn"])
@pytest.mark.parametrize("ground", sorted(GROUNDS))
def test_each_text_colour_reads_on_each_ground(name, ground):
    colour = variable(name)
    ratio = contrast(colour, ground)
    assert ratio >= MINIMUM, f"--{name} {colour} on {ground} ({GROUNDS[ground]}): {ratio:.2f}:1"


def test_a_link_in_a_message_is_underlined():
    # a blue link in red (or green, or amber) text differs from it by colour alone (1.19:1)
    assert re.search(r"\.flash a\s*\{[^}]*text-decoration:\s*underline", CSS)
