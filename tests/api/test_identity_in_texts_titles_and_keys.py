"""A petitioner's identity does not reach those who may not read it by the ways a pasted text or a
typed title or 编号 could carry it: a comment holding the name or phone with invisible characters
inside (a zero-width space, a soft hyphen: on screen the plain name) is masked for the handling
unit; a title so written is refused; a business key (编号) repeating the name or phone is refused
at its field, as a title is; a title or business key holding a control character (which every
.xlsx export of the case would fail on) is refused too. Nothing is started."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import ProcessInstance
from tests.world import PETITIONER, start_petition

# the office's petition officer (reads the identity), an officer of the office, the handling unit
PEOPLE = ("keeper", "clerk", "fin")
START = {"process_key": "petition_min", "data": {"subject": "反映低保评定问题", **PETITIONER, "unit": "finance"}}


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return PEOPLE


def _cases(world) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(ProcessInstance))


def test_a_comment_with_invisible_characters_in_the_name_and_phone_is_masked_for_the_handling_unit(world):
    case = start_petition(world.app, "keeper", unit="finance")
    body = "来信人张\u200b三丰，电话139\u200b0000\u200b1111；又写作张\u00ad三丰、张\u2060\ufeff三丰"
    posted = world.as_("keeper").post(f"/instances/{case.id}/comments", json={"body": body, "confidential": False})
    assert posted.status_code == 201, posted.get_json()
    [seen] = world.as_("fin").get(f"/instances/{case.id}/comments").get_json()
    assert seen["body"] == "来信人******，电话******；又写作******、******"
    page = world.as_("fin").get(f"/instances/{case.id}").get_data(as_text=True)
    assert "三丰" not in page and "0000" not in page
    # whoever may read the identity reads the comment as written
    [own] = world.as_("keeper").get(f"/instances/{case.id}/comments").get_json()
    assert own["body"] == body


@pytest.mark.parametrize(
    "extra, field, error",
    [
        ({"title": "张\u200b三丰反映低保问题"}, "title", {"code": "title_carries_confidential"}),
        ({"title": "张\u00ad三丰反映低保问题"}, "title", {"code": "title_carries_confidential"}),
        ({"business_key": "张三丰-2026"}, "business_key", {"code": "key_carries_confidential"}),
        ({"business_key": "13900001111"}, "business_key", {"code": "key_carries_confidential"}),
        ({"business_key": "2026-139\u200b0000\u200b1111"}, "business_key", {"code": "key_carries_confidential"}),
        ({"title": "低保\x0b问题"}, "title", {"code": "control_character", "params": {}}),
        ({"business_key": "2026\x0b001"}, "business_key", {"code": "control_character", "params": {}}),
    ],
)
def test_a_title_or_business_key_carrying_the_identity_or_a_control_character_is_refused(world, extra, field, error):
    started = world.as_("keeper").post("/instances", json={**START, **extra})
    assert started.status_code == 422, started.get_json()
    body = started.get_json()
    assert list(body["fields"]) == [field]
    said = body["codes"][field]
    assert {k: said[k] for k in error} == error
    if error["code"] in ("title_carries_confidential", "key_carries_confidential"):
        assert said["params"]["field"] in ("来信人姓名", "联系电话")
    assert _cases(world) == 0


def test_an_ordinary_title_and_business_key_start_the_case(world):
    started = world.as_("keeper").post(
        "/instances", json={**START, "title": "反映低保问题", "business_key": "2026-信-001"}
    )
    assert started.status_code == 201, started.get_json()
    assert (started.get_json()["title"], _cases(world)) == ("反映低保问题", 1)


def test_the_command_line_refuses_them_too(world):
    data = ["subject=反映低保评定问题", "petitioner_name=张三丰", "petitioner_phone=13900001111", "unit=finance"]
    for option, field in ((["--title", "低保\x0b问题"], "title"), (["--business-key", "张三丰-2026"], "business_key")):
        args = ["start", "petition_min", "--user", "keeper", *option, *(a for v in data for a in ("--var", v))]
        result = world.app.test_cli_runner().invoke(args=args)
        assert result.exit_code != 0 and field in result.output, result.output
    assert _cases(world) == 0


def test_a_title_is_stored_without_the_spaces_tabs_and_line_breaks_around_it(world):
    started = world.as_("keeper").post("/instances", json={**START, "title": "\t反映低保问题 \n"})
    assert started.status_code == 201, started.get_json()
    assert started.get_json()["title"] == "反映低保问题"
