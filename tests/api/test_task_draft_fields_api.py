"""A draft (PUT /tasks/{id}/draft) naming a field the task's form does not have is refused (422)
naming it by its field id, as a completion refuses it, and nothing is kept; it was dropped unsaid,
the caller believing it kept."""

from __future__ import annotations


def test_a_draft_with_a_field_the_form_has_not_is_refused_naming_it(world):
    case = world.to_unit("finance")
    fin = world.as_("fin")
    refused = fin.put(f"/tasks/{case['reply']}/draft", json={"data": {"reply_class": "B", "zz": 1}})
    assert refused.status_code == 422, refused.get_json()
    body = refused.get_json()
    assert body["fields"] == {"zz": "unknown field: this form has no such field"}
    assert body["codes"] == {"zz": {"code": "unknown_field", "params": {}}}
    assert fin.get(f"/tasks/{case['reply']}").get_json()["has_draft"] is False  # nothing kept

    assert fin.put(f"/tasks/{case['reply']}/draft", json={"data": {"reply_class": "B"}}).status_code == 204
    assert fin.get(f"/tasks/{case['reply']}").get_json()["values"]["reply_class"] == "B"
