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


def test_english_words_that_read_as_something_else_are_said_apart(as_user):
    """One Chinese word, two meanings in English: a token's 到期时间 is when it expires, not a
    deadline ("Due"); the role 流程设计 is a person, not the menu's Design."""
    client = as_user("office1")
    client.get("/lang/en")
    client.post("/settings/tokens", data={"name": "script", "expires_in_days": "90"})
    tokens = client.get("/settings").get_data(as_text=True).split('id="tokens"', 1)[1].split("</table>", 1)[0]
    assert "<th>Expires</th>" in tokens and ">Due<" not in tokens
    admin = as_user("admin")
    admin.get("/lang/en")
    users = admin.get("/admin/users").get_data(as_text=True)
    assert "Process designer" in users
