"""The restricted environment in which a deployed BPMN's expressions and scripts run.

Process definitions are untrusted input: RestrictedPython compiles them (no imports, no
``_``-prefixed names, guarded attribute access, no ``open``/``exec``/``eval``), and
they run with a small whitelist of builtins plus the date helpers. A process that tries
something forbidden gets a :class:`~engine.errors.ScriptError` naming what it tried.

Every script and expression also runs on a budget (:class:`Budget`): wall-clock time and
steps. The compiler puts a ``_tick_()`` call wherever code can repeat (loop bodies,
comprehension items, function and lambda bodies), which counts the step and looks at the
clock; and the operations that could run long in one C call (``**``, ``*``, ``<<``, ``+``
and ``%`` on text, ``range``, padding and formatting widths, ``round``, ``sum`` of
non-numbers...) are checked before they run against fixed size limits. A script
that runs out raises :class:`BudgetExceeded`; the runtime names the element. A runaway
script must fail on its own: while it runs, its use case holds the case's lock (on SQLite,
the database's write lock), and Python cannot interrupt a thread from outside.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from time import monotonic, sleep
from types import CodeType
from typing import Any, cast

from RestrictedPython.compile import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from ..deadlines.settings import DEFAULTS, SCRIPT_STEP_BUDGET, SCRIPT_TIME_BUDGET
from ..errors import ScriptError

# What one operation may build or compute: a list, text or bytes of at most MAX_LENGTH
# items or characters (also the longest ``range`` and the widest padding), an integer of
# at most MAX_INT_BITS bits (about 3,000 digits; Python refuses to print 4,300 anyway).
MAX_LENGTH = 1_000_000
MAX_INT_BITS = 10_000
MAX_ROUND_DIGITS = 100
# The least budget there is, whatever the settings say: scripts may spend this much before
# the settings are read (so a use case whose scripts stay under it never reads them).
MIN_TIME_MS = 50
MIN_STEPS = 10_000
# All the engine steps of one use case together may run this many times a script's time.
RUN_FACTOR = 5
# A script running long pauses PAUSE_S every PAUSE_EVERY_S of its time (it runs about 7 %
# slower; scripts shorter than that never pause). Without it a thread back from I/O gets
# the interpreter lock only when Python forces a switch, every 5 ms: while a runaway script
# ran, each statement of another request in the same process waited that long (on
# PostgreSQL a 2 ms /me took 110 ms and a completion 230 ms; with the pauses 40 and 80 ms).
# sleep(0) would not do: the script takes the lock straight back.
PAUSE_EVERY_S = 0.002
PAUSE_S = 0.0001

_EXTRA_BUILTINS = {
    name: getattr(__import__("builtins"), name)
    for name in (
        "min",
        "max",
        "sum",
        "any",
        "all",
        "len",
        "sorted",
        "enumerate",
        "list",
        "dict",
        "set",
        "reversed",
        "map",
        "filter",
        "zip",
        "round",
        "abs",
    )
}

_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "|=": operator.ior,
    "&=": operator.iand,
}


# -- operations that could run long in one C call -----------------------------------------
_SEQUENCES = (str, bytes, bytearray, list, tuple)
_BINOPS: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add),
    ast.Mult: ("*", operator.mul),
    ast.Pow: ("**", operator.pow),
    ast.LShift: ("<<", operator.lshift),
    ast.Mod: ("%", operator.mod),
}
_BINOP_BY_SYMBOL = dict(_BINOPS.values())
_PRINTF_SPEC = re.compile(r"%%|%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")


def _count(n: int | float) -> str:
    return str(int(n)) if n < 10**18 else "more than 10^18"


def _check_length(n: int | float) -> None:
    if n > MAX_LENGTH:
        raise ScriptError(
            f"that would build {_count(n)} items or characters at once; a process script may build at most {MAX_LENGTH}"
        )


def _check_bits(bits: int | float) -> None:
    if bits > MAX_INT_BITS:
        raise ScriptError(
            f"that would compute a number of {_count(bits)} bits; "
            f"a process script may compute at most {MAX_INT_BITS} bits"
        )


def _check_width(digits: str) -> None:
    if len(digits) > 9 or int(digits) > MAX_LENGTH:
        raise ScriptError(f"a width or precision of {digits[:12]} is more than the {MAX_LENGTH} allowed")


def _is_int(value: Any) -> bool:
    return isinstance(value, int)


def _check_binop(symbol: str, left: Any, right: Any) -> None:
    """Refuse, before it runs, an operation whose result would be huge or take long."""
    if symbol == "*":
        if isinstance(left, _SEQUENCES) and _is_int(right):
            _check_length(len(left) * max(right, 0))
        elif isinstance(right, _SEQUENCES) and _is_int(left):
            _check_length(len(right) * max(left, 0))
        elif _is_int(left) and _is_int(right):
            _check_bits(left.bit_length() + right.bit_length())
    elif symbol == "**":
        if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
            _check_bits(right * math.log2(abs(left)) if right.bit_length() < 64 else math.inf)
    elif symbol == "<<":
        if _is_int(left) and _is_int(right) and right > 0 and left != 0:
            _check_bits(left.bit_length() + right)
    elif symbol == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            _check_length(len(left) + len(right))
    elif symbol == "%" and isinstance(left, (str, bytes)):
        text = left if isinstance(left, str) else left.decode("latin-1")
        for match in _PRINTF_SPEC.finditer(text):
            for digits in filter(None, match.groups()):
                if digits == "*":
                    raise ScriptError("a * width or precision in a % format is not allowed in process scripts")
                _check_width(digits)


def _binop(symbol: str, left: Any, right: Any) -> Any:
    _check_binop(symbol, left, right)
    return _BINOP_BY_SYMBOL[symbol](left, right)


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    if op not in _INPLACE:
        raise ScriptError(f"operator {op} is not allowed in process scripts")
    _check_binop(op[:-1], x, y)
    return _INPLACE[op](x, y)


_CONVERSIONS: dict[int, Callable[[Any], str]] = {ord("s"): str, ord("r"): repr, ord("a"): ascii}


def _format(value: Any, conversion: int, spec: str) -> str:
    """An f-string's ``{value!conversion:spec}``, its widths checked first."""
    if conversion != -1:
        value = _CONVERSIONS[conversion](value)
    for digits in _DIGITS.findall(spec):
        _check_width(digits)
    return format(value, spec)


def _range(*args: int) -> range:
    numbers = range(*args)
    size: float
    try:
        size = len(numbers)
    except OverflowError:
        size = math.inf
    _check_length(size)
    return numbers


def _pow(base: Any, exp: Any, mod: Any = None) -> Any:
    if mod is None:
        _check_binop("**", base, exp)
    elif _is_int(base) and _is_int(exp) and _is_int(mod):
        _check_bits(max(base.bit_length(), exp.bit_length(), mod.bit_length()) * 2)
    return pow(base, exp, mod)


def _round(number: Any, ndigits: int | None = None) -> Any:
    if ndigits is None:
        return round(number)
    if _is_int(ndigits) and abs(ndigits) > MAX_ROUND_DIGITS:
        raise ScriptError(f"round() to {ndigits} digits: at most {MAX_ROUND_DIGITS} either way")
    return round(number, ndigits)


def _sum(iterable: Iterable[Any], /, start: Any = 0) -> Any:
    """Numbers only: adding up lists or tuples copies them over and over (quadratic time)."""
    if not isinstance(start, (int, float, complex)):
        raise ScriptError("sum() adds up numbers in process scripts; build lists with a comprehension")
    return sum(iterable, start)


def _padded(method: Callable[..., Any], _self: Any, width: Any, *args: Any) -> Any:
    if _is_int(width):
        _check_length(width)
    return method(width, *args)


def _expanded(method: Callable[..., Any], text: Any, tabsize: Any = 8) -> Any:
    if _is_int(tabsize):
        _check_length(len(text) + text.count("\t" if isinstance(text, str) else b"\t") * max(tabsize, 0))
    return method(tabsize)


def _replaced(method: Callable[..., Any], text: Any, old: Any, new: Any, count: Any = -1) -> Any:
    if isinstance(old, type(text)) and isinstance(new, type(text)) and _is_int(count):
        found = len(text) + 1 if not old else text.count(old)
        times = found if count < 0 else min(found, count)
        _check_length(len(text) + times * (len(new) - len(old)))
    return method(old, new, count)


def _joined(method: Callable[..., Any], separator: Any, iterable: Iterable[Any]) -> Any:
    items = list(iterable)
    _check_length(sum(len(i) for i in items if isinstance(i, _SEQUENCES)) + len(separator) * max(len(items) - 1, 0))
    return method(items)


def _translated(method: Callable[..., Any], text: Any, table: Any, *args: Any) -> Any:
    if isinstance(text, str):
        if not isinstance(table, dict):
            raise ScriptError("str.translate() takes a dict in process scripts")
        longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
        _check_length(len(text) * max(longest, 1))
    return method(table, *args)


def _extended(method: Callable[..., Any], items: list[Any], more: Iterable[Any]) -> Any:
    more = list(more)
    _check_length(len(items) + len(more))
    return method(more)


def _to_bytes(method: Callable[..., Any], length: Any = 1, *args: Any, **kwargs: Any) -> Any:
    if _is_int(length):
        _check_length(length)
    return method(length, *args, **kwargs)


def _from_bytes(method: Callable[..., Any], data: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(data, (bytes, bytearray)):
        _check_bits(len(data) * 8)
    return method(data, *args, **kwargs)


_SIZED_METHODS: dict[str, Callable[..., Any]] = {
    "ljust": _padded,
    "rjust": _padded,
    "center": _padded,
    "zfill": _padded,
    "expandtabs": _expanded,
    "replace": _replaced,
    "join": _joined,
    "translate": _translated,
    "extend": _extended,
}


def _getattr(obj: Any, name: str, default: Any = None) -> Any:
    """RestrictedPython's ``safer_getattr``; the methods that can build something huge
    from small arguments come back checked."""
    value = safer_getattr(obj, name, default)  # type: ignore[no-untyped-call]
    if isinstance(obj, _SEQUENCES) and name in _SIZED_METHODS and callable(value):
        check = _SIZED_METHODS[name]
        return lambda *args, **kwargs: check(value, obj, *args, **kwargs)
    if name == "to_bytes" and _is_int(obj) and callable(value):
        return lambda *args, **kwargs: _to_bytes(value, *args, **kwargs)
    if name == "from_bytes" and (obj is int or _is_int(obj)) and callable(value):
        return lambda *args, **kwargs: _from_bytes(value, *args, **kwargs)
    return value


def _restricted_globals() -> dict[str, Any]:
    return {
        "__builtins__": {
            **safe_builtins,
            **_EXTRA_BUILTINS,
            "range": _range,
            "pow": _pow,
            "round": _round,
            "sum": _sum,
        },
        "_getattr_": _getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
        "_binop_": _binop,
        "_format_": _format,
    }


# -- the compiler: ticks and guarded operators ------------------------------------------------
_TICK = "_tick_"


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _located(new: ast.AST, old: ast.AST) -> Any:
    return ast.fix_missing_locations(ast.copy_location(new, old))


class BudgetedTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus a ``_tick_()`` wherever code can repeat and the
    operators that can build something huge in one C call routed through checks. The
    names it adds start with ``_``, which no process code may write or read itself."""

    def _tick_first(self, node: ast.For | ast.While | ast.FunctionDef) -> None:
        node.body.insert(0, _located(ast.Expr(_call(_TICK)), node.body[0]))

    def visit_For(self, node: ast.For) -> Any:
        node = cast(ast.For, super().visit_For(node))
        self._tick_first(node)
        return node

    def visit_While(self, node: ast.While) -> Any:
        node = cast(ast.While, super().visit_While(node))
        self._tick_first(node)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        node = cast(ast.FunctionDef, super().visit_FunctionDef(node))
        self._tick_first(node)
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        node = cast(ast.Lambda, super().visit_Lambda(node))
        node.body = _located(ast.BoolOp(op=ast.And(), values=[_call(_TICK), node.body]), node.body)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        node = cast(ast.comprehension, super().visit_comprehension(node))
        node.ifs.insert(0, _located(_call(_TICK), node.iter))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = cast(ast.BinOp, super().visit_BinOp(node))
        if type(node.op) not in _BINOPS:
            return node
        symbol = _BINOPS[type(node.op)][0]
        return _located(_call("_binop_", ast.Constant(symbol), node.left, node.right), node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        node = cast(ast.FormattedValue, super().visit_FormattedValue(node))
        if node.format_spec is None:
            return node
        value = _call("_format_", node.value, ast.Constant(node.conversion), node.format_spec)
        return _located(ast.FormattedValue(value=value, conversion=-1, format_spec=None), node)


# -- the budget ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScriptLimits:
    """What one script or expression may spend: wall-clock milliseconds and steps (loop
    iterations, comprehension items, function calls)."""

    time_ms: int
    steps: int

    @classmethod
    def from_settings(cls, values: Mapping[str, int]) -> ScriptLimits:
        """From the named settings, never below the floor every budget has."""
        return cls(max(MIN_TIME_MS, values[SCRIPT_TIME_BUDGET]), max(MIN_STEPS, values[SCRIPT_STEP_BUDGET]))

    @property
    def run_ms(self) -> int:
        return RUN_FACTOR * self.time_ms


FLOOR = ScriptLimits(MIN_TIME_MS, MIN_STEPS)


def default_limits() -> ScriptLimits:
    return ScriptLimits.from_settings({name: spec.default for name, spec in DEFAULTS.items()})


class BudgetExceeded(ScriptError):
    """A script or expression ran out of its budget. Raised where the element is not
    known; :meth:`located` says it with the element (``script Task_X ran longer than
    1000 ms``)."""

    def __init__(self, subject: str, detail: str):
        super().__init__(f"{subject} {detail}")
        self.subject, self.detail = subject, detail

    def located(self, element: str | None) -> str:
        if not element:
            return self.message
        if self.subject == "script":
            return f"script {element} {self.detail}"
        return f"{self.subject} of {element} {self.detail}"


class Budget:
    """The limits of one runtime, shared by everything it runs: each script or expression
    has its own time and steps; all of them together, from the runtime's first engine step
    on, have ``RUN_FACTOR`` times the time (a process that loops over script tasks without
    ever waiting). The limits are read (from the settings: a query) only when something
    gets past the floor every budget has."""

    def __init__(self, limits: Callable[[], ScriptLimits] | None = None):
        self._load = limits or default_limits
        self._limits: ScriptLimits | None = None
        self._run_started: float | None = None

    def limits(self) -> ScriptLimits:
        if self._limits is None:
            self._limits = self._load()
        return self._limits

    def known(self) -> ScriptLimits:
        """The limits if read already, else the floor (which they never go below)."""
        return self._limits or FLOOR

    def start_run(self) -> None:
        if self._run_started is None:
            self._run_started = monotonic()

    def run_deadline(self, limits: ScriptLimits) -> float:
        return math.inf if self._run_started is None else self._run_started + limits.run_ms / 1000

    def run_overrun(self) -> str | None:
        """What the run has overspent (``ran longer than 5000 ms``), or None."""
        if monotonic() <= self.run_deadline(self.known()):
            return None
        limits = self.limits()
        return f"ran longer than {limits.run_ms} ms" if monotonic() > self.run_deadline(limits) else None

    def meter(self, kind: str, source: str) -> Meter:
        return Meter(self, kind, source)


class Meter:
    """One script's or expression's spending; the compiled code calls :meth:`tick` at every
    step. Once exhausted it stays so: process code that catches the error meets it again
    at its next step."""

    __slots__ = (
        "_budget",
        "_deadline",
        "_kind",
        "_max_steps",
        "_next_pause",
        "_run_binds",
        "_source",
        "_started",
        "_steps",
    )

    def __init__(self, budget: Budget, kind: str, source: str):
        self._budget, self._kind, self._source = budget, kind, source
        self._started = monotonic()
        self._next_pause = self._started + PAUSE_EVERY_S
        self._steps = 0
        self._settle(budget.known())

    def _settle(self, limits: ScriptLimits) -> None:
        own, run = self._started + limits.time_ms / 1000, self._budget.run_deadline(limits)
        self._max_steps, self._deadline, self._run_binds = limits.steps, min(own, run), run < own

    def tick(self) -> bool:
        self._steps += 1
        now = monotonic()
        if self._steps > self._max_steps or now > self._deadline:
            self._overspent()
        if now > self._next_pause:
            sleep(PAUSE_S)  # lets the process's other threads run (see PAUSE_EVERY_S)
            self._next_pause = monotonic() + PAUSE_EVERY_S
        return True

    def _overspent(self) -> None:
        limits = self._budget.limits()
        self._settle(limits)
        if self._steps > self._max_steps:
            detail = f"ran more than {limits.steps} steps (loop iterations and function calls)"
        elif monotonic() > self._deadline:
            detail = (
                f"ran past the {limits.run_ms} ms that all the engine steps of one action may take"
                if self._run_binds
                else f"ran longer than {limits.time_ms} ms"
            )
        else:
            return
        raise BudgetExceeded(self.subject, detail)

    @property
    def subject(self) -> str:
        if self._kind == "script":
            return "script"
        source = " ".join(self._source.split())
        return f"expression {source if len(source) <= 60 else source[:59] + '…'!r}"


def _reject_imports(source: str) -> None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return  # RestrictedPython reports it with a better message
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ScriptError(f"line {node.lineno}: imports are not allowed in process scripts")


def builtin_names() -> frozenset[str]:
    """The builtins a process's scripts and expressions may call (``len``, ``round`` …)."""
    return frozenset(_restricted_globals()["__builtins__"])


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> CodeType:
    """Compile an expression, or raise ScriptError saying why it is refused."""
    result = compile_restricted_eval(source.strip(), "<expression>", policy=BudgetedTransformer)
    if result.errors or result.code is None:
        raise ScriptError(f"expression {source.strip()!r} is not allowed: {'; '.join(result.errors)}")
    return result.code


@lru_cache(maxsize=1024)
def compile_script(source: str) -> CodeType:
    _reject_imports(source)
    result = compile_restricted_exec(source, "<script>", policy=BudgetedTransformer)
    if result.errors or result.code is None:
        raise ScriptError(f"script is not allowed: {'; '.join(result.errors)}")
    return result.code


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment that evaluates through RestrictedPython."""

    def __init__(self, helpers: dict[str, Any], budget: Budget | None = None):
        super().__init__(helpers)
        self.budget = budget or Budget()
        self._base = {**_restricted_globals(), **helpers}

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        code = compile_expression(expression)
        meter = self.budget.meter("expression", expression)
        scope = {**self._base, **(external_context or {}), **context, _TICK: meter.tick}
        try:
            return eval(code, scope)  # restricted bytecode
        except ScriptError:
            raise
        except Exception as exc:
            raise ScriptError(f"expression {expression.strip()!r} failed: {type(exc).__name__}: {exc}") from exc

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        code = compile_script(script)
        reserved = set(self._base) | set(external_context or {})
        clashes = sorted(reserved.intersection(context))
        if clashes:
            raise ScriptError(f"task data overwrites the helper(s) {', '.join(clashes)}; rename those variables")
        meter = self.budget.meter("script", script)
        scope = {**self._base, **(external_context or {}), **context, _TICK: meter.tick}
        try:
            exec(code, scope)  # restricted bytecode
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
