"""/api/v1/me/notifications in the reader's language, as the 消息 page writes them (QA walk B,
defect 6: the API answered the stored Chinese whatever the request asked for).

Kind, subject and message follow the language cookie, else Accept-Language, else Chinese; what
was stored and e-mailed stays in email_subject and email_message. The notifications come the
real way: a review case reaches the finance office's reply (a new task); the overdue notices
come from a reply whose due date has no timer on its border at that moment (its 督办 timer falls
due a day later: ``test_notifications_api.overdue_reply``), then the scheduler fires. The clock
is frozen: either reply is due 2026-12-22 24:00, Beijing time (2026-12-22T16:00 UTC)."""

from __future__ import annotations

import pytest

from engine.usecases import notifications, people
from engine.usecases.context import actor_for
from storage.enums import NotificationKind
from tests.api.test_notifications_api import overdue_reply
from web import notification_texts

NEW_TASK_IN_CHINESE = (
    "新任务",
    "新任务：答复（修桥申请）",
    "「答复」（案件：修桥申请）已到您的待办，期限 2026-12-22 24:00。",
)
NEW_TASK_IN_ENGLISH = (
    "New task",
    "New task: 答复 (修桥申请)",
    "“答复” (case: 修桥申请) is in your inbox, due 2026-12-22 24:00.",
)


@pytest.fixture
def reply_offered(world, frozen_clock) -> None:
    """fin (finance office) is told of the reply task offered to the office."""
    world.to_unit("finance", subject="修桥申请")


def items(caller, **headers: str) -> list[dict]:
    response = caller.get("/me/notifications", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def texts(note: dict) -> tuple[str, str, str]:
    return note["kind_label"], note["subject"], note["message"]


def of_kind(notes: list[dict], kind: str) -> dict:
    [found] = [n for n in notes if n["kind"] == kind]
    return found


def test_accept_language_english_writes_them_in_english(world, reply_offered):
    [note] = items(world.as_("fin"), **{"Accept-Language": "en-US,en;q=0.9"})
    assert texts(note) == NEW_TASK_IN_ENGLISH
    # what was stored and e-mailed, as it was
    assert note["email_subject"] == "新任务：答复（修桥申请）"
    assert note["email_message"] == "「答复」（案件：修桥申请）已到您的待办，期限 2026-12-22 24:00。"


@pytest.mark.parametrize("asked", [None, "zh-CN,zh;q=0.9", "fr-FR,fr;q=0.9", "zh-CN,en;q=0.5"])
def test_chinese_stays_the_default(world, reply_offered, asked):
    [note] = items(world.as_("fin"), **({"Accept-Language": asked} if asked else {}))
    assert texts(note) == NEW_TASK_IN_CHINESE
    assert (note["email_subject"], note["email_message"]) == NEW_TASK_IN_CHINESE[1:]


def test_the_language_cookie_comes_before_accept_language(world, reply_offered):
    english, chinese = world.as_("fin"), world.as_("fin")
    english.client.set_cookie("lang", "en")
    chinese.client.set_cookie("lang", "zh_CN")
    assert texts(items(english, **{"Accept-Language": "zh-CN"})[0]) == NEW_TASK_IN_ENGLISH
    assert texts(items(chinese, **{"Accept-Language": "en"})[0]) == NEW_TASK_IN_CHINESE


def test_the_overdue_notices_in_english(world, frozen_clock):
    overdue_reply(world)
    overdue = of_kind(items(world.as_("fin"), **{"Accept-Language": "en"}), "overdue")
    assert texts(overdue) == (
        "Overdue notice",
        "Overdue: 答复 (修桥申请)",
        "“答复” (case: 修桥申请) was due on 2026-12-22 24:00 and is not done yet. "
        "Please handle it as soon as possible.",
    )
    assert overdue["email_subject"] == "逾期：答复（修桥申请）"
    # the supervisors' copy names who holds the task: the unit by its name (data, as entered)
    watched = of_kind(items(world.as_("supervisor"), **{"Accept-Language": "en"}), "overdue")
    assert watched["message"] == (
        "“答复” (case: 修桥申请) was due on 2026-12-22 24:00 and is not done yet. Handled by: 财政所."
    )
    supervision = of_kind(items(world.as_("fin"), **{"Accept-Language": "en"}), "supervision")
    assert (supervision["kind_label"], supervision["subject"]) == (
        "Supervision notice",
        "Supervision notice: 答复 (修桥申请)",
    )


def test_signed_in_the_due_time_is_in_the_readers_zone(world, reply_offered):
    """A browser session knows its reader's zone (the page's too): 24:00 Beijing time is 11:00
    in New York. The stored text was written before the zone changed: Beijing time."""
    with world.factory.begin() as s:
        people.set_timezone(s, actor_for(s, "fin"), "fin", "America/New_York")
    browser, _token = world.browser("fin")
    browser.client.get("/lang/en")
    [note] = items(browser)
    assert note["message"] == "“答复” (case: 修桥申请) is in your inbox, due 2026-12-22 11:00."
    assert note["email_message"] == "「答复」（案件：修桥申请）已到您的待办，期限 2026-12-22 24:00。"


def test_through_a_token_the_due_time_is_in_the_holders_zone(world, reply_offered):
    """A personal token acts for its holder, whose zone is his (我的设置) as on his pages: it
    was read in Beijing time whatever he had chosen."""
    with world.factory.begin() as s:
        people.set_timezone(s, actor_for(s, "fin"), "fin", "America/New_York")
    [note] = items(world.as_("fin"), **{"Accept-Language": "en"})
    assert note["message"] == "“答复” (case: 修桥申请) is in your inbox, due 2026-12-22 11:00."
    [note] = items(world.as_("fin"))
    assert note["message"] == "「答复」（案件：修桥申请）已到您的待办，期限 2026-12-22 11:00。"
    assert note["email_message"] == "「答复」（案件：修桥申请）已到您的待办，期限 2026-12-22 24:00。"


def test_a_notification_kept_without_its_params_says_what_was_stored(world):
    """Made before params were kept (or by a caller giving its own text): only the kind can be
    written anew."""
    with world.factory.begin() as s:
        notifications.notify(s, NotificationKind.REMINDER, {"clerk2": None}, "提醒：请核对台账", "请于本周内核对。")
    [note] = items(world.as_("clerk2"), **{"Accept-Language": "en"})
    assert texts(note) == ("Due soon", "提醒：请核对台账", "请于本周内核对。")
    assert (note["email_subject"], note["email_message"]) == ("提醒：请核对台账", "请于本周内核对。")


def test_documented_in_openapi(world):
    spec = world.anonymous().get("/openapi.json").get_json()
    fields = spec["components"]["schemas"]["Notification"]["properties"]
    assert {"kind_label", "subject", "message", "email_subject", "email_message"} <= set(fields)
    assert {fields[name]["type"] for name in ("kind_label", "subject", "message")} == {"string"}
    assert "Accept-Language" in fields["subject"]["description"]
    assert "e-mailed" in fields["email_subject"]["description"]


def test_every_kind_has_a_name_to_translate():
    assert set(notification_texts.KIND_NAMES) == {kind.value for kind in NotificationKind}
