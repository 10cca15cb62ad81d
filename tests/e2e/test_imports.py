"""In a real browser: an administrator downloads the people template, fills it in (as Excel
would, here with openpyxl), uploads it, reads the preview, confirms and gets the password
sheet; the new deputy signs in with it, is held at the password change until done, and then
goes on. A large roster shows its upload's progress, then the busy state, then the preview."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from tests.e2e.test_officer_flow import sign_in
from tests.world import PASSWORD

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
    assert "管理员要求您先修改密码" in deputy.locator("#password").inner_text()
    deputy.goto(f"{base}/")  # any other page: back to the change first
    deputy.wait_for_url(f"{base}/settings#password")
    deputy.fill("#change-password input[name=current_password]", password)
    deputy.fill("#change-password input[name=password]", "Zhou-dai-biao-2026!")
    deputy.fill("#change-password input[name=password_repeat]", "Zhou-dai-biao-2026!")
    deputy.click("#change-password button[type=submit]")
    deputy.wait_for_selector(".flash.success")
    assert "管理员要求您先修改密码" not in deputy.locator("#password").inner_text()
    deputy.goto(f"{base}/")
    assert "/settings" not in deputy.url  # changed: free to go on
    deputy.screenshot(path=str(artifacts / "32-import-deputy-after-change.png"), full_page=True)


# The test page reports every value the progress bar takes, and the form's busy state, to the
# test (an exposed function survives the page being replaced by the answer).
WATCH_PROGRESS = """
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver((changes) => changes.forEach((c) => {
    if (c.target.matches("progress.upload-bar")) window.reportUpload("progress", c.target.value);
    if (c.target.matches("form[data-upload]") && c.attributeName === "aria-busy")
      window.reportUpload("busy", c.target.getAttribute("aria-busy"));
  })).observe(document.body, {attributes: true, subtree: true, attributeFilter: ["value", "aria-busy"]});
});
"""


def test_a_large_roster_shows_its_upload_progress_then_the_preview(live_server, browser, artifacts, tmp_path):
    base = live_server
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年代表及工作人员名册"])
    sheet.merge_cells("A1:G1")
    sheet.append(["用户名", "姓名", "单位代码", "选区", "角色", "电话", "邮箱"])
    for n in range(3000):
        deputy = n % 3 != 0
        sheet.append(
            [
                f"p{n:04}",
                f"代表{n:04}" if deputy else f"干事{n:04}",
                None if deputy else "finance",
                f"第{n % 12 + 1}选区" if deputy else None,
                "人大代表" if deputy else "办理人员",
                f"139{n:08}",
                f"p{n:04}@example.cn",
            ]
        )
    roster = tmp_path / "大名册.xlsx"
    book.save(roster)
    assert roster.stat().st_size > 100_000

    page, problems = sign_in(browser, base, "admin")
    seen: list[tuple[str, object]] = []
    page.expose_function("reportUpload", lambda what, value: seen.append((what, value)))
    page.add_init_script(WATCH_PROGRESS)
    page.goto(f"{base}/admin/imports/")
    assert page.locator("#upload-people .upload-progress").is_hidden()  # until something is sent
    page.set_input_files("#upload-people input[type=file]", str(roster))
    page.click("#upload-people button[type=submit]")
    page.wait_for_selector("#import-changes")
    assert "共 3000 行：新建 3000，修改 0，不变 0。" in page.locator("#import-summary").inner_text()
    progress = [v for what, v in seen if what == "progress"]
    assert progress and progress[-1] == 100 and progress == sorted(progress), seen
    assert ("busy", "true") in seen
    assert page.locator("#import-changes tr[data-key=p2999]").count() == 1
    page.screenshot(path=str(artifacts / "33-import-large-preview.png"))
    assert problems == []


def test_without_scripts_the_form_still_posts(live_server, browser, tmp_path):
    base = live_server
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.goto(f"{base}/admin/imports/")
    units = tmp_path / "units.csv"
    units.write_bytes("代码,名称\r\nwater,水利站\r\n".encode("gb18030"))
    page.set_input_files("#upload-units input[type=file]", str(units))
    page.click("#upload-units button[type=submit]")
    page.wait_for_selector("#import-changes")
    assert page.url == f"{base}/admin/imports/units"  # the plain form's answer
    context.close()
