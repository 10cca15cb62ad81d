"""A field taking its values from a run-time list may leave codes of it out (the property
``options_exclude``: the congress's own 镇人大办 and 人大主席团 are no unit it inspects): not
offered, and refused when submitted all the same; deploy refuses the property on a field
without a list."""

from __future__ import annotations

import pytest

from engine.bpmn.forms import FormField, FormSpec
from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidData
from tests.unit.test_field_errors import with_field
from tests.unit.test_specs import problems

UNITS = {"office": "镇人大办", "presidium": "人大主席团", "finance": "财政所", "land": "国土所"}
INSPECTED = FormField(
    "units", "被检查单位", "string", properties={"multiple": "departments", "options_exclude": "office,presidium"}
)
LEAD = FormField(
    "lead_unit",
    "主办单位",
    "enum",
    properties={"options_source": "departments", "options_exclude": " presidium , office "},
)
SOURCES = {"departments": set(UNITS)}


def codes(form: FormSpec, data: dict, sources: dict | None = None) -> dict:
    with pytest.raises(InvalidData) as info:
        form.validate(data, sources)
    return {name: (e.code, e.params) for name, e in info.value.codes.items()}


def test_the_codes_are_read_as_written_without_spaces():
    assert INSPECTED.options_excluded == ("office", "presidium")
    assert LEAD.options_excluded == ("presidium", "office")
    assert FormField("units", "单位", "string", properties={"multiple": "departments"}).options_excluded == ()


@pytest.mark.parametrize("sources", [SOURCES, None])  # None: refused even without the list at hand
def test_a_code_left_out_is_refused_as_not_among_the_options(sources):
    assert codes(FormSpec((INSPECTED,)), {"units": ["finance", "office", "presidium"]}, sources) == {
        "units": ("not_allowed_value", {"value": "office, presidium"})
    }
    assert codes(FormSpec((LEAD,)), {"lead_unit": "office"}, sources) == {
        "lead_unit": ("not_allowed_value", {"value": "office"})
    }
    taken = {"units": ["finance", "land"], "lead_unit": "land"}
    assert FormSpec((INSPECTED, LEAD)).validate(taken, sources) == taken


def test_the_form_offers_what_every_field_of_a_list_leaves_out_left_out():
    assert FormSpec((INSPECTED,)).offered({"departments": UNITS}) == {
        "departments": {"finance": "财政所", "land": "国土所"}
    }
    # another field of the same list offers the congress office: the list keeps it, the
    # inspected units' own choices leave it out (FormField.options_excluded, the page's select)
    only_presidium = FormField(
        "cohandling_units", "协办单位", "string", properties={"multiple": "departments", "options_exclude": "presidium"}
    )
    assert FormSpec((INSPECTED, only_presidium)).offered({"departments": UNITS}) == {
        "departments": {"office": "镇人大办", "finance": "财政所", "land": "国土所"}
    }
    plain = FormField("units", "单位", "string", properties={"multiple": "departments"})
    assert FormSpec((plain,)).offered({"departments": UNITS}) == {"departments": UNITS}


# -- deploy ----------------------------------------------------------------------------------------
def with_property(type_: str, properties: dict[str, str]) -> str:
    written = "".join(f'<camunda:property id="{k}" value="{v}"/>' for k, v in properties.items())
    return (
        f'<camunda:formField id="f" label="字段" type="{type_}">'
        f"<camunda:properties>{written}</camunda:properties>"
        '<camunda:value id="a" name="甲"/></camunda:formField>'
    )


@pytest.mark.parametrize(
    "type_, properties, message",
    [
        (
            "enum",
            {"options_exclude": "a"},
            "form field 'f': options_exclude leaves codes out of an options source, "
            "and the field has none (property options_source or multiple)",
        ),
        (
            "string",
            {"options_exclude": "office"},
            "form field 'f': options_exclude leaves codes out of an options source",
        ),
        (
            "string",
            {"multiple": "departments", "options_exclude": " , "},
            "form field 'f': options_exclude names no code",
        ),
    ],
)
def test_leaving_out_what_is_not_there_is_refused_at_deploy_naming_the_field(type_, properties, message):
    [problem] = problems(with_field(with_property(type_, properties)), "x.bpmn")
    assert problem.element_id == "t" and problem.line
    assert message in problem.message


def test_leaving_out_codes_of_a_list_deploys():
    xml = with_property("string", {"multiple": "departments", "options_exclude": "office,presidium"})
    [process] = parse_bpmn(with_field(xml), "x.bpmn")
    assert process.tasks["t"].form.fields[0].options_excluded == ("office", "presidium")
