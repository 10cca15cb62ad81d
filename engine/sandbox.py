"""The restricted environment in which a deployed BPMN's expressions and scripts run.

Process definitions are untrusted input: RestrictedPython compiles them (no imports, no
``_``-prefixed names, guarded attribute access, no ``open``/``exec``/``eval``), and
they run with a small whitelist of builtins plus the date helpers. A process that tries
something forbidden gets a :class:`~engine.errors.ScriptError` naming what it tried.
"""
from __future__ import annotations

import ast
import operator
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .errors import ScriptError

_EXTRA_BUILTINS = {name: getattr(__import__("builtins"), name) for name in (
    "min", "max", "sum", "any", "all", "len", "sorted", "enumerate", "list", "dict", "set",
    "reversed", "map", "filter", "zip", "round", "abs")}

_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "%=": operator.imod, "|=": operator.ior, "&=": operator.iand}


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    if op not in _INPLACE:
        raise ScriptError(f"operator {op} is not allowed in process scripts")
    return _INPLACE[op](x, y)


def _restricted_globals() -> dict[str, Any]:
    return {
        "__builtins__": {**safe_builtins, **_EXTRA_BUILTINS},
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
    }


def _reject_imports(source: str) -> None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return  # RestrictedPython reports it with a better message
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ScriptError(f"line {node.lineno}: imports are not allowed in process scripts")


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> CodeType:
    """Compile an expression, or raise ScriptError saying why it is refused."""
    result = compile_restricted_eval(source.strip(), "<expression>")
    if result.errors or result.code is None:
        raise ScriptError(f"expression {source.strip()!r} is not allowed: {'; '.join(result.errors)}")
    return result.code


@lru_cache(maxsize=1024)
def compile_script(source: str) -> CodeType:
    _reject_imports(source)
    result = compile_restricted_exec(source, "<script>")
    if result.errors or result.code is None:
        raise ScriptError(f"script is not allowed: {'; '.join(result.errors)}")
    return result.code


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment that evaluates through RestrictedPython."""

    def __init__(self, helpers: dict[str, Any]):
        super().__init__(helpers)
        self._base = {**_restricted_globals(), **helpers}

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        code = compile_expression(expression)
        scope = {**self._base, **(external_context or {}), **context}
        try:
            return eval(code, scope)  # noqa: S307 - restricted bytecode
        except ScriptError:
            raise
        except Exception as exc:
            raise ScriptError(f"expression {expression.strip()!r} failed: {type(exc).__name__}: {exc}") from exc

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        code = compile_script(script)
        reserved = set(self._base) | set(external_context or {})
        clashes = sorted(reserved.intersection(context))
        if clashes:
            raise ScriptError(f"task data overwrites the helper(s) {', '.join(clashes)}; rename those variables")
        scope = {**self._base, **(external_context or {}), **context}
        try:
            exec(code, scope)  # noqa: S102 - restricted bytecode
        except ScriptError:
            raise
        except Exception as exc:
            raise ScriptError(f"script failed: {type(exc).__name__}: {exc}") from exc
        for key, value in scope.items():
            if key in reserved or key.startswith("_") or callable(value):
                continue
            context[key] = value
        for key in [k for k in context if k not in scope]:
            del context[key]
        return True
