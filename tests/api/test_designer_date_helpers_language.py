"""GET /api/v1/designer/date-helpers in the caller's language: a script's Accept-Language, as
the API's other texts; Chinese without one."""

from __future__ import annotations


def labels(world, **headers: str) -> dict[str, str]:
    answer = world.as_("designer").get("/designer/date-helpers", headers=headers)
    assert answer.status_code == 200
    return {h["expression"]: h["label"] for h in answer.get_json()}


def test_the_date_helpers_in_english_for_a_caller_asking_for_english(world):
    english = labels(world, **{"Accept-Language": "en"})
    assert english["${deadline_in_days(15)}"].startswith("15 days from today (today not counted;")
    assert english["${deadline_on(day)}"] == "24:00 on the date entered in the form"
    assert english["${deadline_in_days(setting('petition.accept_days'))}"] == (
        "Deadline setting petition.accept_days: decide whether to accept and tell the petitioner"
    )


def test_the_date_helpers_in_chinese_by_default(world):
    chinese = labels(world)
    assert chinese["${deadline_on(day)}"] == "表单填写的日期当日 24:00"
    assert chinese["${deadline_in_days(setting('petition.accept_days'))}"] == (
        "信访事项是否受理告知（期限设置 petition.accept_days）"
    )
