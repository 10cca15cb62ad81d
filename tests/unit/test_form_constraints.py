"""What a form takes beyond one field's type: text without the spaces around it, a date bounded
by today with a period, by another field or by a case variable, a field that may not repeat
another's value, and what a later round's form starts with. Expected values worked out by hand
(the clock: Monday 2026-12-07, 09:00 in Beijing)."""

from __future__ import annotations

import pytest

from engine.bpmn.forms import FormField, FormSpec, day_of
from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidData
from tests.unit.test_field_errors import field, refused, with_field


def codes(form: FormSpec, data: dict, bounds: dict | None = None, sources: dict | None = None) -> dict:
    with pytest.raises(InvalidData) as info:
        form.validate(data, sources, bounds)
    return {name: (e.code, e.params) for name, e in info.value.codes.items()}


# -- text is trimmed; spaces only is empty ------------------------------------------------------
TEXT = FormSpec(
    (
        FormField("opinion", "协办意见", "string", constraints={"required": ""}),
        FormField("note", "备注", "string"),
        FormField("units", "协办单位", "string", properties={"multiple": "departments"}),
        FormField("count", "人数", "long"),
    )
)


@pytest.mark.parametrize("blank", ["   ", "\n\t ", "\u3000"])
def test_a_required_field_of_spaces_only_is_refused(blank):
    assert codes(TEXT, {"opinion": blank}) == {"opinion": ("required", {})}


def test_text_is_stored_without_the_spaces_around_it():
    clean = TEXT.validate(
        {"opinion": "  同意主办单位方案 \n", "note": "   ", "units": [" land ", "  "], "count": " 3 "},
        {"departments": {"land"}},
    )
    assert clean == {"opinion": "同意主办单位方案", "note": None, "units": ["land"], "count": 3}


def test_a_letter_keeps_the_indent_of_its_first_paragraph():
    form = FormSpec(
        (FormField("reply_text", "答复内容", "string", constraints={"required": ""}, properties={"multiline": "true"}),)
    )
    typed = "\r\n  \r\n\u3000\u3000经研究，答复如下：\r\n\u3000\u3000一、已列入计划。\r\n \r\n"
    assert form.validate({"reply_text": typed}) == {
        "reply_text": "\u3000\u3000经研究，答复如下：\r\n\u3000\u3000一、已列入计划。"
    }
    assert codes(form, {"reply_text": "\r\n\u3000\u3000 \r\n"}) == {"reply_text": ("required", {})}


def test_maxlength_counts_the_trimmed_text():
    form = FormSpec((FormField("title", "标题", "string", constraints={"maxlength": "3"}),))
    assert form.validate({"title": "  一二三  "}) == {"title": "一二三"}
    assert codes(form, {"title": "一二三四"}) == {"title": ("max_length", {"max": 3})}


# -- a date bounded by today with a period --------------------------------------------------------
RECEIVED = FormField("received_on", "收到日期", "date", constraints={"min": "today-P1Y", "max": "today"})


def test_a_year_before_today_is_the_earliest_day(frozen_clock):
    form = FormSpec((RECEIVED,))
    assert form.validate({"received_on": "2025-12-07"}) == {"received_on": "2025-12-07"}
    for old in ("2025-12-06", "1900-01-01"):
        assert codes(form, {"received_on": old}) == {
            "received_on": ("date_out_of_range", {"min": "2025-12-07", "max": "2026-12-07"})
        }
    assert RECEIVED.date_bounds == {"min": "2025-12-07", "max": "2026-12-07"}  # the date picker's


@pytest.mark.parametrize(
    "config, day",
    [
        ("today-P30D", "2026-11-07"),
        ("today+P2W", "2026-12-21"),
        ("today-P10M", "2026-02-07"),
        ("today+P1Y", "2027-12-07"),
    ],
)
def test_periods_before_and_after_today(frozen_clock, config, day):
    assert FormField("d", "日期", "date", constraints={"min": config}).date_bounds == {"min": day}


def test_a_month_without_the_day_ends_on_its_last_day(frozen_clock):
    from datetime import timedelta

    from engine import clock

    clock.advance(timedelta(days=114))  # 2027-03-31: a month back, February has no 31st
    assert FormField("d", "日期", "date", constraints={"min": "today-P1M"}).date_bounds == {"min": "2027-02-28"}


# -- a date bounded by another field of the form ------------------------------------------------
PERIOD = FormSpec(
    (
        FormField("start_on", "开始日期", "date", constraints={"required": ""}),
        FormField("end_on", "结束日期", "date", constraints={"min": "start_on"}),
        FormField("told_on", "告知日期", "date", constraints={"max": "end_on"}),
    )
)


def test_a_date_before_the_field_it_follows_is_refused_naming_it():
    assert codes(PERIOD, {"start_on": "2026-12-01", "end_on": "2026-11-30"}) == {
        "end_on": ("date_before_field", {"field": "开始日期", "day": "2026-12-01"})
    }
    assert codes(PERIOD, {"start_on": "2026-12-01", "end_on": "2026-12-03", "told_on": "2026-12-04"}) == {
        "told_on": ("date_after_field", {"field": "结束日期", "day": "2026-12-03"})
    }
    same_day = {"start_on": "2026-12-01", "end_on": "2026-12-01", "told_on": "2026-12-01"}
    assert PERIOD.validate(same_day) == same_day


def test_a_bound_from_a_field_left_empty_or_refused_does_not_apply():
    assert PERIOD.validate({"start_on": "2026-12-01", "told_on": "2026-01-01"}) == {
        "start_on": "2026-12-01",
        "told_on": "2026-01-01",
    }
    # the wrong start date is the one refused, not the end date compared with it
    assert codes(PERIOD, {"start_on": "12/01/2026", "end_on": "2026-11-30"}) == {"start_on": ("not_a_date", {})}


# -- a date bounded by a case variable ----------------------------------------------------------
NOTIFY = FormSpec(
    (FormField("notified_on", "告知信访人日期", "date", constraints={"min": "received_on", "max": "today"}),)
)


def test_a_variable_bound_is_read_from_the_case(frozen_clock):
    assert NOTIFY.variable_bounds() == {"notified_on": {"min": "received_on"}}
    bounds = {"notified_on": {"min": "2026-12-01"}}
    assert NOTIFY.validate({"notified_on": "2026-12-01"}, bounds=bounds) == {"notified_on": "2026-12-01"}
    assert codes(NOTIFY, {"notified_on": "2026-11-01"}, bounds) == {
        "notified_on": ("date_out_of_range", {"min": "2026-12-01", "max": "2026-12-07"})
    }
    # a case without the variable (yet): no bound
    assert NOTIFY.validate({"notified_on": "2026-11-01"}) == {"notified_on": "2026-11-01"}
    assert NOTIFY.fields[0].date_bounds == {"max": "2026-12-07"}  # the picker knows today only


def test_a_date_after_today_is_told_the_variable_s_day_as_its_earliest(frozen_clock):
    bounds = {"notified_on": {"min": "2026-12-01"}}
    # the range said is the one applied: from the day received, not from 1900-01-01
    assert codes(NOTIFY, {"notified_on": "2026-12-08"}, bounds) == {
        "notified_on": ("date_out_of_range", {"min": "2026-12-01", "max": "2026-12-07"})
    }
    # a case without the variable: today is the only bound
    assert codes(NOTIFY, {"notified_on": "2026-12-08"}) == {
        "notified_on": ("date_out_of_range", {"min": "1900-01-01", "max": "2026-12-07"})
    }
    upper = FormSpec((FormField("asked_on", "请求日期", "date", constraints={"min": "today-P1Y", "max": "due_on"}),))
    assert codes(upper, {"asked_on": "2025-12-06"}, {"asked_on": {"max": "2026-12-20"}}) == {
        "asked_on": ("date_out_of_range", {"min": "2025-12-07", "max": "2026-12-20"})
    }


def test_a_date_after_today_is_told_the_field_s_day_as_its_earliest(frozen_clock):
    form = FormSpec(
        (
            FormField("received_on", "收到日期", "date"),
            FormField("notified_on", "告知信访人日期", "date", constraints={"min": "received_on", "max": "today"}),
        )
    )
    assert codes(form, {"received_on": "2026-12-03", "notified_on": "2026-12-09"}) == {
        "notified_on": ("date_out_of_range", {"min": "2026-12-03", "max": "2026-12-07"})
    }
    assert codes(form, {"received_on": "", "notified_on": "2026-12-09"}) == {  # no day: no bound
        "notified_on": ("date_out_of_range", {"min": "1900-01-01", "max": "2026-12-07"})
    }
    assert codes(form, {"received_on": "2026-12-03", "notified_on": "2026-12-02"}) == {
        "notified_on": ("date_before_field", {"field": "收到日期", "day": "2026-12-03"})
    }


def test_a_read_only_field_is_the_case_value_with_its_label():
    form = FormSpec(
        (
            FormField("received_on", "收到日期", "date", constraints={"readonly": ""}),
            FormField("notified_on", "告知信访人日期", "date", constraints={"min": "received_on"}),
        )
    )
    assert form.variable_bounds() == {"notified_on": {"min": "received_on"}}
    assert codes(form, {"notified_on": "2026-11-01"}, {"notified_on": {"min": "2026-12-01"}}) == {
        "notified_on": ("date_before_field", {"field": "收到日期", "day": "2026-12-01"})
    }


@pytest.mark.parametrize(
    "value, day",
    [
        ("2026-12-01", "2026-12-01"),
        ("2026-12-01T17:30:00+00:00", "2026-12-02"),  # 01:30 the next day in Beijing
        ("2026-12-01T09:00:00+08:00", "2026-12-01"),
        ("2026-12-01T23:00:00", "2026-12-01"),
        ("soon", None),
        (None, None),
        (20261201, None),
    ],
)
def test_the_day_a_case_value_says(value, day):
    found = day_of(value)
    assert (found.isoformat() if found else None) == day


# -- a field that may not repeat another's value --------------------------------------------------
ASSIGN = FormSpec(
    (
        FormField("lead_unit", "主办单位", "enum", properties={"options_source": "departments"}),
        FormField(
            "cohandling_units",
            "协办单位",
            "string",
            constraints={"distinct_from": "lead_unit"},
            properties={"multiple": "departments"},
        ),
    )
)
UNITS = {"departments": {"finance", "civil_affairs", "land"}}


def test_the_lead_unit_is_refused_among_the_co_handling_units():
    data = {"lead_unit": "civil_affairs", "cohandling_units": ["finance", "civil_affairs"]}
    assert codes(ASSIGN, data, sources=UNITS) == {"cohandling_units": ("repeats_field", {"field": "主办单位"})}
    fine = {"lead_unit": "civil_affairs", "cohandling_units": ["finance", "land"]}
    assert ASSIGN.validate(fine, UNITS) == fine
    assert ASSIGN.validate({"lead_unit": "land", "cohandling_units": []}, UNITS) == {
        "lead_unit": "land",
        "cohandling_units": None,  # none chosen
    }


def test_a_single_value_may_not_repeat_another_either():
    form = FormSpec(
        (
            FormField("first", "初审人", "string"),
            FormField("second", "复审人", "string", constraints={"distinct_from": "first"}),
        )
    )
    assert codes(form, {"first": "张三", "second": " 张三 "}) == {"second": ("repeats_field", {"field": "初审人"})}
    assert form.validate({"first": "张三", "second": "李四"}) == {"first": "张三", "second": "李四"}


# -- what a later round starts with -------------------------------------------------------------
FRESH = {"fresh": "true"}
REPLY = FormSpec(
    (
        FormField("handling_action", "办理操作", "enum", properties=FRESH),
        FormField("reply_signer", "签发领导", "string", properties=FRESH),
        FormField("round", "轮次", "long", default="1", properties=FRESH),
        FormField("reply_due", "答复期限", "string", constraints={"readonly": ""}, properties=FRESH),
        FormField("plan_text", "检查计划", "string"),  # revised when sent back: shown as it was
    )
)


def test_a_fresh_field_answered_in_an_earlier_round_starts_afresh_the_others_as_they_were():
    data = {
        "handling_action": "extend",
        "reply_signer": "张局长",
        "round": 2,
        "reply_due": "2027-05-11",
        "plan_text": "听取汇报",
        "title": "路灯",
    }
    answered = {"handling_action", "reply_signer", "reply_due", "title", "round", "plan_text"}
    assert REPLY.starting_values(data, answered) == {
        "reply_due": "2027-05-11",  # read-only: the form shows the case's value
        "plan_text": "听取汇报",  # not fresh: sent back for revision, it is revised
        "title": "路灯",  # no field of this form
    }
    # a value nobody answered before (a script's, the start form's) still shows
    assert REPLY.starting_values(data, set()) == data


# -- deploy checks what the names name --------------------------------------------------------------
def test_good_named_bounds_deploy():
    good = (
        field("date", ("min", "today-P1Y"), ("max", "today"))
        + field("date", ("min", "f"), ("max", "received_on")).replace('id="f"', 'id="g"')
        + field("string", ("distinct_from", "f")).replace('id="f"', 'id="h"')
    )
    [process] = parse_bpmn(with_field(good), "x.bpmn")
    assert process.tasks["t"].form.variable_bounds() == {"g": {"max": "received_on"}}


@pytest.mark.parametrize(
    "xml_field, element, message",
    [
        (field("date", ("min", "today-1y")), "t", "constraint 'min' needs a date YYYY-MM-DD, today, today-P1Y"),
        (field("date", ("min", "today-P1Y2M")), "t", "constraint 'min' needs a date"),
        (field("date", ("min", "f")), "t", "constraint 'min' names the field itself"),
        (field("date", ("max", "received_on")), "s", "names 'received_on', which is no field of the start form"),
        (
            field("date", ("min", "g")) + field("string").replace('id="f"', 'id="g"'),
            "t",
            "constraint 'min' names the field 'g', which is no date",
        ),
        (field("string", ("distinct_from", "lead")), "t", "'distinct_from' names 'lead', which is no other field"),
        (field("string", ("distinct_from", "f")), "t", "'distinct_from' names 'f', which is no other field"),
        (field("string", ("distinct_from", "a b")), "t", "'distinct_from' needs the id of another field"),
    ],
)
def test_what_a_constraint_names_is_checked_at_deploy(xml_field, element, message):
    assert message in refused(xml_field, element)
