"""Bad BPMN is refused at deploy time with file, line and element id; good BPMN parses."""

import json
from pathlib import Path

import pytest

from engine.bpmn.forms import OPTION_SOURCES
from engine.bpmn.parsing import parse_bpmn
from engine.bpmn.serialization import dump_process, load_process
from engine.deadlines import settings
from engine.errors import InvalidBpmn
from engine.usecases import option_lists
from tests.conftest import REPO_ROOT, fixture_bpmn

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "bpmn-corpus"

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">\n'
)


def doc(body: str, executable: str = "true") -> str:
    return HEAD + f'<bpmn:process id="p" isExecutable="{executable}">\n{body}\n</bpmn:process>\n</bpmn:definitions>'


LINEAR = (
    '<bpmn:startEvent id="s"/>\n<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>\n'
    '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>\n'
    '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>\n'
    '<bpmn:endEvent id="e"/>'
)


def problems(source: str, file: str = "x.bpmn"):
    with pytest.raises(InvalidBpmn) as info:
        parse_bpmn(source, file)
    return info.value.problems


def test_parses_a_good_process_with_its_task_metadata():
    [process] = parse_bpmn(fixture_bpmn("review.bpmn"), "review.bpmn")
    assert process.key == "review"
    reply = process.tasks["reply"]
    assert reply.candidate_groups == ("${lead_unit}",)
    assert reply.due_date == "${reply_due}"
    assert reply.lane == "unit"
    assert [f.id for f in reply.form.fields] == ["reply_class", "pages"]
    assert [f.id for f in process.start_form.fields] == ["subject", "checker", "rounds"]
    assert process.tasks["check"].assignee == "${checker}"


def test_not_xml():
    [p] = problems("<bpmn:definitions", "broken.bpmn")
    assert p.file == "broken.bpmn" and "not well-formed XML" in p.message and p.line == 1


def test_not_bpmn():
    [p] = problems('<?xml version="1.0"?>\n<html><body/></html>')
    assert "not a BPMN 2.0 file" in p.message and "<html>" in p.message


def test_xsd_violation_names_line_and_element():
    found = problems(doc(LINEAR.replace('<bpmn:endEvent id="e"/>', '<bpmn:endEvent id="e" bogus="1"/>')))
    assert any("XSD" in p.message and "bogus" in p.message and p.line == 8 for p in found)


def test_an_xsd_violation_inside_an_element_without_id_names_its_owner():
    """A conditional event definition without its condition has no id; the event has."""
    source = doc(
        LINEAR.replace(
            '<bpmn:endEvent id="e"/>',
            '<bpmn:intermediateCatchEvent id="wait">\n<bpmn:conditionalEventDefinition/>\n'
            '</bpmn:intermediateCatchEvent>\n<bpmn:endEvent id="e"/>',
        )
    )
    found = [p for p in problems(source) if "XSD" in p.message]
    assert [(p.line, p.element_id) for p in found] == [(9, "wait")]


def test_gateway_branch_without_condition():
    body = (
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>'
        '<bpmn:exclusiveGateway id="g"/>'
        '<bpmn:sequenceFlow id="fa" sourceRef="g" targetRef="a">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">x == 1</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="fb" sourceRef="g" targetRef="b"/>'
        '<bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
    )
    [p] = problems(doc(body))
    assert p.element_id == "fb" and "no condition" in p.message


def test_unknown_element():
    [p] = problems(
        doc(LINEAR.replace('<bpmn:endEvent id="e"/>', '<bpmn:endEvent id="e"/><bpmn:complexGateway id="cg"/>'))
    )
    assert p.element_id == "cg" and "unsupported element bpmn:complexGateway" in p.message


def test_duplicate_id():
    found = problems(
        doc(
            LINEAR.replace('<bpmn:endEvent id="e"/>', '<bpmn:endEvent id="t"/>').replace(
                'targetRef="e"', 'targetRef="t"'
            )
        )
    )
    assert any(p.element_id == "t" and "duplicate id" in p.message for p in found)


def test_no_start_event():
    found = problems(doc('<bpmn:userTask id="t"/>'))
    assert any("no start event" in p.message and p.element_id == "p" for p in found)


def test_sequence_flow_without_id_gets_a_stable_id_and_a_warning_not_dropped():
    source = doc(LINEAR.replace('<bpmn:sequenceFlow id="f2" ', "<bpmn:sequenceFlow "))
    [process] = parse_bpmn(source, "x.bpmn")
    [warning] = process.warnings
    assert str(warning) == "x.bpmn:7 [Flow_t_to_e]: sequence flow from 't' to 'e' has no id: given the id 'Flow_t_to_e'"
    assert process.spec.task_specs["t"].outputs[0].bpmn_id == "e"  # the flow is there, not dropped
    [again] = parse_bpmn(source, "x.bpmn", check=False)  # a stored version parsed again: the same id
    assert [w.element_id for w in again.warnings] == ["Flow_t_to_e"]


def test_non_executable_process():
    [p] = problems(doc(LINEAR, executable="false"))
    assert "no executable process" in p.message


@pytest.mark.parametrize(
    "timer, expected",
    [
        ("P3Y2", "timer timeDuration 'P3Y2' is not an ISO 8601 duration this engine reads, nor an expression"),
        ("PT", "timer timeDuration 'PT' is not an ISO 8601 duration this engine reads, nor an expression"),
        ("${due.plusDays(1)}", "timer timeDuration '${due.plusDays(1)}': not in the supported JUEL subset: "),
        ("__import__('os')", "not allowed"),
    ],
)
def test_timer_expressions_are_checked_at_deploy(timer, expected):
    body = LINEAR.replace(
        '<bpmn:endEvent id="e"/>',
        (
            '<bpmn:endEvent id="e"/><bpmn:boundaryEvent id="b" attachedToRef="t">'
            f"<bpmn:timerEventDefinition><bpmn:timeDuration>{timer}</bpmn:timeDuration>"
            "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
            '<bpmn:sequenceFlow id="fb" sourceRef="b" targetRef="e2"/><bpmn:endEvent id="e2"/>'
        ),
    )
    found = problems(doc(body))
    assert any(expected in p.message and p.element_id == "b" for p in found)


def test_conditions_and_scripts_are_checked_at_deploy():
    body = (
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="sc"/>'
        '<bpmn:scriptTask id="sc"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="f1" sourceRef="sc" targetRef="g"/>'
        '<bpmn:exclusiveGateway id="g" default="fb"/>'
        '<bpmn:sequenceFlow id="fa" sourceRef="g" targetRef="a">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${x == 1}</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="fb" sourceRef="g" targetRef="b"/>'
        '<bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
    )
    found = problems(doc(body))
    assert any(p.element_id == "sc" and "imports are not allowed" in p.message for p in found)
    assert not any(p.element_id == "fa" for p in found)  # ${x == 1} is JUEL of the subset: translated


def test_task_expressions_and_form_fields_are_checked():
    body = LINEAR.replace(
        '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>',
        (
            '<bpmn:userTask id="t" camunda:candidateGroups="${__class__}" camunda:dueDate="${x +}">'
            "<bpmn:extensionElements><camunda:formData>"
            '<camunda:formField id="a" type="money"/><camunda:formField id="a" type="string"/>'
            '<camunda:formField id="e" type="enum"/>'
            "</camunda:formData></bpmn:extensionElements></bpmn:userTask>"
        ),
    )
    messages = [p.message for p in problems(doc(body))]
    assert any("__class__" in m for m in messages)
    assert any("x +" in m for m in messages)
    assert any("unsupported type 'money'" in m for m in messages)
    assert any("declared twice" in m for m in messages)
    assert any("enum field 'e' has no values" in m for m in messages)


def _own_for(process: str, where: str) -> str:
    field = (
        '<bpmn:extensionElements><camunda:formData><camunda:formField id="deputy" type="enum">'
        '<camunda:properties><camunda:property id="options_source" value="deputies"/>'
        '<camunda:property id="own_for" value="deputy"/></camunda:properties></camunda:formField>'
        "</camunda:formData></bpmn:extensionElements>"
    )
    body = LINEAR.replace('<bpmn:startEvent id="s"/>', f'<bpmn:startEvent id="s">{field}</bpmn:startEvent>')
    if where == "task":
        body = LINEAR.replace(
            '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>',
            f'<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office">{field}</bpmn:userTask>',
        )
    return doc(body).replace('<bpmn:process id="p"', f'<bpmn:process id="p" {process}', 1)


def test_own_for_names_a_group_that_may_start_the_process_on_its_start_form():
    assert parse_bpmn(_own_for('camunda:candidateStarterGroups="office, deputy"', "start"), "x.bpmn")
    [not_a_starter] = problems(_own_for('camunda:candidateStarterGroups="office"', "start"))
    assert not_a_starter.element_id == "s"
    assert "own_for names 'deputy', which is not one of the process's candidateStarterGroups" in not_a_starter.message
    [on_a_task] = problems(_own_for('camunda:candidateStarterGroups="deputy"', "task"))
    assert on_a_task.element_id == "t" and "own_for applies to a start form's fields only" in on_a_task.message


def test_a_form_field_may_only_take_values_from_a_known_list():
    body = LINEAR.replace(
        '<bpmn:startEvent id="s"/>',
        (
            '<bpmn:startEvent id="s"><bpmn:extensionElements><camunda:formData>'
            '<camunda:formField id="who" type="enum"><camunda:properties>'
            '<camunda:property id="options_source" value="voters"/></camunda:properties></camunda:formField>'
            '<camunda:formField id="many" type="string"><camunda:properties>'
            '<camunda:property id="multiple" value="deputies"/></camunda:properties></camunda:formField>'
            "</camunda:formData></bpmn:extensionElements></bpmn:startEvent>"
        ),
    )
    [problem] = problems(doc(body))
    assert problem.element_id == "s"
    assert "'who' takes its values from 'voters', which is not one of departments, deputies" in problem.message


def test_camunda_features_the_engine_does_not_run_are_refused():
    """What Camunda 7 runs as Java or JUEL would be skipped silently here: refused by name,
    at the element that carries it."""
    body = LINEAR.replace(
        '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>',
        (
            '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"><bpmn:extensionElements>'
            '<camunda:taskListener class="org.example.Notify" event="create"/>'
            "</bpmn:extensionElements></bpmn:userTask>"
            '<bpmn:serviceTask id="send" camunda:delegateExpression="${mailer}"/>'
        ),
    )
    found = {(p.element_id, p.message.split(" (")[0]) for p in problems(doc(body))}
    assert {("t", "camunda:taskListener"), ("send", "camunda:delegateExpression")} <= found
    accepted = LINEAR.replace(
        '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>',
        '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office" camunda:asyncBefore="true"/>',
    )
    assert parse_bpmn(doc(accepted), "x.bpmn")  # harmless attributes pass


def test_every_known_list_can_be_loaded():
    assert set(option_lists.LOADERS) == set(OPTION_SOURCES)


def _corpus_files():
    return (
        sorted(p for p in CORPUS.rglob("*") if p.suffix in (".bpmn", ".xml") and p.is_file()) if CORPUS.exists() else []
    )


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/bpmn-corpus is not beside the repo")
def test_corpus_every_file_is_deployed_or_refused_with_a_located_reason():
    """Hundreds of files made by other tools: none may crash the parser; each is either
    runnable or refused with a message naming the file."""
    accepted, refused = 0, 0
    for path in _corpus_files():
        if not path.read_bytes().lstrip().startswith(b"<"):
            continue
        try:
            parse_bpmn(path.read_bytes(), str(path))
            accepted += 1
        except InvalidBpmn as exc:
            refused += 1
            assert exc.problems and all(p.file == str(path) and p.message for p in exc.problems)
    # most of the corpus is Camunda's own test suite: Java delegates and listeners, refused
    assert accepted >= 15 and refused > 100


# -- XML entities: refused, never resolved -------------------------------------------------------
ENTITIES_REFUSED = "entity declarations and references are not allowed in BPMN files"


def _with_doctype(doctype: str, body: str = LINEAR) -> str:
    xml_decl, rest = HEAD.split("\n", 1)
    return (
        f"{xml_decl}\n{doctype}\n{rest}" + f'<bpmn:process id="p" isExecutable="true">\n{body}\n'
        "</bpmn:process>\n</bpmn:definitions>"
    )


def test_an_external_entity_is_refused_with_file_and_line_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    source = _with_doctype(
        f'<!DOCTYPE foo [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>',
        LINEAR.replace(
            '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>',
            '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office">'
            "<bpmn:documentation>&xxe;</bpmn:documentation></bpmn:userTask>",
        ),
    )
    found = problems(source, "xxe.bpmn")
    assert [(p.file, p.line) for p in found] == [("xxe.bpmn", 2), ("xxe.bpmn", 7)]
    assert all(ENTITIES_REFUSED in p.message for p in found)
    assert found[1].element_id == "t" and "&xxe;" in found[1].message
    assert not any("TOP-SECRET" in str(p) for p in found)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE bpmn:definitions [<!ENTITY name "办理">]>',  # declared, unused
        '<!DOCTYPE bpmn:definitions SYSTEM "http://example.invalid/bpmn.dtd">',  # external DTD
        '<!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',  # parameter entity
        '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',  # expansion
        "<!DOCTYPE bpmn:definitions>",
    ],
)
def test_any_doctype_is_refused(doctype):
    [p] = problems(_with_doctype(doctype), "doctype.bpmn")
    assert ENTITIES_REFUSED in p.message and p.file == "doctype.bpmn" and p.line == 2


def test_an_internal_entity_reference_is_refused_where_it_is_used():
    body = LINEAR.replace(
        'name="办理" camunda:candidateGroups="office"/>',
        'name="办理" camunda:candidateGroups="office"><bpmn:documentation>&name;</bpmn:documentation></bpmn:userTask>',
    )
    found = problems(_with_doctype('<!DOCTYPE bpmn:definitions [<!ENTITY name "办理">]>', body))
    assert any(p.line == 7 and p.element_id == "t" and "&name;" in p.message for p in found)


def test_an_undeclared_entity_is_not_well_formed():
    [p] = problems(doc(LINEAR.replace('name="办理"', 'name="&nope;"')))
    assert "not well-formed XML" in p.message and "nope" in p.message


def test_character_references_and_the_predefined_entities_are_fine():
    [process] = parse_bpmn(doc(LINEAR.replace('name="办理"', 'name="&#21150;&#29702; &amp; &lt;审核&gt;"')), "x.bpmn")
    assert process.tasks["t"].name == "办理 & <审核>"


def test_the_corpus_xxe_file_is_refused_with_a_located_reason():
    path = (
        CORPUS / "camunda-engine-tests/org/camunda/bpm/engine/test/api/repository/diagram/"
        "testXxeParsingIsDisabled.bpmn20.xml"
    )
    if not path.exists():
        pytest.skip("../shared/bpmn-corpus is not beside the repo")
    found = problems(path.read_bytes(), str(path))
    assert [(p.line, p.element_id) for p in found] == [(2, None), (10, "EndEvent_0edeh1n")]


# -- the case title a process declares -------------------------------------------------------
def titled(fields: str, confidential: bool = False) -> str:
    props = '<camunda:properties><camunda:property id="confidential" value="true"/></camunda:properties>'
    form = (
        '<bpmn:extensionElements><camunda:formData><camunda:formField id="subject_line" label="事由" type="string">'
        + (props if confidential else "")
        + '</camunda:formField><camunda:formField id="kind" label="来源" type="enum">'
        '<camunda:value id="visit" name="来访"/></camunda:formField></camunda:formData></bpmn:extensionElements>'
    )
    extension = (
        "<bpmn:extensionElements><camunda:properties>"
        f'<camunda:property name="title_fields" value="{fields}"/></camunda:properties></bpmn:extensionElements>'
    )
    return doc(
        extension + LINEAR.replace('<bpmn:startEvent id="s"/>', f'<bpmn:startEvent id="s">{form}</bpmn:startEvent>')
    )


def test_a_process_declares_its_title_fields():
    [process] = parse_bpmn(titled("subject_line, kind"), "x.bpmn")
    assert process.title_fields == ("subject_line", "kind")


def test_title_fields_must_be_open_start_form_fields():
    [unknown] = problems(titled("subject_line,nope"))
    assert "title_fields names 'nope', which is not a start-form field" in unknown.message
    [secret] = problems(titled("subject_line", confidential=True))
    assert "a confidential field" in secret.message and secret.element_id == "p"


@pytest.mark.parametrize(
    "told, says",
    [
        ("nowhere", "'tell' names 'nowhere', which is not another user task of this process"),
        ("t", "'tell' names 't', which is not another user task of this process"),  # itself
        ("e", "'tell' names 'e', which is not another user task of this process"),  # an end event
    ],
)
def test_tell_names_another_user_task(told, says):
    body = LINEAR.replace(
        '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>',
        '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"><bpmn:extensionElements>'
        f'<camunda:properties><camunda:property name="tell" value="{told}"/></camunda:properties>'
        "</bpmn:extensionElements></bpmn:userTask>",
    )
    [problem] = problems(doc(body))
    assert (problem.element_id, problem.message) == ("t", says)


def help_saying(text: str) -> str:
    return doc(
        LINEAR.replace(
            '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>',
            '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"><bpmn:extensionElements>'
            f'<camunda:properties><camunda:property name="help" value="{text}"/></camunda:properties>'
            "</bpmn:extensionElements></bpmn:userTask>",
        )
    )


def test_a_help_text_may_name_deadline_settings_and_only_those():
    [process] = parse_bpmn(help_saying("自交办之日起{setting:proposal.reply_months}内答复"), "x.bpmn")
    assert process.tasks["t"].help == "自交办之日起{setting:proposal.reply_months}内答复"
    [problem] = problems(help_saying("{setting:proposal.reply_days}内答复，{setting:petition.handle_days}内办结"))
    assert (problem.element_id, problem.message) == (
        "t",
        "help names {setting:proposal.reply_days}, which is not a deadline setting (期限设置)",
    )


def test_a_help_text_says_each_setting_with_its_unit():
    values = {"proposal.reply_months": 2, "petition.handle_days": 45, "proposal.evaluation_working_days": 10}
    said = settings.in_text(
        "{setting:proposal.reply_months}内答复；{setting:petition.handle_days}内办结；"
        "{setting:proposal.evaluation_working_days}内评价；{setting:nope}",
        values,
    )
    assert said == "2个月内答复；45日内办结；10个工作日内评价；{setting:nope}"


def test_a_call_to_a_function_no_script_will_find_is_refused_at_deploy():
    """A misspelt date helper would pass every check and stop each case that reaches it."""
    due = LINEAR.replace(
        'camunda:candidateGroups="office"/>',
        'camunda:candidateGroups="office" camunda:dueDate="${deadline_in_workdays(5)}"/>',
    )
    [problem] = problems(doc(due))
    assert (problem.element_id, problem.message) == (
        "t",
        "expression '${deadline_in_workdays(5)}' calls deadline_in_workdays(), which is no function a process "
        "can call (the date helpers: bpmn/README.md); did you mean deadline_in_working_days()?",
    )
    script = LINEAR.replace(
        '<bpmn:endEvent id="e"/>',
        '<bpmn:endEvent id="e"/><bpmn:scriptTask id="x" scriptFormat="python"><bpmn:script>'
        "def twice(n):\n    return 2 * n\nhalf = lambda n: n / 2\ntotal = twice(len(items)) + half(round(3.5))"
        "\nlate = frobnicate(total)</bpmn:script></bpmn:scriptTask>",
    )
    [problem] = problems(doc(script))
    assert problem.element_id == "x" and problem.message.startswith("script calls frobnicate(), which is no function")
    assert "did you mean" not in problem.message


def test_tell_is_read_as_the_tasks_it_names():
    [process] = parse_bpmn((REPO_ROOT / "bpmn" / "proposal.bpmn").read_text(encoding="utf-8"), "proposal.bpmn")
    assert process.tasks["Task_CohandlingView"].tell == ("Task_Reply",)
    assert process.tasks["Task_Reply"].tell == ()


def test_a_stored_definition_keeps_tell_only_when_it_tells_someone():
    """Stored as the version before wrote it unless it uses 'tell' (a server not yet upgraded,
    or rolled back, still loads it); loaded back, either way, as it was parsed."""
    [proposal] = parse_bpmn((REPO_ROOT / "bpmn" / "proposal.bpmn").read_text(encoding="utf-8"), "proposal.bpmn")
    stored = json.loads(dump_process(proposal))["tasks"]
    assert stored["Task_CohandlingView"]["tell"] == ["Task_Reply"] and "tell" not in stored["Task_Reply"]
    loaded = load_process(dump_process(proposal)).tasks
    assert (loaded["Task_CohandlingView"].tell, loaded["Task_Reply"].tell) == (("Task_Reply",), ())
