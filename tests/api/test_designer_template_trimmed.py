"""POST /api/v1/designer/drafts/from-template checks the key and the name as they are stored,
without the spaces around them, as the designer's page does: a name of 500 characters sent
with spaces around it fits (it was refused by a length check made before trimming); one of 501
is refused naming the field, in the request's language."""

from __future__ import annotations

FROM_TEMPLATE = "/designer/drafts/from-template"
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


def test_a_name_that_fits_once_trimmed_is_taken(world):
    api = world.as_("designer")
    name, key = "长" * 500, "k" * 200
    made = api.post(FROM_TEMPLATE, json={"template": "approval", "key": f"  {key} ", "name": f"  {name}   "})
    assert made.status_code == 201, made.get_json()
    draft = made.get_json()
    assert (draft["key"], draft["name"], draft["filename"]) == (key, name, f"{key}.bpmn")
    [listed] = api.get("/designer/drafts").get_json()
    assert (listed["key"], listed["name"]) == (key, name)


def test_a_name_too_long_once_trimmed_is_refused_as_the_names(world):
    api = world.as_("designer")
    sent = {"template": "approval", "key": "leave", "name": " " + "长" * 501 + " "}
    refused = api.post(FROM_TEMPLATE, json=sent)
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["codes"] == {"name": {"code": "max_length", "params": {"max": 500}}}
    assert body["said"]["fields"] == {"name": "最多 500 个字符"}
    assert api.post(FROM_TEMPLATE, json=sent, headers=ENGLISH).get_json()["said"]["fields"] == {
        "name": "Must be at most 500 characters long."
    }
    long_key = api.post(FROM_TEMPLATE, json={"template": "approval", "key": "k" * 201, "name": "请假"})
    assert long_key.get_json()["codes"] == {"key": {"code": "process_key", "params": {"max": 200}}}
    assert api.get("/designer/drafts").get_json() == []
