"""In a real browser: a file larger than an attachment may be is refused on the case page before
anything is sent, with the app's own words, in the page's language; a file within the limit goes
as before. (Behind the sample proxy, a large enough file would otherwise not even reach the
app's message.)"""

from __future__ import annotations

import pytest

from tests.e2e.test_officer_flow import sign_in
from tests.world import start_review

pytestmark = pytest.mark.browser

MB = 1024 * 1024


def choose(page, size: int) -> None:
    page.locator("#attachments input[type=file]").set_input_files(
        {"name": "来信扫描件.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"x" * (size - 9)}
    )


def test_a_file_over_the_limit_is_refused_before_it_is_sent(live_server, browser, artifacts, app):
    case = start_review(app, "office1", "关于修缮村道的意见")
    page, problems = sign_in(browser, live_server, "office1")
    page.goto(f"{live_server}/cases/{case.id}")
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)

    choose(page, 10 * MB + 1)
    said = page.locator("#attachment-too-large")
    assert said.is_visible() and said.inner_text() == "附件未上传：文件不能超过 10 MB"
    page.locator("#attachments button[type=submit]").click()
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "attachment-too-large.png"), full_page=True)
    assert posted == [] and "暂无附件" in page.locator("#attachments").inner_text()

    choose(page, 10 * MB)  # exactly the limit: sent, and kept
    assert not said.is_visible()
    page.locator("#attachments button[type=submit]").click()
    page.wait_for_selector("text=附件已上传。")
    assert "来信扫描件.pdf" in page.locator("#attachments").inner_text()

    page.goto(f"{live_server}/lang/en")
    page.goto(f"{live_server}/cases/{case.id}")
    choose(page, 11 * MB)
    told = page.locator("#attachment-too-large").inner_text()
    assert told == "File not uploaded: The file must not be larger than 10 MB."
    assert problems == []
