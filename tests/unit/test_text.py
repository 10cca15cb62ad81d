"""What a person's text may hold (engine/text.py): tab and line breaks but no other control
character; none of the invisible characters that set a direction (embeddings and overrides
U+202A–U+202E, isolates U+2066–U+2069); the marks and zero-width characters stay text."""

import pytest

from engine.bpmn.documents import visible
from engine.errors import FieldError
from engine.text import control_character, control_characters_in, one_line, zero_width_character


@pytest.mark.parametrize(
    "text",
    [
        *("a\x00b", "a\x01b", "a\x08", "\x0b", "\x0c", "\x0e", "\x1b[31m", "a\x1f"),
        # DEL and the C1 controls: as unprintable, a text decoded in the wrong code page
        *("a\x7fb", "\x80", "王\x85五", "a\x9b31m", "\x9f"),
    ],
)
def test_a_control_character_is_refused(text):
    assert control_character(text) == FieldError("control_character")


@pytest.mark.parametrize("code_point", [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069])
def test_a_direction_character_is_refused(code_point):
    assert control_character(f"evil{chr(code_point)}gnp.txt") == FieldError("direction_character")


@pytest.mark.parametrize(
    "text",
    [
        "第一行\n第二行\r\n\t缩进",
        "来\u200b信",  # zero-width space
        "王\u200c\u200d秀英\u2060\ufeff",  # zero-width non-joiner, joiner, word joiner, BOM
        "a\u200eb\u200fc\u061c",  # left-to-right, right-to-left and Arabic letter marks
        "\u2029\u202f\u2065\u206a",  # around the ranges: paragraph separator, narrow space...
        "~\xa0é",  # around DEL and C1: a tilde, a no-break space, é
        "שלום עולם",
    ],
)
def test_other_text_is_taken(text):
    assert control_character(text) is None


def test_a_control_character_says_so_before_a_direction_character():
    assert control_character("\u202e\x00") == FieldError("control_character")


def test_values_holding_either_are_refused_by_name_with_what_they_hold():
    values = {"a": "ok", "b": ["ok", "x\u2067y"], "c": "x\x07", "d": 3, "e": ["\u200b"]}
    assert control_characters_in(values) == {
        "b": FieldError("direction_character"),
        "c": FieldError("control_character"),
    }


def test_a_title_is_kept_without_zero_width_characters_anywhere_nor_spaces_around():
    assert one_line(" \t2026\u200b-01\u00ad 路灯\u200c不\u200d亮\u2060\ufeff\n") == "2026-01 路灯不亮"
    assert one_line("a\u200eb\u202fc") == "a\u200eb\u202fc"  # a direction mark, a narrow space: not zero-width
    assert one_line("\u200b \u200b") == ""


@pytest.mark.parametrize("code_point", [0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF])
def test_a_number_holding_a_zero_width_character_is_refused(code_point):
    assert zero_width_character(f"2026{chr(code_point)}-01") == FieldError("invisible_character")


def test_a_number_without_one_is_taken():
    assert zero_width_character("2026-建-010 \u200e") is None


# Every code point of the planes text is written in (the BMP and the supplementary one of rare
# characters), for the two uses of engine/text.py's invisible character sets to be compared whole
_CODE_POINTS = range(0x30000)


def test_what_a_problem_escapes_is_what_text_refuses_and_the_direction_marks():
    """engine/bpmn/documents.visible escapes in a problem every character a person's text may
    not hold, and besides them only the direction marks (U+061C, U+200E, U+200F), which free
    text keeps: one set of invisible characters, two uses."""
    escaped = {cp for cp in _CODE_POINTS if visible(chr(cp)) != chr(cp)}
    refused = {cp for cp in _CODE_POINTS if control_character(chr(cp)) is not None}
    marks = {0x061C, 0x200E, 0x200F}
    assert escaped == refused | marks
    assert refused & marks == set()
    assert {cp for cp in refused if control_character(chr(cp)) == FieldError("direction_character")} == {
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    }
    assert [visible(chr(cp)) for cp in sorted(marks)] == ["\\u061c", "\\u200e", "\\u200f"]
    assert visible("a\tb\nc\rd\x7f") == "a\tb\nc\rd\\u007f"  # tabs and line breaks stay, DEL is escaped
