"""POST /api/v1/designer/drafts/from-template refused with every field's problem in one answer
(an unknown template with the key's and the name's), each field's code as the form says it."""

from __future__ import annotations


def test_every_fields_problem_is_answered_at_once(world):
    api = world.as_("designer")
    refused = api.post("/designer/drafts/from-template", json={"template": "nope", "key": "9 x", "name": " "})
    assert refused.status_code == 422
    codes = refused.get_json()["codes"]
    assert {field: error["code"] for field, error in codes.items()} == {
        "template": "no_template",
        "key": "process_key",
        "name": "required",
    }
    assert api.get("/designer/drafts").get_json() == []  # nothing stored
