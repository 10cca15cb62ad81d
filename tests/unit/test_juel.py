"""The JUEL subset Camunda models write: each expression's Python translation and what it
gives on the same data, run in the sandbox; what is outside the subset refused with the
construct named."""

from __future__ import annotations

import pytest

from engine.bpmn.juel import Unsupported, translate, translate_action, translate_entry, translate_template
from engine.bpmn.sandbox import SandboxedEnvironment

DATA = {
    "x": 1,
    "y": 0,
    "amount": 1500,
    "approved": True,
    "rejected": False,
    "name": "kermit",
    "nothing": None,
    "blank": "",
    "items": [],
    "units": ["finance", "land"],
    "order": {"total": 80, "customer": {"vip": True, "name": "Fozzie"}, "lines": [3, 4]},
    "empty_map": {},
    "key": "total",
    "ratio": 0.5,
}

# JUEL (inside ${…}) → the Python written for it → its value on DATA
TABLE = [
    ("x", "x", 1),
    ("x == 1", "x == 1", True),
    ("x eq 1", "x == 1", True),
    ("x != 1", "x != 1", False),
    ("x ne 2", "x != 2", True),
    ("amount > 1000", "amount > 1000", True),
    ("amount gt 2000", "amount > 2000", False),
    ("amount < 1000", "amount < 1000", False),
    ("amount lt 2000", "amount < 2000", True),
    ("amount >= 1500", "amount >= 1500", True),
    ("amount ge 1501", "amount >= 1501", False),
    ("amount <= 1500", "amount <= 1500", True),
    ("amount le 1499", "amount <= 1499", False),
    ("approved && x == 1", "approved and x == 1", True),
    ("approved and rejected", "approved and rejected", False),
    ("rejected || x == 1", "rejected or x == 1", True),
    ("rejected or y == 1", "rejected or y == 1", False),
    ("!approved", "not approved", False),
    ("not rejected", "not rejected", True),
    ("!approved == false", "(not approved) == False", True),  # JUEL's ! binds tighter than ==
    ("not (approved && rejected)", "not (approved and rejected)", True),
    ("rejected || approved && y == 0", "rejected or approved and y == 0", True),
    ("(rejected || approved) && y == 1", "(rejected or approved) and y == 1", False),
    ("name == 'kermit'", "name == 'kermit'", True),
    ('name == "piggy"', "name == 'piggy'", False),
    (r"'it\'s' == name", '"it\'s" == name', False),
    ("nothing == null", "nothing == None", True),
    ("approved == true", "approved == True", True),
    ("rejected == false", "rejected == False", True),
    ("empty nothing", "nothing in (None, '', [], {})", True),
    ("empty blank", "blank in (None, '', [], {})", True),
    ("empty items", "items in (None, '', [], {})", True),
    ("empty empty_map", "empty_map in (None, '', [], {})", True),
    ("empty units", "units in (None, '', [], {})", False),
    ("empty y", "y in (None, '', [], {})", False),  # 0 is not empty
    ("not empty units", "not units in (None, '', [], {})", True),
    ("!empty name && x == 1", "not name in (None, '', [], {}) and x == 1", True),
    ("order.total", "order['total']", 80),
    ("order.customer.vip", "order['customer']['vip']", True),
    ("order['total'] > 50", "order['total'] > 50", True),
    ('order["customer"].name', "order['customer']['name']", "Fozzie"),
    ("order[key]", "order[key]", 80),
    ("order.lines[1]", "order['lines'][1]", 4),
    ("units[0] == 'finance'", "units[0] == 'finance'", True),
    ("approved ? 'yes' : 'no'", "'yes' if approved else 'no'", "yes"),
    ("x > 5 ? 'big' : x > 0 ? 'small' : 'none'", "'big' if x > 5 else 'small' if x > 0 else 'none'", "small"),
    ("approved ? (rejected ? 1 : 2) : 3", "(1 if rejected else 2) if approved else 3", 2),
    ("(x == 1)", "x == 1", True),
    ("amount + 500 > 1999", "amount + 500 > 1999", True),
    ("amount - 500 - 500", "amount - 500 - 500", 500),
    ("amount - (500 - 500)", "amount - (500 - 500)", 1500),
    ("amount * 2 / 3", "amount * 2 / 3", 1000.0),
    ("amount div 4", "amount / 4", 375.0),
    ("amount mod 7", "amount % 7", 2),
    ("amount % 2 == 0", "amount % 2 == 0", True),
    ("-x < 0", "-x < 0", True),
    ("ratio >= .5", "ratio >= 0.5", True),
    ("1.5e3 == amount", "1.5e3 == amount", True),
    ("x < 2 == true", "(x < 2) == True", True),  # comparisons do not chain
    ("  x   ==   1  ", "x == 1", True),
]


@pytest.mark.parametrize(("juel", "python", "value"), TABLE, ids=[row[0] for row in TABLE])
def test_translation_and_its_value(juel: str, python: str, value: object) -> None:
    assert translate(juel) == python
    assert SandboxedEnvironment({}).evaluate(python, dict(DATA)) == value


def test_the_table_is_at_least_forty_expressions() -> None:
    assert len(TABLE) >= 40


REFUSED = [
    ("execution.getProcessInstanceId()", "method call getProcessInstanceId()"),
    ("order.customer.getName()", "method call getName()"),
    ("a.getB().c", "method call getB()"),
    ("dateTime()", "function call dateTime()"),
    ("fn:length(units)", "a namespaced function (prefix:name) or a ':' outside '?:' at column 3"),
    ("x -> x + 1", "a lambda expression (->) at column 3"),
    ("x = 1", "an assignment (=) at column 3"),
    ("a; b", "a sequence of expressions (;) at column 2"),
    ("name += 'x'", "string concatenation (+=) at column 6"),
    ("[1, 2]", "a list literal ([…]) at column 1"),
    ("{'a': 1}", "a set or map literal ({…}) at column 1"),
    ("x instanceof y", "instanceof at column 3"),
    ("_secret", "identifier '_secret': names starting with '_' are not allowed"),
    ("$x", "identifier '$x': '$' in a name"),
    ("None == x", "identifier 'None' is a Python keyword (write null, true or false in JUEL)"),
    ("x == ", "the expression ends too early"),
    ("approved ?", "the expression ends too early"),
    ("", "the expression is empty"),
    ("x @ y", "unexpected '@' at column 3"),
]


@pytest.mark.parametrize(("juel", "message"), REFUSED, ids=[row[0] or "empty" for row in REFUSED])
def test_outside_the_subset_is_refused_with_the_construct(juel: str, message: str) -> None:
    with pytest.raises(Unsupported) as info:
        translate(juel)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("#{approved}", "a deferred expression (#{…}); write ${…}"),
        ("${a} and ${b}", "text around or between ${…} expressions (a composite expression)"),
        ("Dear ${name}", "text around or between ${…} expressions (a composite expression)"),
        ("${currentUser()", "the ${ is never closed with }"),
    ],
)
def test_whole_entries(text: str, message: str) -> None:
    with pytest.raises(Unsupported) as info:
        translate_entry(text)
    assert str(info.value) == message


def test_a_whole_entry_is_translated() -> None:
    assert translate_entry(" ${order.total > 50} ") == "order['total'] > 50"


@pytest.mark.parametrize(
    ("text", "result_variable", "python"),
    [
        ("${true}", "", "True"),
        ("${amount * 2}", "doubled", "doubled = amount * 2"),
        ("${execution.setVariable('checked', amount > 10)}", "", "checked = amount > 10"),
        ("${execution.setVariableLocal('x', order.total)}", "", "x = order['total']"),
        ("${execution.getVariable('amount') + 1}", "next", "next = amount + 1"),
    ],
)
def test_an_action_is_a_statement(text: str, result_variable: str, python: str) -> None:
    assert translate_action(text, result_variable) == python


@pytest.mark.parametrize(
    ("text", "result_variable", "message"),
    [
        (
            "${execution.setVariable(name, 1)}",
            "",
            "execution.setVariable() must name the variable with a string literal",
        ),
        ("${execution.setVariable('x')}", "", "execution.setVariable() takes a variable name and a value"),
        ("${execution.setVariable('_x', 1)}", "", "execution.setVariable('_x'): not a variable name a process may use"),
        ("${execution.setVariable('x', 1)}", "r", "execution.setVariable() has no value to keep in a result variable"),
        (
            "${a == execution.setVariable('x', 1)}",
            "",
            "execution.setVariable() stands only as a whole service task or listener expression",
        ),
        ("${1}", "class", "result variable 'class' is not a variable name a process may use"),
        ("#{true}", "", "a deferred expression (#{…}); write ${…}"),
        ("${bean.run()}", "", "method call run()"),
    ],
)
def test_an_action_outside_the_subset_is_refused(text: str, result_variable: str, message: str) -> None:
    with pytest.raises(Unsupported) as info:
        translate_action(text, result_variable)
    assert str(info.value) == message


def test_set_variable_is_not_a_value_in_a_condition() -> None:
    with pytest.raises(Unsupported, match="stands only as a whole"):
        translate_entry("${execution.setVariable('x', 1)}")


@pytest.mark.parametrize(
    ("text", "data", "value"),
    [
        ("kermit_${loopCounter}", {"loopCounter": 2}, "kermit_2"),
        ("Prefix${missing}", {"missing": None}, "Prefix"),
        ("${a} and ${b}", {"a": True, "b": False}, "true and false"),
        ("x${'}'}y", {}, "x}y"),
        ("plain text", {}, "plain text"),
        ("${order.total}", {"order": {"total": 5}}, 5),  # a whole expression keeps its type
    ],
)
def test_a_text_with_expressions_in_it_is_that_text_with_their_values(text: str, data: dict, value: object) -> None:
    """JUEL's composite expression: each ``${…}`` coerced to a string as JUEL does."""
    assert SandboxedEnvironment({}).evaluate(translate_template(text), dict(data)) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("user_${id", "the ${ is never closed with }"),
        ("user_#{id}", "a deferred expression (#{…}); write ${…}"),
        ("user_${id.name()}", "method call name()"),
    ],
)
def test_a_text_with_an_expression_outside_the_subset_is_refused(text: str, message: str) -> None:
    with pytest.raises(Unsupported) as info:
        translate_template(text)
    assert str(info.value) == message


def test_a_literal_service_expression_does_nothing_or_keeps_the_text() -> None:
    """Camunda evaluates ``camunda:expression="true"`` to the text "true"."""
    assert translate_action("true") == "'true'"
    assert translate_action("true", "result") == "result = 'true'"
