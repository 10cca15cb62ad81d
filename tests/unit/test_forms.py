"""Completing a task validates the submitted data against the BPMN form."""

import pytest

from engine.bpmn.forms import FormField, FormSpec, Option
from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidBpmn, InvalidData

FORM = FormSpec(
    (
        FormField("title", "标题", "string", constraints={"required": "", "maxlength": "10"}),
        FormField("pages", "页数", "long", constraints={"min": "1", "max": "99"}),
        FormField("urgent", "紧急", "boolean"),
        FormField("due", "期限", "date"),
        FormField("reply_class", "答复类别", "enum", options=(Option("A", "已解决"), Option("B", "正在解决"))),
        FormField("lead_unit", "主办单位", "enum", properties={"options_source": "departments"}),
        FormField("cohandlers", "协办单位", "string", properties={"multiple": "departments"}),
        FormField("round", "轮次", "long", default="1"),
        FormField("computed", "计算值", "string", constraints={"readonly": ""}),
    )
)
SOURCES = {"departments": {"finance", "land"}}


def test_converts_values_to_their_types():
    clean = FORM.validate(
        {
            "title": "路灯",
            "pages": "3",
            "urgent": "on",
            "due": "2026-12-31",
            "reply_class": "A",
            "lead_unit": "finance",
            "cohandlers": "land, finance",
        },
        SOURCES,
    )
    assert clean == {
        "title": "路灯",
        "pages": 3,
        "urgent": True,
        "due": "2026-12-31",
        "reply_class": "A",
        "lead_unit": "finance",
        "cohandlers": ["land", "finance"],
        "round": 1,
    }


def test_every_wrong_field_gets_its_own_message():
    with pytest.raises(InvalidData) as info:
        FORM.validate(
            {
                "pages": "x",
                "urgent": "maybe",
                "due": "31/12/2026",
                "reply_class": "Z",
                "lead_unit": "nowhere",
                "cohandlers": ["land", "mars"],
                "bogus": 1,
            },
            SOURCES,
        )
    errors = info.value.field_errors
    assert set(errors) == {"title", "pages", "urgent", "due", "reply_class", "lead_unit", "cohandlers", "bogus"}
    assert "required" in errors["title"]
    assert "whole number" in errors["pages"]
    assert "not one of the allowed values" in errors["reply_class"]
    assert "mars" in errors["cohandlers"]
    assert "unknown field" in errors["bogus"]


def test_length_and_range_constraints():
    with pytest.raises(InvalidData) as info:
        FORM.validate({"title": "一二三四五六七八九十十一", "pages": 100})
    assert "at most 10" in info.value.field_errors["title"]
    assert "at most 99" in info.value.field_errors["pages"]


def test_a_whole_number_without_bounds_fits_an_integer_column():
    """The statistics copy numbers into integer columns: 99999999999999999999 failed the save."""
    with pytest.raises(InvalidData) as info:
        FORM.validate({"title": "x", "round": "99999999999999999999"})
    assert info.value.codes["round"].code == "max" and info.value.codes["round"].params == {"max": 2147483647}
    with pytest.raises(InvalidData) as info:
        FORM.validate({"title": "x", "round": -2147483649})
    assert info.value.codes["round"].params == {"min": -2147483648}
    assert FORM.validate({"title": "x", "round": "2147483647"})["round"] == 2147483647
    with pytest.raises(InvalidData) as info:  # a field's own bound, where narrower, is the one said
        FORM.validate({"title": "x", "pages": "99999999999999999999"})
    assert info.value.codes["pages"].params == {"max": 99}


def test_readonly_fields_are_not_taken_from_the_user():
    assert "computed" not in FORM.validate({"title": "x", "computed": "hacked"})


def test_a_boolean_is_not_a_number():
    with pytest.raises(InvalidData):
        FORM.validate({"title": "x", "pages": True})


def test_round_trip_through_dict():
    assert FormSpec.from_dict(FORM.to_dict()) == FORM


CAMUNDA_DATE_FORM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:userTask id="t" camunda:candidateGroups="office">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="meeting_day" label="会议日期" type="date" defaultValue="{default}" />
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize(
    "written, kept",
    [("10/01/2013", "2013-01-10"), ("2027-03-05", "2027-03-05"), ("today", "today")],
    ids=["camunda_dd_mm_yyyy", "iso", "today"],
)
def test_a_date_default_written_as_camunda_writes_it_is_read_as_the_day_it_names(written, kept):
    [process] = parse_bpmn(CAMUNDA_DATE_FORM.format(default=written), "form.bpmn")
    [field] = process.tasks["t"].form.fields
    assert field.default == kept


@pytest.mark.parametrize("written", ["31/02/2027", "2027-13-01", "next monday"])
def test_a_date_default_that_is_no_day_is_refused_at_deploy(written):
    with pytest.raises(InvalidBpmn) as refused:
        parse_bpmn(CAMUNDA_DATE_FORM.format(default=written), "form.bpmn")
    assert [str(p) for p in refused.value.problems] == [
        f"form.bpmn:7 [t]: form field 'meeting_day': defaultValue {written!r} is not a date "
        "(YYYY-MM-DD, dd/MM/yyyy, or today)"
    ]
