"""A form field naming its readers (``<camunda:property id="readers" value="office"/>``): the
access policy's rule on its own (``engine.access.may_read_field``), what a reader who may not
read it sees (``confidentiality.withheld``), and what deploy refuses, naming the element and
the field. The rule at work on a case: tests/processes/test_department_evaluation_rounds.py,
and through the pages, the API and the command line: tests/access/test_score_readers.py."""

from __future__ import annotations

import pytest

from engine import access
from engine.bpmn.forms import FormField
from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidBpmn
from engine.usecases.confidentiality import WITHHELD, fillable, withheld


def person(*roles: str, groups: tuple[str, ...] = (), name: str = "x") -> access.Actor:
    """Groups as a stored user has them: roles, the unit's code and name."""
    return access.Actor(name, frozenset(roles), frozenset(roles) | frozenset(groups))


OFFICE = ("office", "镇人大办")
FINANCE = ("finance", "财政所")


@pytest.mark.parametrize(
    "reader, may",
    [
        (person("officer", groups=OFFICE), True),  # the congress office, which tallies the scores
        (person("supervisor", groups=OFFICE), True),  # whoever sits in the office
        (person("admin", groups=OFFICE), True),
        (person("officer", groups=FINANCE), False),  # the evaluated unit
        (person("deputy", name="li"), False),  # another deputy
        (person("admin"), False),  # no permission reads it: not an administrator's,
        (person("officer", "office_head", groups=FINANCE), False),  # not confidential.read,
        (person("chair", groups=("presidium",)), False),  # not case.view_all with the working data
        (person(), False),
    ],
)
def test_a_field_naming_readers_is_read_by_its_groups_members(reader, may):
    assert access.may_read_field(reader, frozenset({"office"}), author="wang") is may


def test_whoever_entered_the_value_reads_it():
    wang = person("deputy", name="wang")
    assert access.may_read_field(wang, {"office"}, author="wang")
    assert not access.may_read_field(wang, {"office"}, author="li")
    assert not access.may_read_field(wang, {"office"})  # nobody known entered it: the groups alone


def test_any_of_several_groups_reads_and_a_field_naming_none_is_everyones():
    chair = person("chair", groups=("presidium",))
    assert access.may_read_field(chair, {"office", "presidium"})
    assert access.may_read_field(chair, frozenset())
    assert access.may_read_field(person(), ())


def test_a_withheld_value_tells_nothing_not_even_that_it_is_empty():
    entry = {"rating": "满意", "score": 90, "score_comment": None, "evaluated_unit": "finance"}
    assert withheld(entry, {"rating", "score", "score_comment"}) == {
        "rating": "***",
        "score": "***",
        "score_comment": "***",
        "evaluated_unit": "finance",
    }
    assert withheld({"result": {"score": 55, "unit": "land"}}, {"score"}) == {
        "result": {"score": "***", "unit": "land"}
    }
    assert withheld(entry, ()) == entry and withheld(None, {"score"}) is None


def test_a_form_never_starts_at_the_withheld_marker():
    """Submitted as it stands, it would overwrite the answer with the marker: the field starts empty."""
    assert WITHHELD == "***"
    assert fillable({"score": "***", "rating": "满意", "score_comment": None}) == {
        "rating": "满意",
        "score_comment": None,
    }


def test_the_property_lists_group_codes():
    assert FormField("score", "得分", "long", properties={"readers": " office, presidium ,"}).readers == {
        "office",
        "presidium",
    }
    assert FormField("score", "得分", "long").readers == frozenset()


HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">\n'
)


def field(field_id: str, *properties: tuple[str, str]) -> str:
    props = "".join(f'<camunda:property id="{name}" value="{value}"/>' for name, value in properties)
    return (
        f'<camunda:formField id="{field_id}" label="得分" type="string">'
        f"<camunda:properties>{props}</camunda:properties></camunda:formField>"
    )


def scoring(*task_fields: str, start_fields: str = "", more: str = "") -> str:
    """A process whose task ``Task_Score`` has ``task_fields`` (and its start form ``start_fields``)."""
    start = f"<bpmn:extensionElements><camunda:formData>{start_fields}</camunda:formData></bpmn:extensionElements>"
    form = (
        f"<bpmn:extensionElements><camunda:formData>{''.join(task_fields)}</camunda:formData></bpmn:extensionElements>"
    )
    return (
        HEAD + '<bpmn:process id="p" isExecutable="true">\n'
        f'<bpmn:startEvent id="s">{start}</bpmn:startEvent>\n'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="Task_Score"/>\n'
        f'<bpmn:userTask id="Task_Score" name="评议打分" camunda:candidateGroups="deputies">{form}</bpmn:userTask>\n'
        '<bpmn:sequenceFlow id="f2" sourceRef="Task_Score" targetRef="e"/>\n'
        f"{more}"
        '<bpmn:endEvent id="e"/>\n</bpmn:process>\n</bpmn:definitions>'
    )


def refusals(source: str) -> list[tuple[str | None, str]]:
    with pytest.raises(InvalidBpmn) as refused:
        parse_bpmn(source, "x.bpmn")
    return [(p.element_id, p.message) for p in refused.value.problems]


def test_a_field_with_readers_deploys_and_the_process_knows_them():
    [process] = parse_bpmn(scoring(field("score", ("readers", "office"))), "x.bpmn")
    assert process.tasks["Task_Score"].form.field("score").readers == {"office"}


@pytest.mark.parametrize("value", ["", " ", ", ,"])
def test_readers_naming_no_group_is_refused_naming_the_element_and_the_field(value):
    [(element, message)] = refusals(scoring(field("score", ("readers", value))))
    assert element == "Task_Score"
    assert message.startswith("form field 'score': readers names no group")


def test_readers_as_an_expression_is_refused():
    [(element, message)] = refusals(scoring(field("score", ("readers", "office, ${evaluated_unit}"))))
    assert element == "Task_Score" and "readers names '${evaluated_unit}', an expression" in message


def test_readers_beside_confidential_is_refused_one_rule_per_field():
    [(element, message)] = refusals(scoring(field("score", ("readers", "office"), ("confidential", "true"))))
    assert element == "Task_Score"
    assert message.startswith("form field 'score' is confidential and names its readers: one rule per field")


def test_one_field_naming_different_readers_on_two_forms_is_refused():
    again = (
        '<bpmn:userTask id="Task_Again" camunda:candidateGroups="office"><bpmn:extensionElements>'
        f"<camunda:formData>{field('score', ('readers', 'office, presidium'))}</camunda:formData>"
        "</bpmn:extensionElements></bpmn:userTask>"
    )
    [(element, message)] = refusals(scoring(field("score", ("readers", "office")), more=again))
    assert element == "Task_Again"
    assert "readers names office, presidium here, but office on 'Task_Score'" in message


def test_a_field_the_title_is_made_of_may_not_name_readers():
    [(element, message)] = refusals(scoring(start_fields=field("title", ("readers", "office"))))
    assert element == "s" and "form field 'title' names its readers, but a case takes its title from it" in message


def test_a_field_shown_by_a_readers_fields_value_names_the_same_readers():
    """Whether 不满意的理由 was answered tells that the rating was 不满意."""
    rating = field("rating", ("readers", "office"))
    why = field("why", ("visible_when", "rating=不满意"))
    [(element, message)] = refusals(scoring(rating, why))
    assert element == "Task_Score"
    assert message == (
        "form field 'why' is shown by the value of 'rating', which names its readers (office): "
        "whether it is answered tells that value, so it names the same readers"
    )
    kept = field("why", ("visible_when", "rating=不满意"), ("readers", "office"))
    [process] = parse_bpmn(scoring(rating, kept), "x.bpmn")
    assert process.tasks["Task_Score"].form.field("why").readers == {"office"}


def mailing(*fields: str) -> str:
    """``scoring`` whose task is followed by the mail task ``Mail_Result`` with ``fields``."""
    mail = (
        '<bpmn:serviceTask id="Mail_Result" name="发送结果" camunda:type="mail"><bpmn:extensionElements>'
        + "".join(
            f'<camunda:field name="{name}"><camunda:expression>{text}</camunda:expression></camunda:field>'
            for name, text in (("to", "unit@example.org"), ("subject", "评议结果"), *fields)
        )
        + "</bpmn:extensionElements></bpmn:serviceTask>\n"
    )
    source = scoring(field("score", ("readers", "office")), start_fields=field("petitioner", ("confidential", "true")))
    return source.replace(
        'targetRef="e"/>\n',
        'targetRef="Mail_Result"/>\n' + mail + '<bpmn:sequenceFlow id="f3" sourceRef="Mail_Result" targetRef="e"/>\n',
        1,
    )


def test_a_mail_may_not_carry_a_readers_fields_value_to_whoever_it_is_sent():
    [(element, message)] = refusals(mailing(("text", "您的得分：${score}")))
    assert element == "Mail_Result"
    assert message == (
        "mail field 'text' carries 'score', a form field that names its readers: a mail is read by whoever "
        "it is sent to, which no access rule checks; leave the value out of the mail (a confidential "
        "address may be its 'to' or 'bcc')"
    )


@pytest.mark.parametrize("mail_field", ["subject", "html", "cc", "from"])
def test_a_mail_may_not_carry_a_confidential_value_in_what_its_readers_read(mail_field):
    source = mailing(("text", "已受理"), (mail_field, "${petitioner}")).replace(
        '<camunda:field name="subject"><camunda:expression>评议结果</camunda:expression></camunda:field>',
        ""
        if mail_field == "subject"
        else '<camunda:field name="subject"><camunda:expression>评议结果</camunda:expression></camunda:field>',
    )
    [(element, message)] = refusals(source)
    assert element == "Mail_Result"
    assert message.startswith(f"mail field {mail_field!r} carries 'petitioner', a form field that is confidential")


def test_a_confidential_address_may_be_whom_the_mail_is_sent_to():
    """The petitioner's own acknowledgement, sent to the address they gave."""
    source = mailing(("text", "您的信访已受理"), ("bcc", "${petitioner}")).replace("unit@example.org", "${petitioner}")
    [process] = parse_bpmn(source, "x.bpmn")
    assert process.key == "p"


def test_a_mail_naming_only_open_fields_deploys():
    [process] = parse_bpmn(mailing(("text", "评议已结束，${note}")), "x.bpmn")
    assert process.key == "p"
