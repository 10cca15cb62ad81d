"""Which language a request is answered in: the pages keep to Chinese unless the reader
switches (a browser's Accept-Language does not decide); the JSON API, which a script calls
without the switch's cookie, follows Accept-Language (tests/api/test_statistics_api.py)."""

from __future__ import annotations


def test_a_page_stays_chinese_whatever_the_browser_asks(as_user):
    client = as_user("office1")
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "待办" in page and "Inbox" not in page
    client.get("/lang/en")
    assert "Inbox" in client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
