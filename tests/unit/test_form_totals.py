"""A bound on the sum of several number fields (``max_total``, with the property ``total_of``
naming the fields added up): the votes of an appraisal together no more than the voters
present. Refused on the field carrying it, with the total, the bound and the fields' labels;
deploy refuses a rule that could not work, naming the element and the field."""

from __future__ import annotations

import pytest

from engine.bpmn.forms import FormField, FormSpec
from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidData
from tests.unit.test_field_errors import with_field
from tests.unit.test_specs import problems

VOTES = ("votes_satisfied", "votes_basic", "votes_unsatisfied")
LABELS = "满意票、基本满意票、不满意票"


def appraisal(bound: str, *more: FormField) -> FormSpec:
    """The three counts of votes, the last bounding the three together by ``bound``."""
    return FormSpec(
        (
            FormField("votes_satisfied", "满意票", "long", constraints={"min": "0"}),
            FormField("votes_basic", "基本满意票", "long", constraints={"min": "0"}),
            FormField(
                "votes_unsatisfied",
                "不满意票",
                "long",
                constraints={"min": "0", "max_total": bound},
                properties={"total_of": ",".join(VOTES)},
            ),
            *more,
        )
    )


def codes(form: FormSpec, data: dict, bounds: dict | None = None, labels: dict | None = None) -> dict:
    with pytest.raises(InvalidData) as info:
        form.validate(data, None, bounds, labels)
    return {name: (e.code, e.params) for name, e in info.value.codes.items()}


# -- the bound: a number, another field, a case variable -------------------------------------------
def test_the_counts_together_above_a_number_are_refused_on_the_field_carrying_the_rule():
    form = appraisal("42")
    assert codes(form, {"votes_satisfied": 30, "votes_basic": 20, "votes_unsatisfied": 15}) == {
        "votes_unsatisfied": ("max_total", {"total": 65, "max": 42, "fields": LABELS})
    }
    exactly = {"votes_satisfied": 30, "votes_basic": 10, "votes_unsatisfied": 2}
    assert form.validate(exactly) == exactly
    # a count refused on its own is told first, not the sum it spoils
    assert codes(form, {"votes_satisfied": 60, "votes_basic": "many", "votes_unsatisfied": 15}) == {
        "votes_basic": ("not_a_number", {})
    }


def test_a_count_left_empty_counts_nothing_and_the_rule_still_applies():
    form = appraisal("42")
    assert codes(form, {"votes_satisfied": 30, "votes_basic": 13}) == {
        "votes_unsatisfied": ("max_total", {"total": 43, "max": 42, "fields": LABELS})
    }
    assert form.validate({"votes_satisfied": "", "votes_basic": 42}) == {"votes_satisfied": None, "votes_basic": 42}


def test_the_bound_may_be_another_number_field_of_the_form():
    form = appraisal("voters_present", FormField("voters_present", "到会选民数", "long"))
    assert codes(form, {"voters_present": 40, "votes_satisfied": 30, "votes_basic": 11}) == {
        "votes_unsatisfied": ("max_total_named", {"total": 41, "max": 40, "fields": LABELS, "field": "到会选民数"})
    }
    # the bound field left empty bounds nothing
    assert form.validate({"votes_satisfied": 30, "votes_basic": 11}) == {"votes_satisfied": 30, "votes_basic": 11}
    assert form.total_variables() == {}  # the form's own field: read from what is submitted


def test_a_case_variable_is_read_by_the_caller_and_handed_in_as_a_bound():
    form = appraisal("voters_present")
    assert form.total_variables() == {"votes_unsatisfied": "voters_present"}
    votes = {"votes_satisfied": 30, "votes_basic": 20, "votes_unsatisfied": 15}
    assert codes(form, votes, {"votes_unsatisfied": {"max_total": 42}}) == {
        "votes_unsatisfied": ("max_total", {"total": 65, "max": 42, "fields": LABELS})
    }
    assert form.validate(votes) == votes  # a case without the variable (yet): no bound


def test_a_case_variable_another_form_asked_is_named_by_its_label():
    form = appraisal("voters_present")
    votes = {"votes_satisfied": 30, "votes_basic": 20, "votes_unsatisfied": 15}
    asked = {"voters_present": "到会选民人数", "report_text": "述职报告"}
    assert codes(form, votes, {"votes_unsatisfied": {"max_total": 42}}, asked) == {
        "votes_unsatisfied": ("max_total_named", {"total": 65, "max": 42, "fields": LABELS, "field": "到会选民人数"})
    }
    # a number bounds the counts as it did, whatever the forms ask
    assert codes(appraisal("42"), votes, labels=asked) == {
        "votes_unsatisfied": ("max_total", {"total": 65, "max": 42, "fields": LABELS})
    }


def test_a_read_only_field_is_the_case_value():
    form = appraisal("voters_present", FormField("voters_present", "到会选民数", "long", constraints={"readonly": ""}))
    assert form.total_variables() == {"votes_unsatisfied": "voters_present"}
    assert codes(form, {"votes_satisfied": 50}, {"votes_unsatisfied": {"max_total": 42}}) == {
        "votes_unsatisfied": ("max_total_named", {"total": 50, "max": 42, "fields": LABELS, "field": "到会选民数"})
    }


def test_the_english_text_says_the_sum():
    with pytest.raises(InvalidData) as info:
        appraisal("42").validate({"votes_satisfied": 50})
    assert info.value.field_errors == {"votes_unsatisfied": f"不满意票: {LABELS} add up to 50: at most 42 together"}


# -- deploy ----------------------------------------------------------------------------------------
def number(field_id: str, *constraints: tuple[str, str], total_of: str | None = None, type_: str = "long") -> str:
    validation = "".join(f'<camunda:constraint name="{n}" config="{c}"/>' for n, c in constraints)
    properties = (
        f'<camunda:properties><camunda:property id="total_of" value="{total_of}"/></camunda:properties>'
        if total_of is not None
        else ""
    )
    return (
        f'<camunda:formField id="{field_id}" label="{field_id}" type="{type_}">{properties}'
        f"<camunda:validation>{validation}</camunda:validation></camunda:formField>"
    )


def refusals(xml_fields: str, element: str = "t") -> list[str]:
    found = problems(with_field(xml_fields, element), "x.bpmn")
    assert {p.element_id for p in found} == {element} and all(p.line for p in found)
    return [p.message for p in found]


TWO = number("a") + number("b")


def test_a_good_total_deploys():
    good = TWO + number("c", ("max_total", "42"), total_of="a,b,c") + number("d", ("max_total", "n"), total_of="a")
    [process] = parse_bpmn(with_field(good), "x.bpmn")
    form = process.tasks["t"].form
    assert [form.field(name).total_of for name in "cd"] == [("a", "b", "c"), ("a", "d")]
    assert form.total_variables() == {"d": "n"}


@pytest.mark.parametrize(
    "xml_fields, message",
    [
        (
            TWO + number("c", ("max_total", "${n}"), total_of="a,b"),
            "form field 'c': constraint 'max_total' needs a whole number, or the name of a number field of the form "
            "or of a case variable, as its config, got '${n}'",
        ),
        (
            TWO + number("c", ("max_total", "4.5"), total_of="a,b"),
            "form field 'c': constraint 'max_total' needs a whole number",
        ),
        (
            TWO + number("c", ("max_total", "42"), total_of="a,x"),
            "form field 'c': total_of names 'x', which is no field of the form",
        ),
        (
            TWO + number("s", type_="string") + number("c", ("max_total", "42"), total_of="a,s"),
            "form field 'c': total_of names 's', which is no number (long) field",
        ),
        (
            TWO + number("r", ("readonly", "")) + number("c", ("max_total", "42"), total_of="a,r"),
            "form field 'c': total_of names 'r', a read-only field the form does not take",
        ),
        (
            TWO + number("c", ("max_total", "42")),
            "form field 'c': constraint 'max_total' needs the property 'total_of' naming the fields it adds up",
        ),
        (TWO + number("c", total_of="a,b"), "form field 'c': property 'total_of' names what constraint 'max_total'"),
        (
            TWO + number("c", ("max_total", "b"), total_of="a,b"),
            "form field 'c': constraint 'max_total' names 'b', one of the fields it adds up",
        ),
        (
            TWO + number("s", type_="string") + number("c", ("max_total", "s"), total_of="a,b"),
            "form field 'c': constraint 'max_total' names 's', which is no number (long) field",
        ),
        (
            TWO + number("c", ("max_total", "42"), total_of="a,b", type_="string"),
            "form field 'c': constraint 'max_total' bounds a sum of numbers, and the field is of type 'string'",
        ),
    ],
)
def test_a_total_that_could_not_work_is_refused_at_deploy_naming_the_field(xml_fields, message):
    [said] = refusals(xml_fields)
    assert message in said


def test_a_start_form_total_may_name_only_its_own_fields():
    [said] = refusals(TWO + number("c", ("max_total", "voters_present"), total_of="a,b"), element="s")
    assert "form field 'c': constraint 'max_total' names 'voters_present', which is no field of the start form" in said


# -- the page's hint: what it names ------------------------------------------------------------------
def test_the_hint_names_the_fields_added_up_and_the_bound_by_its_label():
    """A number needs no label; another field of the form and a case variable another form
    asked are named by their labels (the page adds the bound's value where it knows it)."""
    present = FormField("voters_present", "到会选民人数", "long")
    assert appraisal("42").bound_labels({}) == {"votes_unsatisfied": {"total_of": LABELS}}
    assert appraisal("voters_present", present).bound_labels({}) == {
        "votes_unsatisfied": {"total_of": LABELS, "max_total": "到会选民人数"}
    }
    assert appraisal("voters_present").bound_labels({"voters_present": "到会选民人数"}) == {
        "votes_unsatisfied": {"total_of": LABELS, "max_total": "到会选民人数"}
    }
