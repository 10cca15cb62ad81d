"""The JUEL subset Camunda models write, translated into the Python the sandbox runs.

Camunda 7 writes conditions, ``loopCardinality``, ``camunda:collection``, assignees,
candidates and due dates as ``${…}`` (the Unified Expression Language). This module parses
the subset such models use with a real grammar (lark, LALR) and writes the same expression
in Python, which is then compiled and run by :mod:`engine.bpmn.sandbox` like any other
expression of a process — the translation adds no capability of its own.

The subset: identifiers; property access ``a.b`` and ``a['b']`` / ``a[expr]`` (both read a
key of the case's data, which is JSON: ``a['b']``); string, number, ``true``, ``false`` and
``null`` literals; ``== != < > <= >=`` and ``eq ne lt gt le ge``; ``&& || !`` and ``and or
not``; ``empty``; ``?:``; ``+ - * / % div mod`` and unary ``-``; parentheses;
``execution.getVariable('name')`` (the variable), and as a whole expression run for its
effect, ``execution.setVariable('name', value)`` (:func:`translate_action`); where a text is
expected, text around or between ``${…}`` (:func:`translate_template`). Anything else — method
and function calls, ``#{…}`` deferred expressions, lambdas, assignments, ``;`` sequences, list
or map literals, ``instanceof``, text around an expression where a value is expected — raises
:class:`Unsupported`, whose message names the construct.

What differs from JUEL (and is said in README "Writing processes"): values are not coerced
(``'1' == 1`` is false, ``null < 1`` fails at run time, ``&&`` and ``||`` give an operand
rather than a boolean, which only matters outside a condition).
"""

from __future__ import annotations

import ast
import keyword
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

GRAMMAR = r"""
?start: ternary

?ternary: or_expr
        | or_expr "?" ternary ":" ternary           -> conditional

?or_expr: and_expr
        | or_expr _or and_expr                      -> or_
_or: "||" | "or"

?and_expr: eq_expr
         | and_expr _and eq_expr                    -> and_
_and: "&&" | "and"

?eq_expr: rel_expr
        | eq_expr eq_op rel_expr                    -> compare
!eq_op: "==" | "!=" | "eq" | "ne"

?rel_expr: add_expr
         | rel_expr rel_op add_expr                 -> compare
!rel_op: "<" | ">" | "<=" | ">=" | "lt" | "gt" | "le" | "ge"

?add_expr: mul_expr
         | add_expr add_op mul_expr                 -> arithmetic
!add_op: "+" | "-"

?mul_expr: unary
         | mul_expr mul_op unary                    -> arithmetic
!mul_op: "*" | "/" | "%" | "div" | "mod"

?unary: postfix
      | _not unary                                  -> not_
      | "-" unary                                   -> negative
      | "empty" unary                               -> empty
_not: "!" | "not"

?postfix: primary
        | postfix "." NAME                          -> property
        | postfix "[" ternary "]"                   -> index
        | postfix "(" [arguments] ")"               -> call

arguments: ternary ("," ternary)*

?primary: NAME                                      -> name
        | STRING                                    -> string
        | NUMBER                                    -> number
        | "true"                                    -> true
        | "false"                                   -> false
        | "null"                                    -> null
        | "(" ternary ")"

NAME: /[A-Za-z_$][A-Za-z0-9_$]*/
STRING: /'(\\.|[^'\\])*'/ | /"(\\.|[^"\\])*"/
NUMBER: /\d+(\.\d*)?([eE][+-]?\d+)?/ | /\.\d+([eE][+-]?\d+)?/

%import common.WS
%ignore WS
"""

# The word forms of the operators (JUEL reserves them as words)
_WORD_OPERATORS = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
}
_RESERVED = {"instanceof", "function"}

# Python precedences (higher binds tighter): what the emitter parenthesises by.
_TERNARY, _OR, _AND, _NOT, _COMPARE, _ADD, _MUL, _UNARY, _POSTFIX, _ATOM = range(1, 11)
_LEVEL = {"==": _COMPARE, "!=": _COMPARE, "<": _COMPARE, ">": _COMPARE, "<=": _COMPARE, ">=": _COMPARE}
_LEVEL |= {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "%": _MUL}


class Unsupported(ValueError):
    """An expression outside the subset; the message names the construct."""


@dataclass(frozen=True)
class _Py:
    text: str
    level: int

    def at(self, level: int) -> str:
        """The text, parenthesised when it binds less tightly than ``level`` needs."""
        return self.text if self.level >= level else f"({self.text})"


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=False)


def _string_value(token: str) -> str:
    """A JUEL string literal's value: ``\\'``, ``\\"`` and ``\\\\`` are escapes; any other
    backslash stands for itself."""
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body) and body[i + 1] in "'\"\\":
            out.append(body[i + 1])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


@v_args(inline=True)
class _ToPython(Transformer[Token, _Py]):
    def name(self, token: Token) -> _Py:
        text = str(token)
        if text in _WORD_OPERATORS or text in _RESERVED or text in ("and", "or", "not", "empty"):
            raise Unsupported(f"{text!r} cannot stand here (it is an operator)")
        if "$" in text:
            raise Unsupported(f"identifier {text!r}: '$' in a name")
        if text.startswith("_"):
            raise Unsupported(f"identifier {text!r}: names starting with '_' are not allowed")
        if keyword.iskeyword(text):
            raise Unsupported(f"identifier {text!r} is a Python keyword (write null, true or false in JUEL)")
        return _Py(text, _ATOM)

    def string(self, token: Token) -> _Py:
        return _Py(repr(_string_value(str(token))), _ATOM)

    def number(self, token: Token) -> _Py:
        text = str(token)
        return _Py(("0" + text) if text.startswith(".") else text, _ATOM)

    def true(self) -> _Py:
        return _Py("True", _ATOM)

    def false(self) -> _Py:
        return _Py("False", _ATOM)

    def null(self) -> _Py:
        return _Py("None", _ATOM)

    def property(self, target: _Py, name: Token) -> _Py:
        return _Py(f"{target.at(_POSTFIX)}[{str(name)!r}]", _POSTFIX)

    def index(self, target: _Py, key: _Py) -> _Py:
        return _Py(f"{target.at(_POSTFIX)}[{key.text}]", _POSTFIX)

    def call(self, target: _Py, *arguments: object) -> _Py:
        if target.text == _GET_VARIABLE:
            return _Py(_variable_name("execution.getVariable", arguments), _ATOM)
        if target.text in _SET_VARIABLE:
            raise Unsupported("execution.setVariable() stands only as a whole service task or listener expression")
        if target.level == _POSTFIX and target.text.endswith("']"):
            method = target.text[target.text.rfind("['") + 2 : -2]
            raise Unsupported(f"method call {method}()")
        raise Unsupported(f"function call {target.text}()")

    def arguments(self, *items: _Py) -> tuple[_Py, ...]:
        return items

    def _operator(self, token: Token) -> str:
        return _WORD_OPERATORS.get(str(token), str(token))

    eq_op = rel_op = add_op = mul_op = _operator

    def not_(self, operand: _Py) -> _Py:
        # JUEL's unary operators bind tighter than comparisons: ``!a == b`` is ``(!a) == b``
        return _Py(f"not {operand.at(_NOT)}", _NOT)

    def negative(self, operand: _Py) -> _Py:
        return _Py(f"-{operand.at(_UNARY)}", _UNARY)

    def empty(self, operand: _Py) -> _Py:
        # null, '' and an empty list or map are empty; 0 and false are not
        return _Py(f"{operand.at(_ADD)} in (None, '', [], {{}})", _COMPARE)

    def compare(self, left: _Py, op: str, right: _Py) -> _Py:
        # comparisons do not chain in JUEL: each operand binds tighter than a comparison
        return _Py(f"{left.at(_ADD)} {op} {right.at(_ADD)}", _COMPARE)

    def arithmetic(self, left: _Py, op: str, right: _Py) -> _Py:
        level = _LEVEL[op]
        return _Py(f"{left.at(level)} {op} {right.at(level + 1)}", level)

    def and_(self, left: _Py, right: _Py) -> _Py:
        return _Py(f"{left.at(_AND)} and {right.at(_NOT)}", _AND)

    def or_(self, left: _Py, right: _Py) -> _Py:
        return _Py(f"{left.at(_OR)} or {right.at(_AND)}", _OR)

    def conditional(self, test: _Py, then: _Py, otherwise: _Py) -> _Py:
        return _Py(f"{then.at(_OR)} if {test.at(_OR)} else {otherwise.at(_TERNARY)}", _TERNARY)


# Camunda's ``execution`` object: only reading and writing a case variable by a literal name,
# the two calls models use it for; anything else of it has no counterpart in a case's data.
_GET_VARIABLE = "execution['getVariable']"
_SET_VARIABLE = ("execution['setVariable']", "execution['setVariableLocal']")


def _variable_name(call: str, arguments: tuple[object, ...]) -> str:
    """The variable a ``getVariable`` / ``setVariable`` names: a string literal that is a
    name a script may use."""
    items = arguments[0] if arguments and isinstance(arguments[0], tuple) else ()
    first = items[0] if items else None
    if not isinstance(first, _Py) or not first.text.startswith(("'", '"')):
        raise Unsupported(f"{call}() must name the variable with a string literal")
    name = ast.literal_eval(first.text)
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
        raise Unsupported(f"{call}({name!r}): not a variable name a process may use")
    return str(name)


_CONSTRUCTS = {
    "->": "a lambda expression (->)",
    "=": "an assignment (=)",
    ";": "a sequence of expressions (;)",
    "+=": "string concatenation (+=)",
    "{": "a set or map literal ({…})",
    "#": "a deferred expression (#{…})",
    ":": "a namespaced function (prefix:name) or a ':' outside '?:'",
    "instanceof": "instanceof",
    "function": "a function",
    "[": "a list literal ([…])",
}


def _refusal(source: str, error: UnexpectedInput) -> Unsupported:
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        return Unsupported("the expression ends too early")
    pos = error.pos_in_stream or 0
    column = getattr(error, "column", None) or pos + 1
    # two-character constructs whose first character the grammar took for an operator
    before = source[max(pos - 1, 0) : pos + 1]
    for pair in ("->", "+="):
        if before == pair:
            return Unsupported(f"{_CONSTRUCTS[pair]} at column {column - 1}")
    found = source[pos : pos + 20].split()[0] if source[pos:].strip() else source[pos:]
    for start, what in _CONSTRUCTS.items():
        if found.startswith(start):
            return Unsupported(f"{what} at column {column}")
    return Unsupported(f"unexpected {found!r} at column {column}")


@lru_cache(maxsize=4096)
def translate(source: str) -> str:
    """The Python expression for a JUEL expression (the text inside ``${…}``), or
    :class:`Unsupported` naming what is outside the subset."""
    text = source.strip()
    if not text:
        raise Unsupported("the expression is empty")
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as error:
        raise _refusal(text, error) from None
    python: str = _transform(tree).text
    return python


def _transform(tree: Any) -> Any:
    try:
        return _ToPython().transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, Unsupported):
            raise error.orig_exc from None
        raise


def translate_action(text: str, result_variable: str = "") -> str:
    """The Python statement for a whole ``${…}`` run for its effect (a service task's
    ``camunda:expression``, an expression listener): ``execution.setVariable('x', e)``
    becomes ``x = e``; any other expression is evaluated, its value kept in
    ``result_variable`` when one is named (Camunda's ``camunda:resultVariable``)."""
    if not (is_juel(text) and text.strip().count("${") == 1):
        python = translate_template(text)  # a text (Camunda evaluates "true" to the text "true")
        return f"{_result_variable(result_variable)} = {python}" if result_variable else python
    source = _entry_body(text).strip()
    try:
        tree = _parser().parse(source)
    except UnexpectedInput as error:
        raise _refusal(source, error) from None
    target = tree.children[0] if tree.data == "call" else None
    if target is not None and _transform(target).text in _SET_VARIABLE:
        arguments = tuple(_transform(c) for c in tree.children[1:])
        flat = arguments[0] if arguments else ()
        if not isinstance(flat, tuple) or len(flat) != 2:
            raise Unsupported("execution.setVariable() takes a variable name and a value")
        if result_variable:
            raise Unsupported("execution.setVariable() has no value to keep in a result variable")
        return f"{_variable_name('execution.setVariable', arguments)} = {flat[1].text}"
    python = translate(source)
    return f"{_result_variable(result_variable)} = {python}" if result_variable else python


def _result_variable(name: str) -> str:
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
        raise Unsupported(f"result variable {name!r} is not a variable name a process may use")
    return name


def translate_template(text: str) -> str:
    """The Python for a text-valued entry (an assignee, a candidate, a mapping's source, a
    parameter, a service task's expression): a whole ``${…}`` is its expression's value;
    text around or between ``${…}`` (JUEL's composite expression, ``kermit_${loopCounter}``)
    is that text with each expression's value written in, as JUEL coerces it to a string
    (null as nothing, ``true`` / ``false``); a text without any is itself."""
    stripped = text.strip()
    if is_juel(stripped) and stripped.count("${") == 1:
        return translate_entry(stripped)
    parts = [_as_text(translate(body)) if is_expression else repr(body) for is_expression, body in _pieces(text)]
    return " + ".join(parts) or "''"


def _as_text(python: str) -> str:
    try:  # a literal is written as its text at once (``is`` on a literal is a SyntaxWarning)
        literal = ast.literal_eval(python)
    except (ValueError, SyntaxError):
        pass
    else:
        return repr("" if literal is None else str(literal).lower() if isinstance(literal, bool) else str(literal))
    value = f"({python})"
    return f"('' if {value} is None else 'true' if {value} is True else 'false' if {value} is False else str({value}))"


def _pieces(text: str) -> list[tuple[bool, str]]:
    """A composite text split into its literal parts (False) and the bodies of its
    ``${…}`` (True); a ``}`` inside a string literal does not close an expression."""
    pieces: list[tuple[bool, str]] = []
    literal, i = "", 0
    while i < len(text):
        if text.startswith("#{", i):
            raise Unsupported("a deferred expression (#{…}); write ${…}")
        if not text.startswith("${", i):
            literal += text[i]
            i += 1
            continue
        end, quote = i + 2, ""
        while end < len(text) and (quote or text[end] != "}"):
            if quote and text[end] == "\\":
                end += 1
            elif text[end] == quote:
                quote = ""
            elif not quote and text[end] in "'\"":
                quote = text[end]
            end += 1
        if end >= len(text):
            raise Unsupported("the ${ is never closed with }")
        if literal:
            pieces.append((False, literal))
            literal = ""
        pieces.append((True, text[i + 2 : end]))
        i = end + 1
    if literal:
        pieces.append((False, literal))
    return pieces


def is_juel(text: str) -> bool:
    """A whole ``${…}`` expression (what is translated); a plain text is not."""
    text = text.strip()
    return text.startswith("${") and text.endswith("}")


def body(text: str) -> str:
    text = text.strip()
    return text[2:-1]


def _entry_body(text: str) -> str:
    """The expression inside a whole ``${…}`` text; ``#{…}`` and text around an expression
    refused."""
    stripped = text.strip()
    if "#{" in stripped:
        raise Unsupported("a deferred expression (#{…}); write ${…}")
    if stripped.startswith("${") and "}" not in stripped:
        raise Unsupported("the ${ is never closed with }")
    if not is_juel(stripped) or stripped.count("${") != 1:
        raise Unsupported("text around or between ${…} expressions (a composite expression)")
    return body(stripped)


def translate_entry(text: str) -> str:
    """Translate a whole ``${…}`` text; refuse ``#{…}`` and text around an expression."""
    return translate(_entry_body(text))
