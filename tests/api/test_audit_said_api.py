"""``GET /api/v1/audit`` carries what the 审计日志 page says of an entry (``said``, its 内容):
an administrative entry's target and what it changed, before → after, in the request's
language; null for an entry of a case; never a token's secret. Declared in the OpenAPI schema."""

from __future__ import annotations

from engine.usecases import people, tokens
from tests.world import act, start_review


def entries(world, action: str, **headers: str) -> list[dict]:
    response = world.as_("admin").get(f"/audit?action={action}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["items"]


def test_an_administrative_entry_says_what_it_changed_in_the_requests_language(world):
    act(
        world.app,
        "admin",
        people.update_user,
        "fin",
        display_name="fin 同志",
        email="",
        roles=["officer", "supervisor"],
        department="civil_affairs",
        active=True,
    )
    [entry] = entries(world, "update_user")
    assert entry["said"] == "fin（fin 同志）：角色 办理人员 → 办理人员、督查；单位 财政所 → 民政办"
    [entry] = entries(world, "update_user", **{"Accept-Language": "en-US,en;q=0.9"})
    assert entry["said"] == "fin (fin 同志): Roles Officer → Officer, Supervisor; Unit 财政所 → 民政办"


def test_a_unit_saved_says_before_and_after(world):
    act(world.app, "admin", people.save_department, "finance", "财政局")
    [entry] = entries(world, "save_department")
    assert entry["said"] == "finance（财政局）：名称 财政所 → 财政局"


def test_a_token_is_named_never_its_secret(world):
    created = act(world.app, "admin", tokens.create_token, "fin2", "对账脚本", 30)
    response = world.as_("admin").get("/audit?action=create_token")
    # the other: the token the test's client calls with (admin's)
    [said] = [e["said"] for e in response.get_json()["items"] if e["said"].startswith("fin2")]
    assert said == f"fin2（fin2 同志）：令牌编号 #{created.token.id}；令牌 对账脚本；有效期 30 天"
    assert created.secret not in response.get_data(as_text=True)


def test_an_entry_of_a_case_says_nothing(world):
    start_review(world.app, "clerk")
    assert [e["said"] for e in entries(world, "start")] == [None]


def test_the_schema_declares_it(world):
    document = world.anonymous().client.get("/api/v1/openapi.json").get_json()
    said = document["components"]["schemas"]["AuditRow"]["properties"]["said"]
    assert said["type"] == ["string", "null"] or said.get("nullable") is True
