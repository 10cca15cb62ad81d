"""A mail task's recipients at deploy (QA notifications, findings 1 and 7): a confidential form
field's address (a petitioner's) is a mail's only recipient, or deploy refuses it naming the
file, the line, the element and the field; a recipient read from a form field that is not
required is a warning (left empty, the mail goes without it; the ``to``: it is not sent)."""

from __future__ import annotations

import pytest

from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidBpmn

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">\n'
)
SECRET = '<camunda:properties><camunda:property id="confidential" value="true"/></camunda:properties>'
REQUIRED = '<camunda:validation><camunda:constraint name="required"/></camunda:validation>'
FORM = "".join(
    f'<camunda:formField id="{name}" label="{label}" type="string">{rules}</camunda:formField>'
    for name, label, rules in (
        ("title", "标题", REQUIRED),
        ("writer_name", "来信人", SECRET),
        ("writer_email", "来信人邮箱", REQUIRED + SECRET),
        ("cc_to", "抄送", ""),
        ("office_email", "办公室邮箱", REQUIRED),
    )
)
SUBJECT = '<camunda:field name="subject"><camunda:expression>来信已收到：${title}</camunda:expression></camunda:field>'
TEXT = '<camunda:field name="text"><camunda:string>您的来信已收到。</camunda:string></camunda:field>'


def field(name: str, value: str) -> str:
    return f'<camunda:field name="{name}"><camunda:expression>{value}</camunda:expression></camunda:field>'


def mail_process(*recipients: str) -> str:
    """The start event (line 5) asks the form; the mail task ``ack`` is on line 8, each of its
    recipient fields on a line of its own (10, 11, …)."""
    return (
        HEAD
        + '<bpmn:process id="mail_ack" isExecutable="true">\n'
        + '<bpmn:startEvent id="s"><bpmn:extensionElements><camunda:formData>\n'
        + FORM
        + "\n</camunda:formData></bpmn:extensionElements></bpmn:startEvent>\n"
        + '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="ack"/>\n'
        + '<bpmn:serviceTask id="ack" name="发送回执" camunda:type="mail">\n'
        + "<bpmn:extensionElements>"
        + "".join(f"\n{r}" for r in recipients)
        + f"\n{SUBJECT}{TEXT}\n</bpmn:extensionElements></bpmn:serviceTask>\n"
        + '<bpmn:sequenceFlow id="f2" sourceRef="ack" targetRef="e"/><bpmn:endEvent id="e"/>\n'
        + "</bpmn:process>\n</bpmn:definitions>"
    )


def refusals(source: str) -> list[str]:
    with pytest.raises(InvalidBpmn) as info:
        parse_bpmn(source, "ack.bpmn")
    return [str(p) for p in info.value.problems]


BESIDE = (
    "whoever gets a mail reads its recipients; send the confidential address a mail of its own "
    "(a mail task whose only recipient it is)"
)


@pytest.mark.parametrize(
    "recipients, problem",
    [
        (  # the tester's mail_ack: the petitioner in To, a unit in Cc
            (field("to", "${writer_email}"), field("cc", "${cc_to}")),
            "ack.bpmn:8 [ack]: mail field 'to' sends to 'writer_email', a confidential form field, together with "
            f"the field 'cc': {BESIDE}",
        ),
        (  # a second To, from another variable
            (field("to", "${writer_email}, ${office_email}"),),
            "ack.bpmn:8 [ack]: mail field 'to' sends to 'writer_email', a confidential form field, together with "
            f"'office_email' in the same field: {BESIDE}",
        ),
        (  # a second To, written in
            (field("to", "${writer_email}, office@zhen.example.cn"),),
            "ack.bpmn:8 [ack]: mail field 'to' sends to 'writer_email', a confidential form field, together with "
            f"an address written in the same field: {BESIDE}",
        ),
        (  # in Bcc, beside a To
            (field("to", "${office_email}"), field("bcc", "${writer_email}")),
            "ack.bpmn:8 [ack]: mail field 'bcc' sends to 'writer_email', a confidential form field, together with "
            f"the field 'to': {BESIDE}",
        ),
    ],
)
def test_a_confidential_address_beside_another_recipient_is_refused_naming_the_element_and_the_field(
    recipients: tuple[str, ...], problem: str
) -> None:
    assert refusals(mail_process(*recipients)) == [problem]


def test_a_confidential_address_alone_is_the_petitioners_own_acknowledgement() -> None:
    # its display name may be confidential too: still one recipient
    [process] = parse_bpmn(mail_process(field("to", "${writer_name} &lt;${writer_email}&gt;")), "ack.bpmn")
    assert [w.message.split(":")[0] for w in process.warnings] == [
        "mail field 'to' reads 'writer_name', a form field that is not required"
    ]


def test_a_recipient_from_a_field_that_is_not_required_is_a_warning() -> None:
    [process] = parse_bpmn(mail_process(field("to", "${office_email}"), field("cc", "${cc_to}")), "ack.bpmn")
    assert [str(w) for w in process.warnings] == [
        "ack.bpmn:8 [ack]: mail field 'cc' reads 'cc_to', a form field that is not required: left empty, "
        "the mail goes without that recipient"
    ]
    [process] = parse_bpmn(mail_process(field("to", "${cc_to}")), "ack.bpmn")
    assert [str(w) for w in process.warnings] == [
        "ack.bpmn:8 [ack]: mail field 'to' reads 'cc_to', a form field that is not required: left empty, "
        "the mail goes without that recipient; with no 'to' left, it is not sent (the case goes on, "
        "and its page says why)"
    ]


def test_the_same_confidential_address_in_two_fields_is_one_recipient() -> None:
    [process] = parse_bpmn(mail_process(field("to", "${writer_email}"), field("bcc", "${writer_email}")), "ack.bpmn")
    assert process.key == "mail_ack"
