"""A confidential value typed into a text (a letter's first line, a note) is found however it
was typed, and masked whole; what merely resembles it is left alone (confidentiality.Secrets)."""

from __future__ import annotations

import pytest

from engine.usecases.confidentiality import MASK, Secrets, title_carries


@pytest.mark.parametrize(
    "value, text, shown",
    [
        ("陈小红", "我叫陈小红，住松坡村7组。", "我叫******，住松坡村7组。"),
        ("陈小红", "同一信访人陈 小红", "同一信访人******"),  # a space
        ("陈小红", "信访人陈\u3000小红来访", "信访人******来访"),  # a full-width space
        ("陈小红", "陈·小红", "******"),  # a middle dot
        ("13812345678", "电话138-1234-5678。", "电话******。"),
        ("13812345678", "电话138 1234 5678", "电话******"),
        ("13812345678", "电话138.1234.5678", "电话******"),
        ("13812345678", "电话138 - 1234 - 5678", "电话******"),  # three separators at a place
        ("13812345678", "电话１３８１２３４５６７８", "电话******"),  # full-width digits
        ("138-1234-5678", "电话13812345678", "电话******"),  # the value typed with separators
        ("43052419900307281X", "身份证号43052419900307281x", "身份证号******"),  # x in either case
        ("0745-2345678", "座机2345678，请回电", "座机******，请回电"),  # a phone inside the value
        ("青山镇新街社区12栋3单元1502室", "住青山镇新街社区12栋3单元1502室", "住******"),
        ("周玉梅", "周玉梅、周玉梅的丈夫", "******、******的丈夫"),  # every time it is written
    ],
)
def test_a_value_is_found_however_it_was_typed(value, text, shown):
    assert Secrets.of([value]).redacted(text) == shown


@pytest.mark.parametrize(
    "value, text",
    [
        ("李", "李庄村李家湾"),  # one character: in every text that uses it
        ("123456", "2025年补助123456元"),  # six digits alone: a sum, a date, not a phone
        ("王五", "王。五月"),  # a full stop is no separator
        ("陈小红", "陈    小红"),  # four spaces: no longer one name
        ("Li", "Lily and Liam"),  # a Latin name inside a longer word
        ("不详", "来访人姓名不详，情况不详"),  # what the office types for no name is no one's
        ("", "没有信访人姓名"),
        (None, "没有信访人姓名"),
        (True, "True"),  # a yes/no is no text
    ],
)
def test_what_merely_resembles_a_value_is_left_alone(value, text):
    secrets = Secrets.of([value])
    assert secrets.redacted(text) == text and not secrets.found_in(text)


def test_the_longer_value_is_masked_whole_and_texts_inside_data_too():
    secrets = Secrets.of(["13812345678", "陈小红", ["陈大明", None]])
    assert secrets.redacted("陈小红的邻居陈大明") == f"{MASK}的邻居{MASK}"
    assert secrets.redacted({"comment": "电话13812345678", "n": 3, "to": ["陈小红"], "data": {"x": "陈 大明"}}) == {
        "comment": f"电话{MASK}",
        "n": 3,
        "to": [MASK],
        "data": {"x": MASK},
    }
    assert Secrets().redacted("陈小红") == "陈小红"  # nothing to look for: as it is


# Invisible characters (Unicode's format characters, Cf) in a pasted text read on screen as the
# value itself: found wherever they stand, in any number, and masked with the value they are in.
@pytest.mark.parametrize(
    "value, text, shown",
    [
        ("王秀英", "来信人王\u200b秀英反映", "来信人******反映"),  # a zero-width space
        ("王秀英", "王\u00ad秀英", "******"),  # a soft hyphen
        ("王秀英", "王\u200c秀\u200d英", "******"),  # zero-width non-joiner and joiner
        ("王秀英", "王\u2060\ufeff\u200b\u200b秀英", "******"),  # several at one place
        ("王秀英", "王\u200e秀\u202a英\u202c", "******\u202c"),  # direction marks (one after it stays)
        ("13812345678", "电话138\u200b1234\u200b5678", "电话******"),
        # invisible ones do not count toward the three separators a place allows
        ("13812345678", "电话138 \u200b-\u200b\u200b 1234\u2060-5678", "电话******"),
        ("13812345678", "电话\u200b１３８\u200b１２３４\u200b５６７８", "电话\u200b******"),  # full-width too
        ("13812345678", "电话①③⑧１２３４５６７８", "电话******"),  # circled digits: the same once normalized
        ("王\u200b秀英", "来信人王秀英", "来信人******"),  # the value itself typed with one
        ("138\u200b1234\u200b5678", "电话13812345678", "电话******"),
        ("138\u200b1234\u200b5678", "座机未填", "座机未填"),
    ],
)
def test_a_value_is_found_with_invisible_characters_anywhere_in_it(value, text, shown):
    assert Secrets.of([value]).redacted(text) == shown
    assert Secrets.of([value]).found_in(text) == (shown != text)


def test_invisible_characters_do_not_make_four_separators_three():
    assert Secrets.of(["陈小红"]).redacted("陈 \u200b   小红") == "陈 \u200b   小红"  # four spaces still
    assert Secrets.of(["王\u200b"]).texts == frozenset()  # one character once the invisible one is gone


def test_a_title_carrying_a_value_with_an_invisible_character_in_it_carries_it():
    assert title_carries(["张三丰"], "张\u200b三丰反映低保问题")
    assert title_carries(["13900001111"], "来电139\u00ad0000\u200b1111")
    assert not title_carries(["张三丰"], "张\u200b三反映低保问题")


# A Latin name with an accent may be typed composed (é, NFC) or decomposed (e and U+0301, NFD:
# a Mac's paste, some web forms): either way it is the same name, found and masked whole, mark
# and all; a name it merely begins (Jose in José) is another name, left whole too.
@pytest.mark.parametrize(
    "value, text, shown",
    [
        ("José Li", "来信人Jose\u0301 Li反映", "来信人******反映"),  # stored composed, typed decomposed
        ("Jose\u0301 Li", "来信人José Li反映", "来信人******反映"),  # stored decomposed, typed composed
        ("Jose\u0301 Li", "来信人Jose\u0301 Li反映", "来信人******反映"),
        ("ZOË LI", "zoe\u0308 li, zoë li", "******, ******"),  # either case, both forms
        ("Renée", "Rene\u0301e.", "******."),  # the mark inside the name
        ("Jose Li", "来信人Jose\u0301 Li反映", "来信人Jose\u0301 Li反映"),  # José Li is not Jose Li
        ("Wang Jose", "Wang Jose\u0301", "Wang Jose\u0301"),  # nor is the mask left with an accent on it
        ("李娜", "李娜\U000e0100来信", "******\U000e0100来信"),  # a variation selector is no combining mark
    ],
)
def test_a_name_is_found_composed_or_decomposed_and_masked_with_its_marks(value, text, shown):
    assert Secrets.of([value]).redacted(text) == shown
    assert Secrets.of([value]).found_in(text) == (shown != text)
