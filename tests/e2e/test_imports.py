"""In a real browser: an administrator downloads the people template, fills it in (as Excel
would, here with openpyxl), uploads it, reads the preview, confirms and gets the password
sheet; the new deputy signs in with it and is sent to change it first."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.e2e.test_officer_flow import sign_in

pytestmark = pytest.mark.browser


def test_an_admin_imports_people_from_the_template(live_server, browser, artifacts, tmp_path):
    base = live_server
    page, problems = sign_in(browser, base, "admin")
    page.goto(f"{base}/admin/imports/")
    with page.expect_download() as download:
        page.click("#template-people")
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book["人员"]
    sheet.delete_rows(2)  # the example row
    sheet.append(["zhou9", "周代表", None, "第三选区", "人大代表", 13700009999, None])
    sheet.append(["wu9", "吴干事", "finance", None, "办理人员、督查", None, "wu9@example.cn"])
    filled = tmp_path / "名册.xlsx"
    out = io.BytesIO()
    book.save(out)
    filled.write_bytes(out.getvalue())

    page.set_input_files("#upload-people input[type=file]", str(filled))
    page.click("#upload-people button[type=submit]")
    page.wait_for_selector("#import-changes")
    assert "新建 2" in page.locator("#import-summary").inner_text()
    assert "第三选区" in page.locator("#import-changes tr[data-key=zhou9]").inner_text()
    page.screenshot(path=str(artifacts / "30-import-preview.png"), full_page=True)

    page.click("#import-confirm button[type=submit]")
    page.wait_for_selector("#password-sheet")
    sheet_text = page.locator("#password-sheet").inner_text()
    assert "周代表" in sheet_text and "首次登录须修改密码" in sheet_text
    password = page.locator("#password-sheet tr[data-user=zhou9] code.password").inner_text()
    page.screenshot(path=str(artifacts / "31-import-passwords.png"), full_page=True)
    assert problems == []

    deputy = browser.new_context(locale="zh-CN").new_page()
    deputy.goto(f"{base}/login")
    deputy.fill("input[name=username]", "zhou9")
    deputy.fill("input[name=password]", password)
    deputy.click("#login-form button[type=submit]")
    deputy.wait_for_url(f"{base}/settings#password")
