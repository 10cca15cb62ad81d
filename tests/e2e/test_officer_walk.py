"""In a real browser, the congress's own processes walked as each of their people: a deputy's
proposal (office → unit → deputy), a petition (petition officer → office → unit) and an
inspection over three units. Asserted on the way: the confirmation that says who acts next, the
next holder's notification, the fields that follow the choice, the per-unit inbox rows, the
diagram's marks on a subprocess, the step list, and that no page in zh_CN shows a raw code or
an English word. Every page is kept as a screenshot at 1366 px and at 390 px (test-artifacts/)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from engine import clock
from storage.models import User
from tests.e2e.diagram_view import assert_opens_on_current_step
from tests.world import PASSWORD, deploy, session_factory_of

pytestmark = pytest.mark.browser

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
# the people of the walk, with the names officers know them by
NAMES = {
    "clerk": "李文书",
    "chair": "陈主席",
    "fin": "张会计",
    "landy": "孙所长",
    "civ": "王干事",
    "xinfang": "赵专员",
    "wang": "王代表",
}
# words a Chinese page may carry in Latin letters: file formats, the product's name, the
# language switch, a key to hold, a paper size
ALLOWED_WORDS = {"CongressFlow", "English", "Ctrl", "Shift", "Excel", "CSV", "Word", "PDF", "A4", "docx", "xlsx", "csv"}
WIDE, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return tuple(NAMES)


@pytest.fixture
def app(make_world):
    app = make_world()
    deploy(app, *(LIBRARY / f"{key}.bpmn" for key in ("proposal", "petition", "inspection")))
    with session_factory_of(app).begin() as s:
        for username, name in NAMES.items():
            s.execute(update(User).where(User.username == username).values(display_name=name))
    return app


def raw_words(text: str) -> list[str]:
    """Latin words on a Chinese page: codes (suggestion, civil_affairs), user names, English."""
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]+", text)
    # acronyms (MB, ZIP, OFD) and version numbers (v2) are how Chinese pages write them too
    return sorted({w for w in words if w not in ALLOWED_WORDS and not re.fullmatch(r"[A-Z0-9]{2,5}|v[0-9]+", w)})


class Walker:
    """One person's browser: signs in, looks at each page (checks its words, keeps it at both
    widths), submits forms."""

    def __init__(self, browser, base: str, username: str, artifacts: Path):
        self.base, self.username, self.artifacts = base, username, artifacts
        self.context = browser.new_context(locale="zh-CN", viewport=WIDE)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: self.problems.append(m.text) if m.type == "error" and "UNPROCESSABLE" not in m.text else None,
        )
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.goto(f"{base}/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("#login-form button[type=submit]")
        self.page.wait_for_url(f"{base}/")

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")

    def look(self, name: str) -> str:
        """The page's text, checked for raw codes, kept as screenshots at both widths."""
        page = self.page
        if page.locator("#diagram").count():
            page.wait_for_selector("#diagram[data-ready=true]")
        text = page.inner_text("body")
        raw = raw_words(text)
        assert raw == [], f"{name} ({page.url}) shows {raw} in: " + " | ".join(
            line for line in text.splitlines() if set(raw_words(line)) & set(raw)
        )
        page.screenshot(path=str(self.artifacts / f"walk-{name}-1366.png"), full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(self.artifacts / f"walk-{name}-390.png"), full_page=True)
        # at a phone's width the page itself does not scroll sideways (wide tables scroll inside)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, name
        page.set_viewport_size(WIDE)
        return text

    def open_task(self, name_part: str, tab: str = "group") -> None:
        self.go(f"/?tab={tab}")
        self.page.locator("#inbox tbody tr", has_text=name_part).first.locator("td.title a").click()
        self.page.wait_for_selector("#task-form")

    def submit(self) -> str:
        """Submit the task form; the message that comes back."""
        self.page.click("button[data-action=complete]")
        self.page.wait_for_selector(".flash")
        return self.page.locator(".flash").first.inner_text()

    def shown(self, field: str) -> bool:
        return self.page.locator(f'.field[data-field="{field}"]').is_visible()


@pytest.fixture
def walk(live_server, browser, artifacts, frozen_clock):
    walkers: list[Walker] = []

    def as_person(username: str) -> Walker:
        walker = Walker(browser, live_server, username, artifacts)
        walkers.append(walker)
        return walker

    yield as_person
    for walker in walkers:
        assert walker.problems == [], f"{walker.username}: script errors"
        walker.context.close()


def test_a_proposal_from_registration_to_the_deputys_evaluation(walk):
    clerk = walk("clerk")
    clerk.go("/start/proposal")
    clerk.page.select_option("#f-kind", "suggestion")
    clerk.page.fill("#f-title", "关于修缮村道的建议")
    clerk.page.fill("#f-content", "村道破损严重，建议修缮")
    clerk.page.select_option("#f-deputy", "wang")
    clerk.page.select_option("#f-submitted_during", "recess")
    clerk.look("proposal-start-form")
    clerk.page.click("button[data-action=start]")
    clerk.page.wait_for_selector("#case-status")
    assert "已发起：关于修缮村道的建议" in clerk.page.locator(".flash").first.inner_text()
    text = clerk.look("proposal-case-registered")
    assert "王代表" in text and "闭会期间" in text  # the deputy and the choice by name, not wang / recess
    for width in (WIDE, PHONE):  # the diagram opens on the current step, readable at either width
        clerk.page.set_viewport_size(width)
        clerk.page.reload()
        assert_opens_on_current_step(clerk.page, "Task_Classify")
    clerk.page.set_viewport_size(WIDE)

    clerk.open_task("整理分类并交办")
    clerk.page.select_option("#f-category", index=1)
    clerk.page.select_option("#f-lead_unit", "finance")
    clerk.page.fill("#f-assignment_note", "请按期办理")
    clerk.look("proposal-classify")
    # 2026-12-07 + 3 months = 2027-03-07, a Sunday: the period ends with Monday 03-08, 24:00
    assert clerk.submit() == "已提交。下一步：财政所「办理并书面答复」，期限 2027-03-08 24:00。"

    fin = walk("fin")
    fin.go("/notifications")
    assert "办理并书面答复" in fin.look("proposal-unit-notifications")
    fin.open_task("办理并书面答复")
    # nothing chosen: neither the reply nor the extension fields
    assert [fin.shown(f) for f in ("reply_class", "reply_text", "extension_months", "extension_reason")] == [
        False,
        False,
        False,
        False,
    ]
    fin.page.select_option("#f-handling_action", "extend")
    assert fin.shown("extension_months") and fin.shown("extension_reason") and not fin.shown("reply_text")
    fin.page.fill("#f-extension_months", "2")
    fin.submit()  # no reason: the officer stays on the form, the reason marked
    assert fin.page.locator('[data-field="extension_reason"] .field-error').inner_text() == "必填"
    assert fin.shown("extension_reason") and not fin.shown("reply_text")
    fin.look("proposal-reply-missing-reason")
    fin.page.select_option("#f-handling_action", "reply")
    assert fin.shown("reply_class") and fin.shown("reply_text") and not fin.shown("extension_months")
    fin.page.select_option("#f-reply_class", "A")
    fin.page.fill("#f-reply_text", "已安排资金，年内完成修缮")
    fin.page.fill("#f-reply_signer", "张所长")
    fin.look("proposal-reply")
    message = fin.submit()
    assert message.startswith("已提交。下一步：王代表「评价办理结果（回执）」，期限 "), message

    wang = walk("wang")
    wang.page.set_viewport_size(PHONE)
    wang.go("/notifications")
    assert "评价办理结果（回执）" in wang.page.inner_text("body")
    wang.go("/cases?deputy=1")
    assert "关于修缮村道的建议" in wang.look("proposal-my-proposals")
    wang.open_task("评价办理结果（回执）", tab="mine")
    assert "已安排资金，年内完成修缮" in wang.look("proposal-evaluate")
    wang.page.select_option("#f-evaluation", "满意")
    message = wang.submit()
    assert "已提交" in message, message

    clerk.go("/cases")
    clerk.page.locator("a", has_text="关于修缮村道的建议").first.click()
    text = clerk.look("proposal-case-done")
    steps = clerk.page.locator("#steps tbody tr")
    assert steps.nth(0).inner_text().split("\t")[:2] == ["整理分类并交办", "李文书"]
    assert steps.nth(1).inner_text().split("\t")[:2] == ["办理并书面答复", "张会计"]
    assert "按期" in steps.nth(1).inner_text()
    assert steps.nth(2).inner_text().split("\t")[:2] == ["评价办理结果（回执）", "王代表"]


def test_a_petition_its_identity_masked_for_the_unit(walk):
    xinfang = walk("xinfang")
    xinfang.go("/start/petition")
    xinfang.page.select_option("#f-channel", "visit")
    xinfang.page.fill("#f-petitioner_name", "赵某某")
    xinfang.page.fill("#f-petitioner_phone", "13800001234")
    xinfang.page.fill("#f-petition_subject", "低保资格")
    xinfang.page.fill("#f-petition_content", "申请复核低保资格")
    xinfang.page.select_option("#f-disposition", "register")
    xinfang.look("petition-start")
    xinfang.page.click("button[data-action=start]")
    xinfang.page.wait_for_selector("#case-status")
    assert "已发起：低保资格 · 来访" in xinfang.page.locator(".flash").first.inner_text()

    clerk = walk("clerk")
    clerk.open_task("审查是否受理并告知信访人")
    assert not clerk.shown("acceptance_reason")
    clerk.page.select_option("#f-acceptance", "not_accept")
    assert clerk.shown("acceptance_reason")  # a refusal gives its reason
    clerk.page.select_option("#f-acceptance", "accept")
    assert not clerk.shown("acceptance_reason")
    clerk.page.fill("#f-notified_on", "2026-12-07")
    clerk.look("petition-accept")
    assert clerk.submit().startswith("已提交。下一步：镇人大办「交办承办单位」")
    clerk.open_task("交办承办单位")
    clerk.page.select_option("#f-handling_unit", "civil_affairs")
    message = clerk.submit()
    assert message.startswith("已提交。下一步：民政办「办理并书面答复信访人」，期限 "), message

    civ = walk("civ")
    civ.go("/notifications")
    assert "办理并书面答复信访人" in civ.look("petition-unit-notifications")
    civ.open_task("办理并书面答复信访人")
    text = civ.look("petition-handle")
    assert "赵某某" not in text and "13800001234" not in text and "*1234" not in text and "******" in text
    civ.page.select_option("#f-handling_action", "reply")
    civ.page.fill("#f-reply_text", "经核查，符合低保条件，已纳入")
    assert "已提交" in civ.submit()


def test_an_inspection_lists_each_units_round_and_marks_the_subprocess(walk):
    clerk = walk("clerk")
    clerk.go("/start/inspection")
    clerk.page.fill("#f-inspection_title", "2027年财政预算执行情况检查")
    clerk.page.click("button[data-action=start]")
    clerk.page.wait_for_selector("#case-status")
    clerk.open_task("制定监督检查计划")
    clerk.page.fill("#f-topics", "预算执行、专项资金")
    clerk.page.select_option("#f-units", ["finance", "land", "civil_affairs"])
    clerk.page.fill("#f-selfcheck_deadline", "2026-12-20")
    assert clerk.submit() == "已提交。下一步：主席/副主席「审定检查计划」。"  # a role by its name

    chair = walk("chair")
    chair.open_task("审定检查计划")
    chair.page.select_option("#f-plan_decision", "approve")
    chair.submit()

    clerk.go("/?tab=group")
    rows = clerk.page.locator("#inbox tbody tr", has_text="发出书面通知").all_inner_texts()
    assert sorted(re.search(r"发出书面通知 · \S+", row).group(0) for row in rows) == [
        "发出书面通知 · 国土所",
        "发出书面通知 · 民政办",
        "发出书面通知 · 财政所",
    ]
    clerk.look("inspection-inbox-rounds")
    clerk.open_task("发出书面通知 · 财政所")
    clerk.page.fill("#f-notice_text", "请于12月20日前完成自查")
    clerk.submit()

    clock.advance(timedelta(days=16))  # 2026-12-23: finance's self-check (to 12-20 24:00) is overdue
    clerk.go("/cases")
    clerk.page.locator("a", has_text="2027年财政预算执行情况检查").first.click()
    text = clerk.look("inspection-case-overdue")
    subprocess = '#diagram g.djs-element[data-element-id="Sub_InspectUnit"]'
    assert clerk.page.locator(f"{subprocess}.cf-overdue").count() == 1
    assert_opens_on_current_step(clerk.page, "Sub_InspectUnit")  # the overdue subprocess, in view
    counts = clerk.page.locator('.round-counts[data-rounds="Sub_InspectUnit"]').inner_text()
    assert counts.split() == ["进行中", "2", "已逾期", "1"], counts
    assert "自查自纠并报告 · 财政所" in text
