"""Expressions and scripts from a deployed BPMN run restricted."""

import pytest

from engine.bpmn.sandbox import SandboxedEnvironment
from engine.errors import ScriptError


@pytest.fixture
def env() -> SandboxedEnvironment:
    return SandboxedEnvironment({"double": lambda x: 2 * x})


def test_evaluates_against_task_data_and_helpers(env):
    assert env.evaluate("double(a) + 1", {"a": 20}) == 41
    assert env.evaluate("evaluation == '不满意'", {"evaluation": "不满意"}) is True


def test_script_assigns_variables_into_the_task_data(env):
    data = {"n": 1, "units": ["finance", "land"]}
    env.execute("n = n + 1\ncount = len(units)\nnames = [u.upper() for u in units]", data)
    assert data == {"n": 2, "units": ["finance", "land"], "count": 2, "names": ["FINANCE", "LAND"]}


def test_script_can_delete_a_variable(env):
    data = {"tmp": 1, "keep": 2}
    env.execute("del tmp", data)
    assert data == {"keep": 2}


@pytest.mark.parametrize(
    "expression, reason",
    [
        ("__import__('os').system('true')", "__import__"),
        ("().__class__.__bases__[0].__subclasses__()", "__class__"),
        ("open('/etc/passwd').read()", "open"),
        ("eval('1')", "eval"),
        ("getattr(a, '__dict__')", "__dict__"),
    ],
)
def test_refuses_escapes(env, expression, reason):
    with pytest.raises(ScriptError) as info:
        env.evaluate(expression, {"a": object()})
    assert reason in str(info.value) or "not allowed" in str(info.value) or "not defined" in str(info.value)


def test_refuses_imports_in_scripts(env):
    with pytest.raises(ScriptError, match="imports are not allowed"):
        env.execute("import os\nos.system('true')", {})
    with pytest.raises(ScriptError, match="imports are not allowed"):
        env.execute("from subprocess import run", {})


def test_a_variable_may_not_shadow_a_helper(env):
    with pytest.raises(ScriptError, match="double"):
        env.execute("x = 1", {"double": 3})


def test_runtime_errors_name_the_expression(env):
    with pytest.raises(ScriptError, match="missing_var"):
        env.evaluate("missing_var + 1", {})
