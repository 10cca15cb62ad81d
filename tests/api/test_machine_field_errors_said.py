"""The field errors the API's own checks give, said in the request's language (QA walk "v",
finding 6: ``must not contain NUL characters`` left in English under zh_CN, and an empty list of
topics said as "应为 1 至 50 个字符", characters, where it is a list of topics)."""

from __future__ import annotations


def test_a_nul_is_said_in_chinese(world):
    refused = world.as_("admin").post("/messages", json={"name": "re\x00ply"})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["fields"] == {"name": "must not contain NUL characters"}  # the English, as before
    assert body["codes"] == {"name": {"code": "invalid", "params": {"message": "must not contain NUL characters"}}}
    assert body["said"]["fields"] == {"name": "含有控制字符（如 NUL），请删去后再提交"}


def test_an_unpaired_surrogate_is_said_in_chinese(world):
    refused = world.as_("admin").post(
        "/messages", data=b'{"name": "a\\ud800"}', headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["codes"]["name"]["code"] == "invalid"  # the English, as before
    assert body["said"]["fields"] == {"name": "不能含有不成对的代理字符（U+D800 至 U+DFFF）：不是有效的 Unicode 文字"}


def test_a_list_too_short_is_counted_in_items(world):
    refused = world.as_("admin").post("/external-tasks/fetch-and-lock", json={"worker_id": "w", "topics": []})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["said"]["fields"] == {"topics": "应为 1 至 50 项"}
    english = world.as_("admin").post(
        "/external-tasks/fetch-and-lock", json={"worker_id": "w", "topics": []}, headers={"Accept-Language": "en"}
    )
    assert english.get_json()["codes"]["topics"]["code"] == "invalid"  # the library's English, as before
