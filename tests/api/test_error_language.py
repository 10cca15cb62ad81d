"""API errors in the request's language (QA walk "volume": the ledger's 422 came back in
English to a request without Accept-Language, while the API's other texts default to Chinese).

Every error carries ``said``, what the page would say, chosen as the API's other texts are
(the language cookie, else Accept-Language, else Chinese); ``message`` and ``fields`` stay the
developer's English, as before."""

from __future__ import annotations

from io import BytesIO

import pytest

# a ledger of proposals with only two of its columns: 标题, 内容, 提出代表, 提出时间 and 登记日期 missing
SHORT_LEDGER = "编号,承办单位\n2026-建-001,财政所\n".encode()
MISSING = ("标题", "内容", "提出代表", "提出时间", "登记日期")


def send_ledger(caller, dry_run: bool, **headers: str):
    return caller.post(
        "/imports/ledger/proposals" + ("?dry_run=true" if dry_run else ""),
        data={"file": (BytesIO(SHORT_LEDGER), "ledger.csv")},
        content_type="multipart/form-data",
        headers=headers,
    )


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_ledger_refusal_is_in_chinese_without_accept_language(world, dry_run):
    refused = send_ledger(world.as_("admin"), dry_run)
    assert refused.status_code == 422
    body = refused.get_json()
    said = body["said"]
    assert (said["language"], said["title"], said["text"]) == (
        "zh_CN",
        "内容有误",
        "提交的内容未通过检查，请修改后重试。",
    )
    assert sorted(said["fields"].values()) == sorted(f"缺少“{column}”列" for column in MISSING)
    assert set(said["fields"]) == set(body["fields"]) == set(body["codes"])
    # the developer's English, as before
    assert body["message"].startswith("the ledger has problems; nothing was imported: 标题: the column 标题 is missing")


def test_the_ledger_refusal_in_english_when_asked(world):
    body = send_ledger(world.as_("admin"), True, **{"Accept-Language": "en-US,en;q=0.9"}).get_json()
    said = body["said"]
    assert (said["language"], said["title"], said["text"]) == (
        "en",
        "Invalid data",
        "The submitted data is not valid; correct it and try again.",
    )
    assert sorted(said["fields"].values()) == sorted(f"The column “{column}” is missing." for column in MISSING)


def test_a_missing_case_is_said_in_the_requests_language(world):
    """Another error, raised by a use case with a reason (no_case): said as the case page says it."""
    clerk = world.as_("clerk")
    chinese = clerk.get("/instances/99999")
    assert chinese.status_code == 404
    said = chinese.get_json()["said"]
    assert (said["language"], said["title"], said["text"]) == (
        "zh_CN",
        "未找到",
        "找不到案件 #99999：它不存在，或者您无权查看。",
    )
    english = clerk.get("/instances/99999", headers={"Accept-Language": "en"}).get_json()["said"]
    assert (english["language"], english["title"]) == ("en", "Not found")
    assert english["text"] == "Case #99999 cannot be found: it does not exist, or you may not see it."


def test_an_unauthenticated_request_is_said_in_chinese_by_default(world):
    """An error before any handler (no token: 401): the same rule."""
    said = world.anonymous().get("/tasks").get_json()["said"]
    assert (said["language"], said["title"], said["text"]) == ("zh_CN", "请先登录", "登录后才能使用此功能。")
    english = world.anonymous().get("/tasks", headers={"Accept-Language": "en"}).get_json()["said"]
    assert english["language"] == "en" and english["title"] != "请先登录"
