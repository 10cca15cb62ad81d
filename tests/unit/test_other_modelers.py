"""What Camunda Modeler, bpmn.io and Activiti diagrams write, read at deploy as the engine
runs it (engine.bpmn.normalise): JUEL translated or refused in one line naming file, line,
element and construct; scriptFormat other than Python refused; ISO 8601 timer literals;
sequence flows without ids; ``activiti:`` like ``camunda:``; ``potentialOwner``."""

from __future__ import annotations

import pytest

from engine.bpmn.parsing import parse_bpmn
from engine.errors import InvalidBpmn

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:activiti="http://activiti.org/bpmn" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">\n'
)


def doc(body: str) -> str:
    return HEAD + f'<bpmn:process id="p" isExecutable="true">\n{body}\n</bpmn:process>\n</bpmn:definitions>'


def refusals(source: str) -> list[str]:
    with pytest.raises(InvalidBpmn) as info:
        parse_bpmn(source, "other.bpmn")
    return [str(p) for p in info.value.problems]


def gateway(condition: str, language: str = "") -> str:
    lang = f' language="{language}"' if language else ""
    return doc(
        '<bpmn:startEvent id="s"/>\n<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>\n'
        '<bpmn:exclusiveGateway id="g" default="fb"/>\n'
        '<bpmn:sequenceFlow id="fa" sourceRef="g" targetRef="a">\n'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"{lang}>{condition}</bpmn:conditionExpression>\n'
        "</bpmn:sequenceFlow>\n"
        '<bpmn:sequenceFlow id="fb" sourceRef="g" targetRef="b"/>\n'
        '<bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
    )


def condition_of(source: str, flow: str = "fa") -> str:
    [process] = parse_bpmn(source, "other.bpmn")
    gw = process.spec.task_specs["g"]
    return str(next(condition.args[0] for condition, _target in gw.cond_task_specs if condition is not None))


# -- conditions ------------------------------------------------------------------------------------
def test_a_juel_condition_is_translated_to_python() -> None:
    assert condition_of(gateway("${amount &gt; 1000 &amp;&amp; !approved}")) == "amount > 1000 and not approved"


def test_a_python_condition_stays_python() -> None:
    assert condition_of(gateway("amount &gt; 1000 and not approved")) == "amount > 1000 and not approved"


def test_a_juel_condition_outside_the_subset_is_refused_in_one_line() -> None:
    assert refusals(gateway("${execution.getProcessInstanceId() == 1}")) == [
        "other.bpmn:8 [fa]: condition '${execution.getProcessInstanceId() == 1}': "
        "not in the supported JUEL subset: method call getProcessInstanceId()"
    ]


def test_a_deferred_condition_is_read_as_an_immediate_one() -> None:
    """Camunda evaluates a whole ``#{…}`` exactly as ``${…}``."""
    assert condition_of(gateway("#{approved &amp;&amp; amount &gt; 1}")) == "approved and amount > 1"
    assert refusals(gateway("#{approved} and #{checked}")) == [
        "other.bpmn:8 [fa]: condition '#{approved} and #{checked}': a deferred expression (#{…}) is not "
        "supported; write ${…}"
    ]


def test_a_condition_in_another_language_is_refused() -> None:
    assert refusals(gateway("approved == true", language="groovy")) == [
        "other.bpmn:7 [fa]: condition 'approved == true': language 'groovy' is not run by this engine"
    ]


# -- scriptFormat ------------------------------------------------------------------------------------
def script(fmt: str | None, text: str = "x = 1") -> str:
    attribute = f' scriptFormat="{fmt}"' if fmt is not None else ""
    return doc(
        '<bpmn:startEvent id="s"/>\n<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="sc"/>\n'
        f'<bpmn:scriptTask id="sc"{attribute}><bpmn:script>{text}</bpmn:script></bpmn:scriptTask>\n'
        '<bpmn:sequenceFlow id="f1" sourceRef="sc" targetRef="e"/>\n<bpmn:endEvent id="e"/>'
    )


@pytest.mark.parametrize("fmt", ["groovy", "javascript", "juel", "JavaScript"])
def test_a_script_in_another_language_is_refused_with_the_element_and_format(fmt: str) -> None:
    # before: Groovy like `x = 1` compiled as Python and was accepted
    found = refusals(script(fmt))
    assert found[0] == (
        f"other.bpmn:6 [sc]: scriptFormat {fmt!r} is not run by this engine: scripts are Python "
        "(scriptFormat absent or 'python')"
    )


@pytest.mark.parametrize("fmt", [None, "python", "Python"])
def test_a_python_script_is_accepted(fmt: str | None) -> None:
    [process] = parse_bpmn(script(fmt), "other.bpmn")
    assert process.spec.task_specs["sc"].script == "x = 1"


# -- timers ------------------------------------------------------------------------------------------
def timer(kind: str, text: str) -> str:
    return doc(
        '<bpmn:startEvent id="s"/>\n<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="w"/>\n'
        f'<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:{kind}>{text}</bpmn:{kind}>'
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>\n"
        '<bpmn:sequenceFlow id="f1" sourceRef="w" targetRef="e"/>\n<bpmn:endEvent id="e"/>'
    )


@pytest.mark.parametrize(
    ("kind", "text", "expression"),
    [
        ("timeDuration", "PT5M", "'PT5M'"),
        ("timeDuration", " P3D ", "'P3D'"),
        ("timeCycle", "R3/PT10M", "'R3/PT10M'"),
        ("timeDate", "2027-01-01T09:00:00+08:00", "'2027-01-01T09:00:00+08:00'"),
        ("timeDuration", '"PT5M"', '"PT5M"'),  # quoted, as before
        ("timeDuration", "${wait}", "wait"),  # JUEL: translated
        ("timeDate", "deadline_in_days(3)", "deadline_in_days(3)"),  # Python: unchanged
    ],
)
def test_timer_literals_and_expressions(kind: str, text: str, expression: str) -> None:
    [process] = parse_bpmn(timer(kind, text), "other.bpmn")
    assert process.spec.task_specs["w"].event_definition.expression == expression


# -- multi-instance --------------------------------------------------------------------------------
def multi(loop: str) -> str:
    return doc(
        '<bpmn:startEvent id="s"/>\n<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="t"/>\n'
        f'<bpmn:userTask id="t" camunda:candidateGroups="office">{loop}</bpmn:userTask>\n'
        '<bpmn:sequenceFlow id="f1" sourceRef="t" targetRef="e"/>\n<bpmn:endEvent id="e"/>'
    )


def test_a_juel_collection_names_the_variable() -> None:
    loop = '<bpmn:multiInstanceLoopCharacteristics camunda:collection="${units}" camunda:elementVariable="unit"/>'
    [process] = parse_bpmn(multi(loop), "other.bpmn")
    assert process.spec.task_specs["t"].data_output.bpmn_id == "units"


def test_a_computed_collection_is_refused() -> None:
    loop = '<bpmn:multiInstanceLoopCharacteristics camunda:collection="${order.units}" camunda:elementVariable="u"/>'
    assert refusals(multi(loop)) == [
        "other.bpmn:6 [t]: camunda:collection '${order.units}': the collection must be a variable of the case "
        "(${name}), not a computed value"
    ]


def test_a_juel_loop_cardinality_is_translated() -> None:
    loop = "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>${rounds + 1}</bpmn:loopCardinality>"
    [process] = parse_bpmn(multi(loop + "</bpmn:multiInstanceLoopCharacteristics>"), "other.bpmn")
    assert process.spec.task_specs["t"].cardinality == "rounds + 1"


def test_a_loop_cardinality_outside_the_subset_is_refused() -> None:
    loop = "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>${units.size()}</bpmn:loopCardinality>"
    assert refusals(multi(loop + "</bpmn:multiInstanceLoopCharacteristics>")) == [
        "other.bpmn:6 [t]: loopCardinality '${units.size()}': not in the supported JUEL subset: method call size()"
    ]


# -- assignees, candidates, due dates ---------------------------------------------------------------
def user_task(attributes: str, inner: str = "") -> str:
    return doc(
        '<bpmn:startEvent id="s"/>\n<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="t"/>\n'
        f'<bpmn:userTask id="t" {attributes}>{inner}</bpmn:userTask>\n'
        '<bpmn:sequenceFlow id="f1" sourceRef="t" targetRef="e"/>\n<bpmn:endEvent id="e"/>'
    )


def test_juel_entries_are_translated_and_python_entries_stay() -> None:
    source = user_task(
        'camunda:assignee="${order.owner}" camunda:candidateGroups="office, ${units[0]}" '
        "camunda:dueDate=\"${deadline_after_days(received_on, setting('petition.handle_days'))}\""
    )
    [process] = parse_bpmn(source, "other.bpmn")
    meta = process.tasks["t"]
    assert meta.assignee == "${order['owner']}"
    assert meta.candidate_groups == ("office", "${units[0]}")
    assert meta.due_date == "${deadline_after_days(received_on, setting('petition.handle_days'))}"


def test_a_method_call_in_an_assignee_is_refused() -> None:
    assert refusals(user_task('camunda:assignee="${initiator.getName()}"')) == [
        "other.bpmn:6 [t]: camunda:assignee '${initiator.getName()}': not in the supported JUEL subset: "
        "method call getName()"
    ]


def test_a_due_date_method_chain_is_refused() -> None:
    assert refusals(
        user_task('camunda:candidateGroups="office" camunda:dueDate="${dateTime().plusDays(2).toDate()}"')
    ) == [
        "other.bpmn:6 [t]: camunda:dueDate '${dateTime().plusDays(2).toDate()}': "
        "not in the supported JUEL subset: method call plusDays()"
    ]


# -- activiti: --------------------------------------------------------------------------------------
def test_activiti_attributes_are_read_like_camunda_ones() -> None:
    [process] = parse_bpmn(
        user_task('activiti:assignee="${boss}" activiti:candidateGroups="office,finance" activiti:dueDate="${due}"'),
        "other.bpmn",
    )
    meta = process.tasks["t"]
    assert (meta.assignee, meta.candidate_groups, meta.due_date) == ("${boss}", ("office", "finance"), "${due}")


def test_activiti_java_classes_and_listeners_are_refused_by_their_own_name() -> None:
    source = user_task(
        'activiti:class="org.example.Delegate" activiti:candidateGroups="office"',
        '<bpmn:extensionElements><activiti:taskListener event="create" class="x.Y"/></bpmn:extensionElements>',
    )
    advice = "this engine does not run them; use a script task (Python) instead"
    assert refusals(source) == [
        f"other.bpmn:6 [t]: activiti:class (Java classes): {advice}",
        "other.bpmn:6 [t]: activiti:taskListener (task listeners): a listener naming a Java class or delegate "
        "expression is not run; write it as an expression (${…}) or a Python camunda:script",
    ]


def test_activiti_juel_entries_are_checked_like_camunda_ones() -> None:
    assert refusals(user_task('activiti:candidateUsers="${users.get(0)}"')) == [
        "other.bpmn:6 [t]: activiti:candidateUsers '${users.get(0)}': not in the supported JUEL subset: "
        "method call get()"
    ]


# -- potentialOwner -----------------------------------------------------------------------------------
def owner(expression: str) -> str:
    return (
        "<bpmn:potentialOwner><bpmn:resourceAssignmentExpression>"
        f"<bpmn:formalExpression>{expression}</bpmn:formalExpression>"
        "</bpmn:resourceAssignmentExpression></bpmn:potentialOwner>"
    )


def test_potential_owner_gives_candidate_users_and_groups() -> None:
    [process] = parse_bpmn(
        user_task('name="审核"', owner("user(kermit), group(management), accountancy, ${units[0]}")),
        "other.bpmn",
    )
    meta = process.tasks["t"]
    assert meta.candidate_users == ("kermit",)
    assert meta.candidate_groups == ("management", "accountancy", "${units[0]}")


def test_potential_owner_adds_to_camunda_candidates() -> None:
    [process] = parse_bpmn(user_task('camunda:candidateGroups="office"', owner("user(fozzie)")), "other.bpmn")
    assert (process.tasks["t"].candidate_groups, process.tasks["t"].candidate_users) == (("office",), ("fozzie",))


# -- sequence flows without ids ------------------------------------------------------------------------
def test_flows_without_ids_get_stable_distinct_ids() -> None:
    source = doc(
        '<bpmn:startEvent id="s"/>\n<bpmn:sequenceFlow sourceRef="s" targetRef="g"/>\n'
        '<bpmn:parallelGateway id="g"/>\n'
        '<bpmn:sequenceFlow sourceRef="g" targetRef="j"/>\n<bpmn:sequenceFlow sourceRef="g" targetRef="j"/>\n'
        '<bpmn:parallelGateway id="j"/>\n<bpmn:sequenceFlow sourceRef="j" targetRef="e"/>\n<bpmn:endEvent id="e"/>'
    )
    [process] = parse_bpmn(source, "other.bpmn")
    assert [w.element_id for w in process.warnings] == ["Flow_s_to_g", "Flow_g_to_j", "Flow_g_to_j_3", "Flow_j_to_e"]
    assert [w.line for w in process.warnings] == [5, 7, 8, 10]
    assert len(process.spec.task_specs["g"].outputs) == 2


def performer(text: str) -> str:
    return (
        "<bpmn:humanPerformer><bpmn:resourceAssignmentExpression>"
        f"<bpmn:formalExpression>{text}</bpmn:formalExpression>"
        "</bpmn:resourceAssignmentExpression></bpmn:humanPerformer>"
    )


def test_a_human_performer_is_the_tasks_assignee() -> None:
    [process] = parse_bpmn(user_task("", performer("kermit")), "other.bpmn")
    assert process.tasks["t"].assignee == "kermit"
    [process] = parse_bpmn(user_task("", performer("${employee.name}")), "other.bpmn")
    assert process.tasks["t"].assignee == "${employee['name']}"


def test_the_assignee_attribute_wins_over_a_human_performer() -> None:
    [process] = parse_bpmn(user_task('camunda:assignee="fozzie"', performer("kermit")), "other.bpmn")
    assert process.tasks["t"].assignee == "fozzie"


def test_an_unsupported_element_without_an_id_is_named_by_its_owner() -> None:
    assert refusals(user_task('camunda:assignee="kermit"', "<bpmn:rendering/>")) == [
        "other.bpmn:6 [t]: unsupported element bpmn:rendering (in 't'): the engine cannot run it"
    ]
