"""GET /api/v1/me answers what PATCH answers: beside the time zone, the language one chose and
whether notifications are e-mailed (they were only in PATCH's answer). From the one read
authentication made (the authenticated frame's benchmark is this request): no second
statement for them."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from storage.db import engines_of
from storage.driver_reads import DriverRead
from web import database


def test_get_answers_the_choices_as_patch_answers_them(world):
    clerk = world.as_("clerk")
    before = clerk.get("/me").get_json()
    assert (before["timezone"], before["language"], before["email_notices"]) == ("Asia/Shanghai", None, True)
    changed = clerk.patch("/me", json={"timezone": "Asia/Urumqi", "language": "en", "email_notices": False})
    assert changed.status_code == 200, changed.get_json()
    after = clerk.get("/me").get_json()
    assert after == changed.get_json()
    assert (after["timezone"], after["language"], after["email_notices"]) == ("Asia/Urumqi", "en", False)
    browser, _csrf = world.browser("clerk")  # a signed-in session reads the same
    assert browser.get("/me").get_json() == after
    assert world.as_("fin").get("/me").get_json()["language"] is None  # one's own, not another's


def test_the_document_says_get_and_patch_answer_the_same(world):
    document = world.app.test_client().get("/api/v1/openapi.json").get_json()
    answers = {
        method: document["paths"]["/api/v1/me"][method]["responses"]["200"]["content"]["application/json"]["schema"]
        for method in ("get", "patch")
    }
    assert answers["get"] == answers["patch"]
    said = document["components"]["schemas"][answers["get"]["$ref"].rsplit("/", 1)[1]]["properties"]
    assert {"timezone", "language", "email_notices"} <= said.keys()


@pytest.mark.parametrize("how", ["token", "session"])
def test_get_reads_the_person_once(world, monkeypatch, how):
    if how == "token":
        caller = world.as_("clerk")
    else:
        caller, _csrf = world.browser("clerk")
    assert caller.get("/me").status_code == 200  # a token's first use is recorded: not counted here
    driver_reads: list[object] = []
    statements: list[str] = []
    reading = DriverRead.rows
    monkeypatch.setattr(DriverRead, "rows", lambda self, *a, **k: driver_reads.append(self) or reading(self, *a, **k))
    for engine in engines_of(database.engine(world.app)):
        event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    me = caller.get("/me")
    assert me.status_code == 200 and me.get_json()["language"] is None
    assert (len(driver_reads), statements) == (1, [])
