"""Names through the API hold no control character (a NUL, U+0001...) and none of the
invisible characters that set a direction (U+202A–U+202E, U+2066–U+2069: "evil<U+202E>gnp.txt"
shows as "eviltxt.png"): an attached file's name, an API token's name, the name of a process
begun from a template are refused as a field error on their field (422), nothing stored; free
text (a comment) refuses the direction characters too, and keeps a zero-width space."""

from io import BytesIO

import pytest
from sqlalchemy import func, select

from storage.models import ApiToken

CONTROL = {"code": "control_character", "params": {}}
DIRECTION = {"code": "direction_character", "params": {}}


@pytest.mark.parametrize(
    ("filename", "refusal"),
    [("nul\x00.html.txt", CONTROL), ("x\x01y.txt", CONTROL), ("evil\u202egnp.txt", DIRECTION)],
    ids=["nul", "control", "right-to-left override"],
)
@pytest.mark.parametrize("door", ["case", "task"])
def test_an_attached_files_name_with_a_control_or_direction_character_is_refused(world, filename, refusal, door):
    case = world.to_unit("finance")
    fin = world.as_("fin")
    url = f"/instances/{case['case']}/attachments" if door == "case" else f"/tasks/{case['reply']}/attachments"
    refused = fin.post(url, data={"file": (BytesIO("来信".encode()), filename)}, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert refused.get_json()["codes"] == {"file": refusal}
    assert fin.get(f"/instances/{case['case']}/attachments").get_json() == []


def test_a_file_name_with_a_zero_width_space_or_a_direction_mark_is_taken(world):
    case = world.to_unit("finance")
    sent = world.as_("fin").post(
        f"/instances/{case['case']}/attachments",
        data={"file": (BytesIO("来信".encode()), "来\u200b信\u200f.txt")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 201 and sent.get_json()["filename"] == "来\u200b信\u200f.txt"


def token_count(world) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(ApiToken))


@pytest.mark.parametrize(("name", "refusal"), [("a\x1bb", CONTROL), ("a\x01b", CONTROL), ("报表\u202d脚本", DIRECTION)])
def test_a_token_name_with_a_control_or_direction_character_is_refused(world, name, refusal):
    """(A NUL the API's schema refuses before: "must not contain NUL characters".)"""
    browser, csrf_token = world.browser("clerk")
    before = token_count(world)
    refused = browser.post("/me/tokens", json={"name": name}, headers={"X-CSRFToken": csrf_token})
    assert refused.status_code == 422
    assert refused.get_json()["codes"] == {"name": refusal}
    assert token_count(world) == before


@pytest.mark.parametrize(("name", "refusal"), [("模板\x01", CONTROL), ("请假\u2068审批\u2069", DIRECTION)])
def test_a_process_from_a_template_named_with_a_control_or_direction_character_is_refused(world, name, refusal):
    designer = world.as_("designer")
    refused = designer.post("/designer/drafts/from-template", json={"template": "approval", "key": "tpl", "name": name})
    assert refused.status_code == 422
    assert refused.get_json()["codes"] == {"name": refusal}
    assert designer.get("/designer/drafts").get_json() == []


def test_a_comment_with_a_direction_override_is_refused_and_a_zero_width_space_taken(world):
    case = world.to_unit("finance")
    clerk = world.as_("clerk")
    refused = clerk.post(f"/instances/{case['case']}/comments", json={"body": "已核实\u202e，请办理"})
    assert refused.status_code == 422 and refused.get_json()["codes"] == {"body": DIRECTION}
    taken = clerk.post(f"/instances/{case['case']}/comments", json={"body": "已\u200b核实"})
    assert taken.status_code == 201
    assert [c["body"] for c in clerk.get(f"/instances/{case['case']}/comments").get_json()] == ["已\u200b核实"]
