"""A whole number the API reads is never a fraction cut off (web.api.schemas.WholeNumber):
marshmallow's Integer read ``{"ids": [1.5]}`` as notification 1 and marked it read, and a
draft's revision 2.5 as 2, saving over revision 2. A JSON number with a fraction is refused at
its field (422, not_a_number), said in the request's language; a query string's "2" is taken,
its "1.5" refused; 2.0 is the number 2 (JSON has one kind of number). Every whole number of
every API schema is one, so that no field is left to truncate."""

from __future__ import annotations

import marshmallow as ma
import pytest
from flask import Flask
from sqlalchemy import select

from engine.usecases import notifications
from storage.enums import NotificationKind
from storage.models import Notification
from tests.api.test_designer_api import RENAMED
from web.api.schemas import WholeNumber

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
# the field error the API says for a value that is not a whole number, and in which words
NOT_WHOLE = {"code": "invalid", "params": {"message": "Not a valid integer."}}
SAID = {"zh_CN": "必须是整数", "en": "Must be a whole number."}


def refused_at(response, field: str) -> tuple[int, dict, str, str]:
    """A 422's status, the field's code and params, and what it says of the field in which language."""
    body = response.get_json()
    return response.status_code, body["codes"][field], body["said"]["language"], body["said"]["fields"][field]


def unread_ids(world, username: str) -> list[int]:
    with world.factory() as s:
        return list(
            s.scalars(
                select(Notification.id)
                .where(Notification.username == username, Notification.read_at.is_(None))
                .order_by(Notification.id)
            )
        )


@pytest.fixture
def three_unread(world) -> list[int]:
    """clerk2's three unread notifications, their ids in order."""
    with world.factory.begin() as s:
        for n in range(3):
            notifications.notify(s, NotificationKind.REMINDER, {"clerk2": None}, f"提醒 {n}", "正文")
    return unread_ids(world, "clerk2")


def test_an_id_with_a_fraction_is_refused_and_nothing_is_marked_read(world, three_unread):
    me = world.as_("clerk2")
    first = three_unread[0]
    chinese = me.post("/me/notifications/read", json={"ids": [first + 0.5]})
    english = me.post("/me/notifications/read", json={"ids": [first + 0.5]}, headers=ENGLISH)
    assert refused_at(chinese, "ids.0") == (422, NOT_WHOLE, "zh_CN", SAID["zh_CN"])
    assert refused_at(english, "ids.0") == (422, NOT_WHOLE, "en", SAID["en"])
    assert unread_ids(world, "clerk2") == three_unread


def test_an_id_written_as_a_whole_float_is_that_id(world, three_unread):
    me = world.as_("clerk2")
    first, *others = three_unread
    assert me.post("/me/notifications/read", json={"ids": [float(first)]}).get_json() == {"marked": 1}
    assert unread_ids(world, "clerk2") == others


def test_a_draft_revision_with_a_fraction_is_refused_and_the_draft_kept(world):
    api = world.as_("designer")
    draft = api.post("/designer/drafts", json={"xml": RENAMED, "filename": "review.bpmn"}).get_json()
    path = f"/designer/drafts/{draft['id']}"
    assert api.put(path, json={"xml": RENAMED, "revision": 1}).get_json()["revision"] == 2
    changed = RENAMED.replace("登记分类", "登记归类")
    chinese = api.put(path, json={"xml": changed, "revision": 2.5})
    english = api.put(path, json={"xml": changed, "revision": 2.5}, headers=ENGLISH)
    assert refused_at(chinese, "revision") == (422, NOT_WHOLE, "zh_CN", SAID["zh_CN"])
    assert refused_at(english, "revision") == (422, NOT_WHOLE, "en", SAID["en"])
    kept = api.get(path).get_json()
    assert (kept["draft"]["revision"], kept["xml"]) == (2, RENAMED)


@pytest.mark.parametrize(("language", "headers"), [("zh_CN", {}), ("en", ENGLISH)])
def test_a_page_with_a_fraction_in_the_query_is_refused(world, three_unread, language, headers):
    refused = world.as_("clerk2").get("/me/notifications", query_string={"page": "1.5"}, headers=headers)
    assert refused_at(refused, "page") == (422, NOT_WHOLE, language, SAID[language])


def test_a_page_in_the_query_is_text_and_taken(world, three_unread):
    me = world.as_("clerk2")
    second = me.get("/me/notifications", query_string={"page": "2", "per_page": "2"})
    assert second.status_code == 200, second.get_json()
    assert (second.get_json()["page"], [n["id"] for n in second.get_json()["items"]]) == (2, [three_unread[0]])
    english = me.get("/me/notifications", query_string={"page": "2", "per_page": "2"}, headers=ENGLISH)
    assert (english.get_json()["page"], [n["id"] for n in english.get_json()["items"]]) == (2, [three_unread[0]])


class Loose(ma.Schema):
    n = WholeNumber()


class Strict(ma.Schema):
    n = WholeNumber(strict=True)


@pytest.mark.parametrize(
    ("schema", "sent", "read"),
    [
        (Loose, 2, 2),
        (Loose, -3, -3),
        (Loose, 2.0, 2),
        (Loose, "2", 2),
        (Loose, "-3", -3),
        (Loose, "+4", 4),
        (Loose, 2**60, 2**60),
        (Strict, 2, 2),
        (Strict, 2.0, 2),
    ],
)
def test_a_whole_number_is_taken(schema, sent, read):
    assert schema().load({"n": sent}) == {"n": read}


@pytest.mark.parametrize(
    ("schema", "sent", "message"),
    [
        (Loose, 1.5, "Not a valid integer."),
        (Loose, -0.5, "Not a valid integer."),
        (Loose, "1.5", "Not a valid integer."),
        (Loose, "2.0", "Not a valid integer."),  # text is read as written
        (Loose, " 2", "Not a valid integer."),
        (Loose, "1_000", "Not a valid integer."),  # int() reads it
        (Loose, "٢", "Not a valid integer."),  # int() reads it as 2 too
        (Loose, "", "Not a valid integer."),
        (Loose, True, "Not a valid integer."),
        (Loose, [2], "Not a valid integer."),
        (Loose, float("inf"), "Not a valid integer."),
        (Loose, 2.0**53 + 2, "Number too large."),  # past 2**53 a float may not be the number written
        (Loose, "9" * 5000, "Number too large."),  # past what Python reads as a number
        (Strict, "2", "Not a valid integer."),
        (Strict, 1.5, "Not a valid integer."),
    ],
)
def test_anything_else_is_refused(schema, sent, message):
    with pytest.raises(ma.ValidationError) as refused:
        schema().load({"n": sent})
    assert refused.value.messages == {"n": [message]}


def integer_fields(schema: ma.Schema, path: str, seen: set[int]):
    """Every Integer among ``schema``'s fields, nested ones, lists' and maps' items included:
    (its dotted path, the field)."""
    if id(schema) in seen:
        return
    seen.add(id(schema))
    for name, field in schema.fields.items():
        yield from _integers_in(field, f"{path}.{name}", seen)


def _integers_in(field: ma.fields.Field, path: str, seen: set[int]):
    if isinstance(field, ma.fields.Integer):
        yield path, field
    elif isinstance(field, ma.fields.List):
        yield from _integers_in(field.inner, f"{path}[]", seen)
    elif isinstance(field, ma.fields.Tuple):
        for i, item in enumerate(field.tuple_fields):
            yield from _integers_in(item, f"{path}[{i}]", seen)
    elif isinstance(field, ma.fields.Dict):
        for part, inner in (("keys", field.key_field), ("values", field.value_field)):
            if inner is not None:
                yield from _integers_in(inner, f"{path}.{part}", seen)
    elif isinstance(field, ma.fields.Nested):
        yield from integer_fields(field.schema, path, seen)


def api_schemas(app: Flask) -> list[tuple[str, ma.Schema]]:
    """Every schema of the API: the arguments every view reads, and every schema class its
    modules define (what the answers are written with among them)."""
    found = [
        (f"{endpoint} {argument.location}", argument.schema)
        for endpoint, view in sorted(app.view_functions.items())
        for argument in getattr(view, "congressflow_arguments", ())
    ]
    classes, pending = [], list(ma.Schema.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("web."):
            classes.append(cls)
    return found + [(f"{cls.__module__}.{cls.__qualname__}", cls()) for cls in classes]


def test_every_whole_number_of_every_api_schema_is_a_whole_number_field(world):
    integers = {
        path: field for where, schema in api_schemas(world.app) for path, field in integer_fields(schema, where, set())
    }
    assert "api_me.mark_notifications_read json.ids[]" in integers  # the walk reaches lists' items...
    assert "api_designer.save_draft json.revision" in integers  # ...the bodies...
    assert "api_me.list_notifications query.page" in integers  # ...and the queries
    assert "web.api.schemas.NotificationPageSchema.items[].id" in integers  # ...and the answers' nested ones
    assert [path for path, field in integers.items() if not isinstance(field, WholeNumber)] == []


def test_the_openapi_document_still_says_integer(world):
    spec = world.anonymous().get("/openapi.json").get_json()
    page = next(p for p in spec["paths"]["/api/v1/me/notifications"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"]["type"] == "integer"
    marked = spec["components"]["schemas"]["MarkRead"]["properties"]["ids"]["items"]
    assert marked["type"] == "integer"
