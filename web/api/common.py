"""What every API blueprint shares: authentication (token or session + CSRF), JSON
errors for argument validation, and the two ways to get a database session."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import marshmallow as ma
from flask import Response, abort, current_app, g, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow.fields import Field as MarshmallowField
from sqlalchemy.orm import Session
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from engine.errors import FieldError
from engine.usecases import tokens
from engine.usecases.context import Actor

from .. import database
from ..auth import SAFE_METHODS, current_actor
from ..errors import LibraryError, handle_http_error, json_error
from ..security import csrf

PREFIX = "/api/v1"
# Deeper than any request body of this API (a form's data is two or three levels): refused
# before anything walks it, the JSON decoder and marshmallow recursing as they go.
MAX_JSON_DEPTH = 32
# what no database keeps in text: a NUL, an unpaired surrogate (a field's name is written with it as its escape)
_UNSHOWABLE = re.compile("[\x00\ud800-\udfff]")
# what these checks refuse, as the API has always said it (``fields``, ``codes``: invalid with
# it as the message); ``said`` says the field error it means, in the reader's language
NUL_REFUSED = "must not contain NUL characters"
UNPAIRED_REFUSED = "must not contain unpaired surrogate characters (U+D800 to U+DFFF): not valid Unicode"
# Python's JSON decoder reads NaN, Infinity and -Infinity (and 1e999 as infinity), which JSON
# has no such numbers for: no database's JSON keeps them, and no bound compares with them
NOT_FINITE_REFUSED = "NaN and Infinity are not JSON numbers: send a finite number"


# A multipart body's fields and files read by one schema: flask-smorest documents one request
# body per operation, so a file and the form fields sent with it (``files`` and ``form`` as
# two arguments) came out as a urlencoded body without the file.
FORM_AND_FILES = "form_and_files"


class _Parser(FlaskParser):
    __location_map__: ClassVar[dict[str, Any]] = {**FlaskParser.__location_map__, FORM_AND_FILES: "load_form_and_files"}

    def load_form_and_files(self, req: Any, schema: ma.Schema) -> Any:
        both: MultiDict[str, Any] = MultiDict(req.form)
        for name, upload in req.files.items(multi=True):
            both.add(name, upload)
        return self._makeproxy(both, schema)


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


# The refusals any operation may answer, documented on each (the operation's own wording, set
# with ``bp.alt_response`` / ``bp.doc``, is kept): every request authenticates; every use case
# asks engine/access; a URL naming something may name nothing; and every write may lose a race
# (a versioned row changed meanwhile, web.errors.handle_stale_data) or find its subject moved on.
UNAUTHORIZED = _error_response("no valid token or session (WWW-Authenticate: Bearer)")
FORBIDDEN = _error_response("you may not do this (your roles or this case's access)")
NOT_FOUND = _error_response("what the URL names does not exist, or is not yours to see")
CONFLICT = _error_response("it changed meanwhile: someone else's write came first, or its state no longer allows this")
_WRITES = frozenset({"post", "put", "patch", "delete"})


@dataclass(frozen=True)
class _Argument:
    """One ``bp.arguments`` of a view: its schema, where it reads (``json``, ``query``...) and
    how webargs was told to load it."""

    schema: ma.Schema
    location: str
    options: Mapping[str, Any]  # what the view gave webargs beside them: unknown, validate


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING: ClassVar[dict[str, str]] = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        FORM_AND_FILES: "multipart/form-data",
    }

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Any:
        """flask-smorest's, with the schema made here, once: given a class, webargs makes
        an instance on every request (25 µs for the smallest); loading keeps no state in
        the schema, so one instance serves every request. The schema is also kept on the view
        (``congressflow_arguments``), for ``reject_unstorable`` to say a request's other field
        errors beside the text it refuses before any handler runs."""
        schema = schema() if isinstance(schema, type) else schema
        options = {name: kwargs[name] for name in ("unknown", "validate") if name in kwargs}
        argument = _Argument(schema, kwargs.get("location", "json"), options)
        decorate = super().arguments(schema, *args, **kwargs)

        def decorator(func: Any) -> Any:
            view = decorate(func)  # functools.wraps: the function's own arguments come along
            view.congressflow_arguments = (*getattr(func, "congressflow_arguments", ()), argument)
            return view

        return decorator

    def add_url_rule(self, rule: str, endpoint: str | None = None, view_func: Any = None, *args: Any, **kwargs: Any):
        """flask-smorest's, each operation given a stable ``operationId`` (``<area>_<function>``,
        the method added when one function answers several) and the refusals it may answer."""
        super().add_url_rule(rule, endpoint, view_func, *args, **kwargs)
        endpoint = self._endpoints[-1]
        operations = {m: doc for m, doc in self._docs[endpoint].items() if m != "parameters"}
        area = self.name.removeprefix("api_")
        for method, doc in operations.items():
            manual = doc.setdefault("manual_doc", {})
            manual.setdefault("operationId", f"{area}_{endpoint}" + (f"_{method}" if len(operations) > 1 else ""))
            refusals = {"401": UNAUTHORIZED, "403": FORBIDDEN}
            if "<" in rule:
                refusals["404"] = NOT_FOUND
            if method in _WRITES:
                refusals["409"] = CONFLICT
            documented = {str(code) for code in doc.get("response", {}).get("responses", {})}
            documented |= {str(code) for code in manual.get("responses", {})}
            manual.setdefault("responses", {}).update({c: r for c, r in refusals.items() if c not in documented})


def make_blueprint(name: str, url_prefix: str, description: str) -> Blueprint:
    bp = _Blueprint(f"api_{name}", __name__, url_prefix=PREFIX + url_prefix, description=description)
    bp.before_request(reject_malformed_json)
    bp.before_request(reject_unstorable)
    bp.before_request(authenticate)
    bp.register_error_handler(HTTPException, handle_api_http_error)
    # CSRFProtect's global check would refuse token-authenticated writes; ``authenticate``
    # applies it itself to writes that rely on the session cookie.
    csrf.exempt(bp)
    return bp


def authenticate() -> None:
    """A bearer token, else the signed-in session; 401 otherwise.

    A browser sends the session cookie by itself, also on a request another site makes it
    send: so a write that relies on the cookie must carry the page's CSRF token
    (``X-CSRFToken`` header), as every HTML form does. A bearer token is never sent by
    the browser on its own, so token requests need no CSRF token."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            abort(401, description="use 'Authorization: Bearer <token>'")
        # the request's read-only session: a read goes on in the same transaction
        bearer = tokens.authenticate_token(database.session(), secret.strip())
        if request.method not in SAFE_METHODS:
            database.end_read()  # a write opens its own transaction (writer())
        if bearer is None:
            abort(401, description=tokens.REFUSED)
        if bearer.use_unrecorded:
            tokens.record_use(database.session_factory(), bearer.token_id)
        g.api_actor, g.api_timezone = bearer.actor, bearer.timezone
        return
    if not current_user.is_authenticated:
        abort(401, description="sign in, or send 'Authorization: Bearer <token>'")
    if request.method not in SAFE_METHODS:
        csrf.protect()


def _leaves(value: Any) -> Iterator[tuple[str, Any]]:
    """Every leaf of ``value`` (a parsed JSON body, query or form): its strings, mapping keys
    included, and its numbers, each with the dotted path of the field it is in. A loop, not
    recursion: however deep the value, the stack is not."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, Mapping):
            for key, child in item.items():
                name = f"{path}.{key}" if path else str(key)
                if isinstance(key, str):
                    yield name, key
                stack.append((name, child))
        elif isinstance(item, list):
            stack.extend((f"{path}.{i}" if path else str(i), child) for i, child in enumerate(item))
        else:
            yield path, item


def _strings(value: Any) -> Iterator[tuple[str, str]]:
    """Every string in ``value`` (``_leaves``), with the dotted path of the field it is in."""
    return ((path, item) for path, item in _leaves(value) if isinstance(item, str))


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (Mapping, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_JSON_DEPTH:
                stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, Mapping) else item))
    return deepest


def _has_nul(value: Any) -> bool:
    return any("\x00" in text for _path, text in _strings(value))


def _shown(name: str) -> str:
    """A field's name or path as the answer can carry it: a NUL or an unpaired surrogate in a
    key written as its escape (``data.a\\u0000b``)."""
    return _UNSHOWABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", name)


def _nul_refused() -> FieldError:
    return LibraryError(NUL_REFUSED, FieldError("control_character"))


def _parameters_with_nul(parameters: MultiDict[str, str]) -> dict[str, FieldError]:
    """The query's or form's parameters whose name or a value holds a NUL, each refused."""
    return {
        _shown(name): _nul_refused()
        for name, values in parameters.lists()
        if "\x00" in name or any("\x00" in value for value in values)
    }


def _body_refusals(body: Any) -> dict[str, FieldError]:
    """What of a JSON body no handler could store, by the dotted path of the field holding it
    (``data.reply``, ``body``; a key names itself; the body itself: ``json``): text with a NUL
    or an unpaired surrogate, a number JSON has not (NaN, Infinity)."""
    found: dict[str, FieldError] = {}
    for path, item in _leaves(body):
        if isinstance(item, str):
            if not _UNSHOWABLE.search(item):
                continue
            refusal = (
                _nul_refused() if "\x00" in item else LibraryError(UNPAIRED_REFUSED, FieldError("unpaired_surrogate"))
            )
        elif isinstance(item, float) and not math.isfinite(item):
            refusal = LibraryError(NOT_FINITE_REFUSED, FieldError("not_json"))
        else:
            continue
        found.setdefault(_shown(path) or "json", refusal)
    return found


def reject_malformed_json() -> Response | None:
    """Up front, what no handler could read: a JSON body nested deeper than this API reads
    (400), before anything walks it."""
    too_deep = {"json": f"nested more than {MAX_JSON_DEPTH} levels deep"}
    if not _has_body():
        return None
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        return json_error(400, "bad_request", "the JSON body is nested too deeply", too_deep)
    if body is not None and _depth(body) > MAX_JSON_DEPTH:
        return json_error(400, "bad_request", "the JSON body is nested too deeply", too_deep)
    return None


def _has_body() -> bool:
    """Whether the request carries a body (most reads carry none: nothing to parse)."""
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# what the answer's ``message`` says when one kind of refusal is all there is to say
_REFUSED_AS = {
    NUL_REFUSED: "NUL characters are not allowed",
    UNPAIRED_REFUSED: "the submitted text is not valid Unicode",
    NOT_FINITE_REFUSED: "NaN and Infinity are not allowed: JSON has no such numbers",
}


def reject_unstorable() -> Response | None:
    """Up front, what no handler could store, each named by the field that holds it: a NUL
    character (no database keeps one in text: PostgreSQL refuses it) in the URL (``path``), the
    query's or the form's parameter, or the JSON body (its path, ``data.reply``); text with an
    unpaired surrogate (``"\\ud800"``: valid JSON, not valid Unicode, refused by every
    database's UTF-8); a number JSON has not (NaN, Infinity, which Python's decoder reads).
    Said in one 422 with the request's other field errors (``_argument_errors``), for the
    caller to correct everything at once; the use case's own checks need text it can read.
    Only what the request has is parsed: werkzeug sets up its form parser even for a JSON
    body (20 µs), which has no form fields. The body is walked once."""
    found: dict[str, FieldError] = {}
    if "\x00" in request.path:
        found["path"] = _nul_refused()
    if request.query_string and _has_nul(request.args.to_dict(flat=False)):
        found.update(_parameters_with_nul(request.args))
    if _has_body():
        if request.mimetype in _FORM_TYPES and _has_nul(request.form.to_dict(flat=False)):
            found.update(_parameters_with_nul(request.form))
        if request.is_json:
            found.update(_body_refusals(request.get_json(silent=True)))
    if not found:
        return None
    others = {name: error for name, error in _argument_errors().items() if name not in found}
    if "json" in found:  # the body itself is refused: that it is no object says nothing more
        others.pop("_schema", None)
    kinds = {error.params.get("message") for error in found.values()}
    message = _REFUSED_AS.get(next(iter(kinds))) if len(kinds) == 1 and not others else None
    return json_error(422, "invalid_data", message or "the submitted data is not valid", {**others, **found})


def _argument_errors() -> dict[str, FieldError]:
    """The field errors the view's arguments (``bp.arguments``) find in this request, read as
    webargs reads them for the handler, named as ``handle_api_http_error`` names them; those a
    schema says together with the use case's (ReportsAllSchema) too."""
    errors: dict[str, FieldError] = {}
    view = current_app.view_functions.get(request.endpoint or "")
    for argument in getattr(view, "congressflow_arguments", ()):
        try:
            loaded = _Blueprint.ARGUMENTS_PARSER.parse(
                argument.schema, request, location=argument.location, **argument.options
            )
        except HTTPException as exc:
            errors.update(_field_errors(exc))
        else:
            if isinstance(loaded, Mapping):
                errors.update(loaded.get(REFUSED) or {})
    return errors


def flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """marshmallow/webargs messages → ``{"field": "message"}`` (nested names dotted)."""
    if not isinstance(messages, Mapping):
        text = "; ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
        return {prefix or "_request": text}
    out: dict[str, str] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            for i, v in enumerate(value):
                out.update(flatten(v, f"{name}.{i}"))
        else:
            out.update(flatten(value, name))
    return out


def _library_error(message: str, field: MarshmallowField | None) -> FieldError:
    """A marshmallow message (about ``field``, when the schema has it) as a field error:
    ``required`` for a missing value, else ``invalid`` with the library's English message,
    which says the product's error it means to the reader (LibraryError)."""
    if message == MarshmallowField.default_error_messages["required"]:
        return FieldError("required")
    return LibraryError(message, meaning(message, field))


def _template(text: str) -> re.Pattern[str]:
    """A marshmallow message template (``Length must be between {min} and {max}.``) as the
    pattern of the messages it makes, reading the values it was given."""
    parts = re.split(r"\{(\w+)\}", text)
    return re.compile("".join(f"(?P<{part}>.+?)" if i % 2 else re.escape(part) for i, part in enumerate(parts)))


# marshmallow's messages (the library's own texts: its wording is read from it, not copied) →
# the product's field error each means, said to the reader in their language
_MEANS: dict[str, FieldError] = {
    MarshmallowField.default_error_messages["null"]: FieldError("required"),
    ma.Schema._default_error_messages["unknown"]: FieldError("unknown_field"),
    ma.Schema._default_error_messages["type"]: FieldError("not_an_object"),  # the body, or a nested object
    ma.fields.Nested.default_error_messages["type"]: FieldError("not_an_object"),
    ma.fields.Dict.default_error_messages["invalid"]: FieldError("not_an_object"),
    ma.fields.List.default_error_messages["invalid"]: FieldError("not_a_list"),
    ma.fields.String.default_error_messages["invalid"]: FieldError("not_text"),
    ma.fields.Integer.default_error_messages["invalid"]: FieldError("not_a_number"),
    # a Float's or a Decimal's (Number's own, which Integer says otherwise)
    ma.fields.Number.default_error_messages["invalid"]: FieldError("not_numeric"),
    ma.fields.Number.default_error_messages["too_large"]: FieldError("number_too_large"),
    ma.fields.Float.default_error_messages["special"]: FieldError("not_finite"),
    ma.fields.Decimal.default_error_messages["special"]: FieldError("not_finite"),
    ma.fields.String.default_error_messages["invalid_utf8"]: FieldError("not_text"),
    ma.fields.Tuple.default_error_messages["invalid"]: FieldError("not_a_list"),
    ma.fields.Boolean.default_error_messages["invalid"]: FieldError("not_boolean"),
    ma.fields.Date.default_error_messages["invalid"]: FieldError("not_a_date"),
    ma.fields.DateTime.default_error_messages["invalid"].format(obj_type="datetime"): FieldError("not_a_datetime"),
    ma.fields.AwareDateTime.default_error_messages["invalid_awareness"].format(
        awareness="aware", obj_type="datetime"
    ): FieldError("not_a_datetime"),
    "Invalid JSON body.": FieldError("not_json"),  # webargs' (flaskparser), a body that is no JSON
}
_RANGE, _LENGTH = ma.validate.Range, ma.validate.Length
# the messages with values (bounds, choices): their pattern → the code, its params read from them
_MEANS_WITH_VALUES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_template(_RANGE.message_all.format(min_op=_RANGE.message_gte, max_op=_RANGE.message_lte)), "out_of_range"),
    (_template(_RANGE.message_min.format(min_op=_RANGE.message_gte)), "min"),
    (_template(_RANGE.message_max.format(max_op=_RANGE.message_lte)), "max"),
    (_template(_LENGTH.message_all), "length_out_of_range"),
    (_template(_LENGTH.message_min), "min_length"),
    (_template(_LENGTH.message_max), "max_length"),
    (_template(ma.validate.OneOf.default_message), "one_of"),
)
# a list's (and a map's) length is counted in items, not characters
_OF_A_LIST = {"max_length": "max_items", "min_length": "min_items", "length_out_of_range": "items_out_of_range"}
# what the schemas' own messages mean (web.api.schemas registers them: said_as)
_SAID_AS: dict[str, FieldError] = {}


def said_as(message: str, means: FieldError) -> str:
    """Register what a schema's own validation ``message`` means to the reader; ``message``."""
    _SAID_AS[message] = means
    return message


def meaning(message: str, field: MarshmallowField | None = None) -> FieldError | None:
    """The product's field error a marshmallow ``message`` about ``field`` means, with its
    bounds or choices (None: one this does not know, said as the library's English)."""
    known = _SAID_AS.get(message) or _MEANS.get(message)
    if known is not None:
        return known
    for pattern, code in _MEANS_WITH_VALUES:
        if (found := pattern.fullmatch(message)) is not None:
            params = found.groupdict()
            if code == "one_of":  # marshmallow joins them with ", ", the reader's language otherwise
                params["choices"] = "、".join(params["choices"].split(", "))
            if isinstance(field, (ma.fields.List, ma.fields.Dict)):
                code = _OF_A_LIST.get(code, code)
            return FieldError(code, params)
    return None


def field_at(schema: ma.Schema | None, path: str) -> MarshmallowField | None:
    """The field of ``schema`` a flattened message's name (``data``, ``ids.3``, ``a.b``)
    is about, its name as the request spells it (``data_key``); None: no such field."""
    field: MarshmallowField | None = None
    for part in path.split("."):
        if isinstance(field, ma.fields.List):
            field = field.inner  # the part is the item's index
        elif isinstance(field, ma.fields.Dict):
            field = field.value_field  # the part is the key
        else:
            if isinstance(field, ma.fields.Nested):
                schema = field.schema
            if schema is None:
                return None
            field = next((f for f in schema.fields.values() if (f.data_key or f.name) == part), None)
            schema = None
        if field is None:
            return None
    return field


# where a ReportsAllSchema puts what it refused, in what it loads
REFUSED = "_refused"


class ReportsAllSchema(ma.Schema):
    """A request body whose errors are said together with the use case's, in one 422: loading
    gives the values that pass, and the field errors of those that do not under ``REFUSED``
    (``{}`` when none), for the handler to hand to the use case, which refuses them with its
    own. A body that is no object at all is refused here, as by any schema."""

    def load(self, data: Any, *, many: Any = None, partial: Any = None, unknown: Any = None) -> Any:
        try:
            loaded = super().load(data, many=many, partial=partial, unknown=unknown)
        except ma.ValidationError as exc:
            messages, passed = exc.messages, exc.valid_data
            if not isinstance(messages, Mapping) or "_schema" in messages or not isinstance(passed, Mapping):
                raise
            refused = {name: _library_error(text, field_at(self, name)) for name, text in flatten(messages).items()}
            return {**passed, REFUSED: refused}
        return {**loaded, REFUSED: {}}


def _field_errors(exc: HTTPException) -> dict[str, FieldError]:
    """The field errors of argument validation (webargs' abort: its ``messages`` by location),
    one per field; none for any other HTTP error."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if not messages:
        return {}
    # webargs groups by location ("json", "query", "files"): field names are unique enough.
    by_field = (
        {k: v for location in messages.values() for k, v in flatten(location).items()}
        if all(isinstance(v, Mapping) for v in messages.values())
        else flatten(messages)
    )
    return {name: _library_error(text, field_at(data.get("schema"), name)) for name, text in by_field.items()}


def handle_api_http_error(exc: HTTPException) -> Any:
    """Argument validation (webargs) → 422 with one error per field; the rest as the
    app's JSON errors."""
    errors = _field_errors(exc)
    if errors:
        data = getattr(exc, "data", None) or {}
        status = exc.code or 422
        code = "invalid_data" if status == 422 else "bad_request"
        return json_error(status, code, data.get("message") or "the submitted data is not valid", errors)
    return handle_http_error(exc)


def actor() -> Actor:
    return current_actor()


def reader() -> Session:
    """This request's read-only session (web.database.session), for handlers that only read."""
    return database.session()


@contextmanager
def writer() -> Iterator[Session]:
    """A transaction of its own, committed when the use case returns."""
    with database.session_factory().begin() as session:
        yield session
