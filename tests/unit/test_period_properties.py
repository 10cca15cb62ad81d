"""Two properties about a period: a form field's ``before`` (taken only while a deadline the
case holds has not passed: an extension is asked for before the period ends) and a boundary
timer's ``closes_window`` (the period a task was open for ending is no 督办); both checked at
deploy."""

from datetime import UTC, datetime

import pytest

from engine import clock
from engine.bpmn.documents import load_xml
from engine.bpmn.forms import FormField, FormSpec
from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.serialization import dump_process, load_process
from engine.bpmn.windows import window_timers
from engine.errors import InvalidData
from tests.unit.test_field_errors import with_field
from tests.unit.test_specs import LINEAR, doc, problems

MONTHS = FormField(
    "extension_months", "申请延期（月）", "long", constraints={"min": "1"}, properties={"before": "reply_due"}
)
FORM = FormSpec((MONTHS, FormField("extension_reason", "延期理由", "string")))


@pytest.fixture
def beijing_evening():
    clock.freeze(datetime(2027, 3, 8, 15, 59, tzinfo=UTC))  # 2027-03-08 23:59 in Beijing
    yield
    clock.unfreeze()


def test_the_deadline_a_field_is_before_is_a_variable_the_caller_reads():
    assert FORM.variable_bounds() == {"extension_months": {"before": "reply_due"}}


def test_a_value_is_taken_until_24_00_of_the_last_day(beijing_evening):
    # reply_due 2027-03-09 00:00 Beijing: the last day is 03-08, whose 23:59 it is
    assert FORM.validate({"extension_months": "2"}, bounds={"extension_months": {"before": "2027-03-09"}}) == {
        "extension_months": 2
    }


def test_a_value_given_from_the_day_the_deadline_falls_on_is_refused_with_the_last_day(beijing_evening):
    with pytest.raises(InvalidData) as refused:
        FORM.validate(
            {"extension_months": "2", "extension_reason": "需要时间"},
            bounds={"extension_months": {"before": "2027-03-08"}},
        )
    error = refused.value.codes["extension_months"]
    assert (error.code, error.params) == ("period_ended", {"day": "2027-03-07"})
    assert list(refused.value.codes) == ["extension_months"]


def test_no_deadline_yet_and_no_value_bound_nothing(beijing_evening):
    assert FORM.validate({"extension_months": "1"}) == {"extension_months": 1}
    assert FORM.validate({"extension_reason": "x"}, bounds={"extension_months": {"before": "2027-03-01"}}) == {
        "extension_reason": "x"
    }


def before_field(named: str, *extra: str) -> str:
    return (
        '<camunda:formField id="f" label="字段" type="long"><camunda:properties>'
        f'<camunda:property id="before" value="{named}"/></camunda:properties>'
        f"<camunda:validation>{''.join(extra)}</camunda:validation></camunda:formField>"
    )


def test_before_naming_a_case_variable_deploys():
    [process] = parse_bpmn(with_field(before_field("reply_due")), "x.bpmn")
    assert process.tasks["t"].form.fields[0].before == "reply_due"


@pytest.mark.parametrize(
    "xml_field, element, says",
    [
        (before_field("${reply_due}"), "t", "property 'before' needs the name of the case variable"),
        (before_field("reply_due"), "s", "property 'before' on a start form, where no period runs yet"),
        (before_field("reply_due", '<camunda:constraint name="readonly"/>'), "t", "on a read-only field"),
        (
            before_field("g") + '<camunda:formField id="g" label="期限" type="date"/>',
            "t",
            "property 'before' names 'g', a field of the form",
        ),
    ],
    ids=["expression", "start form", "read-only", "a field"],
)
def test_a_wrong_before_is_refused_at_deploy(xml_field, element, says):
    [problem] = problems(with_field(xml_field, element), "x.bpmn")
    assert problem.element_id == element and says in problem.message and "'f'" in problem.message


def with_timer(cancel: str, marker: str = "true", on: str = "timer") -> str:
    props = (
        '<bpmn:extensionElements><camunda:properties><camunda:property name="closes_window" '
        f'value="{marker}"/></camunda:properties></bpmn:extensionElements>'
    )
    timer = (
        f'<bpmn:boundaryEvent id="b" attachedToRef="t" cancelActivity="{cancel}">{props if on == "timer" else ""}'
        '<bpmn:timerEventDefinition><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>'
        '</bpmn:boundaryEvent><bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="e"/>'
    )
    body = LINEAR + timer
    if on == "task":
        body = body.replace(
            '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>',
            f'<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office">{props}</bpmn:userTask>',
        )
    return doc(body)


def test_an_interrupting_timer_closing_a_window_deploys_and_is_found():
    [parsed] = parse_bpmn(with_timer("true"), "x.bpmn")
    assert parsed.window_timers == frozenset({"b"})
    assert load_process(dump_process(parsed)).window_timers == frozenset({"b"})  # as stored
    [unmarked] = parse_bpmn(with_timer("true", "false"), "x.bpmn")
    assert unmarked.window_timers == frozenset()
    assert window_timers(load_xml(with_timer("true"), "x.bpmn")) == frozenset({"b"})
    assert window_timers(load_xml(with_timer("true", "false"), "x.bpmn")) == frozenset()


@pytest.mark.parametrize(
    "cancel, marker, on, element, says",
    [
        ("false", "true", "timer", "b", "'closes_window' on a non-interrupting timer: the task stays open"),
        ("true", "yes", "timer", "b", "'closes_window' is true or false, got 'yes'"),
        ("true", "true", "task", "t", "'closes_window' belongs on a boundary timer event"),
    ],
    ids=["non-interrupting", "not true or false", "on a task"],
)
def test_closes_window_elsewhere_is_refused_at_deploy(cancel, marker, on, element, says):
    [problem] = problems(with_timer(cancel, marker, on), "x.bpmn")
    assert problem.element_id == element and says in problem.message
