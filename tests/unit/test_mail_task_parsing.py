"""Mail tasks at deploy (issue 15): ``camunda:type="mail"`` on a service or send task is read as
a mail task (its fields' JUEL translated, kept through the stored spec); what it cannot run is
refused in one line naming the file, the line, the element and the field. And the mail a task
renders: its addresses checked as e-mail syntax."""

from __future__ import annotations

import pytest

from engine.bpmn.mail_rendering import QueuedMail, render
from engine.bpmn.mail_tasks import MailTask
from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.serialization import dump_process, load_process
from engine.errors import InvalidBpmn, ScriptError

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">\n'
)
TO = '<camunda:field name="to"><camunda:string>kermit@camunda.org</camunda:string></camunda:field>'
SUBJECT = '<camunda:field name="subject" stringValue="Hello Kermit!"/>'
TEXT = '<camunda:field name="text"><camunda:expression>Hello ${recipientName}</camunda:expression></camunda:field>'


def with_mail_task(*fields: str, kind: str = "serviceTask") -> str:
    """A process whose task ``send`` (line 5) is a mail task; each field on a line of its own (7, 8, …)."""
    return (
        HEAD
        + '<bpmn:process id="p" isExecutable="true">\n'
        + '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="send"/>\n'
        + f'<bpmn:{kind} id="send" name="发邮件" camunda:type="mail">\n'
        + "<bpmn:extensionElements>"
        + "".join(f"\n{field}" for field in fields)
        + f"\n</bpmn:extensionElements></bpmn:{kind}>\n"
        + '<bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="e"/><bpmn:endEvent id="e"/>\n'
        + "</bpmn:process>\n</bpmn:definitions>"
    )


def refusals(source: str) -> list[str]:
    with pytest.raises(InvalidBpmn) as info:
        parse_bpmn(source, "mail.bpmn")
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("kind", ["serviceTask", "sendTask"])
def test_a_mail_task_is_read_with_its_fields_as_python_and_survives_the_stored_spec(kind: str) -> None:
    source = with_mail_task(TO, SUBJECT, TEXT, '<camunda:field name="cc" expression="${office}"/>', kind=kind)
    [process] = parse_bpmn(source, "mail.bpmn")
    spec = process.spec.task_specs["send"]
    assert isinstance(spec, MailTask) and spec.bpmn_name == "发邮件"
    expected = {
        "to": "'kermit@camunda.org'",
        "subject": "'Hello Kermit!'",
        "text": "'Hello ' + ('' if (recipientName) is None else 'true' if (recipientName) is True "
        "else 'false' if (recipientName) is False else str((recipientName)))",
        "cc": "office",
    }
    assert spec.fields == expected
    assert process.warnings == ()
    stored = load_process(dump_process(process)).spec.task_specs["send"]
    assert isinstance(stored, MailTask) and stored.fields == expected


def test_activiti_names_are_read_as_camunda_ones() -> None:
    source = (
        with_mail_task(TO, SUBJECT, TEXT)
        .replace("camunda:", "activiti:")
        .replace('xmlns:camunda="http://camunda.org/schema/1.0/bpmn"', 'xmlns:activiti="http://activiti.org/bpmn"')
    )
    [process] = parse_bpmn(source, "mail.bpmn")
    assert isinstance(process.spec.task_specs["send"], MailTask)


@pytest.mark.parametrize(
    "fields, problem",
    [
        (
            (TO, SUBJECT, TEXT, '<camunda:field name="replyTo" stringValue="a@b.org"/>'),
            "mail.bpmn:10 [send]: mail field 'replyTo' is not one a mail task reads "
            "(to, from, subject, text, html, cc, bcc, charset)",
        ),
        ((SUBJECT, TEXT), "mail.bpmn:5 [send]: a mail task needs the field 'to'"),
        ((TO, TEXT), "mail.bpmn:5 [send]: a mail task needs the field 'subject'"),
        ((TO, SUBJECT), "mail.bpmn:5 [send]: a mail task needs the field 'text' or 'html'"),
        (
            (
                TO,
                SUBJECT,
                '<camunda:field name="html"><camunda:expression>'
                "Hello ${gender.equals('male') ? 'Mr.' : 'Mrs.'}</camunda:expression></camunda:field>",
            ),
            "mail.bpmn:9 [send]: mail field 'html' \"Hello ${gender.equals('male') ? 'Mr.' : 'Mrs.'}\": "
            "not in the supported JUEL subset: method call equals()",
        ),
        (
            (TO, SUBJECT, TEXT, '<camunda:field name="bcc" expression="${_secret}"/>'),
            "mail.bpmn:10 [send]: mail field 'bcc' '${_secret}': not in the supported JUEL subset: "
            "identifier '_secret': names starting with '_' are not allowed",
        ),
        (
            ('<camunda:field name="to" stringValue="kermit at camunda"/>', SUBJECT, TEXT),
            "mail.bpmn:7 [send]: mail field 'to': 'kermit at camunda' is not an e-mail address",
        ),
        (
            ('<camunda:field name="to" stringValue=""/>', SUBJECT, TEXT),
            "mail.bpmn:7 [send]: mail field 'to' names no address",
        ),
        (
            (TO, SUBJECT, TEXT, '<camunda:field name="from" stringValue="a@b.org, c@d.org"/>'),
            "mail.bpmn:10 [send]: mail field 'from': a mail has one sender",
        ),
        (
            (TO, SUBJECT, TEXT, '<camunda:field name="charset" stringValue="klingon-8"/>'),
            "mail.bpmn:10 [send]: mail field 'charset': charset 'klingon-8' is not one Python knows",
        ),
        (
            (TO, TO, SUBJECT, TEXT),
            "mail.bpmn:8 [send]: mail field 'to' is given twice",
        ),
        (
            (TO, '<camunda:field name="subject" stringValue="a" expression="${b}"/>', TEXT),
            "mail.bpmn:8 [send]: mail field 'subject': give it one value (a camunda:string or stringValue, "
            "a camunda:expression or expression)",
        ),
        (
            (TO, SUBJECT, '<camunda:field name="text"/>'),
            "mail.bpmn:9 [send]: mail field 'text': give it one value (a camunda:string or stringValue, "
            "a camunda:expression or expression)",
        ),
    ],
)
def test_what_a_mail_task_cannot_run_is_refused_naming_the_element_and_the_field(
    fields: tuple[str, ...], problem: str
) -> None:
    assert refusals(with_mail_task(*fields)) == [problem]


def test_another_camunda_type_is_still_refused() -> None:
    source = with_mail_task(TO, SUBJECT, TEXT).replace('camunda:type="mail"', 'camunda:type="sms"')
    assert refusals(source) == [
        "mail.bpmn:5 [send]: service task: camunda:type 'sms' is not run by this engine; make it an external task "
        '(camunda:type="external" and a camunda:topic that a worker fetches) or a script task (Python)'
    ]


# -- the mail a task renders ------------------------------------------------------------------
def test_the_rendered_fields_are_text_as_juel_writes_it_and_the_lists_are_split_on_commas() -> None:
    values = {
        "to": ["Kermit <kermit@camunda.org>", "fozzie@camunda.org"],
        "cc": " piggy@camunda.org ,, gonzo@camunda.org ",
        "subject": "Hello\n  Kermit",
        "text": None,
        "from": "office@renda.example.org",
        "charset": "GB18030",
    }
    assert render("t1", "send", values) == QueuedMail(
        task_id="t1",
        bpmn_id="send",
        to=("Kermit <kermit@camunda.org>", "fozzie@camunda.org"),
        cc=("piggy@camunda.org", "gonzo@camunda.org"),
        bcc=(),
        sender="office@renda.example.org",
        subject="Hello Kermit",
        text="",
        html=None,
        charset="GB18030",
    )


@pytest.mark.parametrize(
    "values, error",
    [
        ({"to": None, "subject": "s", "text": "t"}, "send: mail field 'to' gave no address"),
        ({"to": "kermit@", "subject": "s", "text": "t"}, "send: mail field 'to': 'kermit@' is not an e-mail address"),
        (
            {"to": "a@b.org", "cc": "Kermit <kermit>", "subject": "s", "text": "t"},
            "send: mail field 'cc': 'Kermit <kermit>' is not an e-mail address",
        ),
        (
            {"to": "a@b.org", "bcc": "x@y.org\r\nBcc: z@w.org", "subject": "s", "text": "t"},
            "send: mail field 'bcc': 'x@y.org\\r\\nBcc: z@w.org' holds a line break or another control character",
        ),
        (
            {"to": "a@b.org", "from": "a@b.org, c@d.org", "subject": "s", "text": "t"},
            "send: mail field 'from' gave 2 addresses; a mail has one sender",
        ),
        (
            {"to": "a@b.org", "subject": "s", "text": "会议", "charset": "us-ascii"},
            "send: mail field 'text': its text cannot be written in charset 'us-ascii'",
        ),
        (
            {"to": "a@b.org", "subject": "s", "text": "t", "charset": "rot13"},
            "send: mail field 'charset': charset 'rot13' is not one Python knows",
        ),
    ],
)
def test_a_mail_that_cannot_be_sent_fails_the_task_naming_the_element_and_the_field(values, error) -> None:
    with pytest.raises(ScriptError) as info:
        render("t1", "send", values)
    assert info.value.message == error
