"""In a real browser, the designer's modeler on the proposal process (bpmn/proposal.bpmn) reads in
Chinese on the Chinese page, and in English on the English one: the palette's and the context
pad's tooltips, 更改类型 (the replace menu) of a user task, of a timer boundary event and of a
gateway with its search, and the properties panel's section buttons. (That every text the
modeler translates has its Chinese is tests/unit/test_modeler_translations.py's.)"""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO_ROOT
from tests.e2e.test_designer_problem_list import open_proposal
from tests.e2e.test_officer_flow import sign_in
from tests.world import deploy

pytestmark = pytest.mark.browser

PAD = "#modeler .djs-context-pad .entry"
# the buttons on a section's header of the properties panel: open/close, add, the count, the dot
SECTION_BUTTONS = "#properties .bio-properties-panel-group > .bio-properties-panel-group-header [title]"


def due_date_help(page) -> str:
    """The help under the selected user task's 期限 (due date), its section opened."""
    group = '#properties [data-group-id="group-CamundaPlatform__UserAssignment"]'
    page.locator(f"{group} .bio-properties-panel-group-header").click()
    return page.locator(f'{group} [data-entry-id="dueDate"] .bio-properties-panel-description').inner_text()


def english(texts: list[str]) -> list[str]:
    return [text for text in texts if re.search(r"[A-Za-z]{3,}", text)]


def select(page, element_id: str) -> None:
    """Select the element alone (a click on it when it is selected would unselect it)."""
    page.evaluate(
        """id => {
             const shape = document.querySelector(`#modeler g.djs-element[data-element-id="${id}"]`);
             if (!shape.classList.contains('selected')) {
               shape.dispatchEvent(new MouseEvent('click', {bubbles: true}));
             }
           }""",
        element_id,
    )
    page.wait_for_selector(f'#modeler g.djs-element.selected[data-element-id="{element_id}"]', state="attached")


def titles(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all(
        "found => found.map(e => e.getAttribute('title') || e.getAttribute('aria-label'))"
    )


def replace_menu(page, element_id: str) -> dict[str, list[str]]:
    """The element's 更改类型 menu, open: its title, its entries and its header's buttons."""
    select(page, element_id)
    page.locator(f'{PAD}[data-action="replace"]').click()
    page.wait_for_selector(".djs-popup")
    return {
        "title": page.locator(".djs-popup .djs-popup-title").all_inner_texts(),
        "entries": page.locator(".djs-popup .djs-popup-results .entry").all_inner_texts(),
        "buttons": titles(page, ".djs-popup .djs-popup-header .entry"),
    }


def close_menu(page) -> None:
    page.keyboard.press("Escape")
    page.wait_for_selector(".djs-popup", state="detached")


def test_the_modeler_reads_in_chinese_on_the_chinese_page(app, live_server, browser, artifacts):
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    open_proposal(page, live_server)

    palette = titles(page, "#modeler .djs-palette .entry")
    assert "添加任务" in palette and "添加开始事件" in palette
    assert english(palette) == []

    task = replace_menu(page, "Task_Reply")
    pad = titles(page, PAD)
    assert {"追加任务", "添加注释", "更改类型", "删除"} <= set(pad)
    assert english(pad) == []
    assert task["title"] == ["更改类型"]
    assert {"服务任务", "脚本任务", "调用活动", "子流程（折叠）"} <= set(task["entries"])
    assert english(task["entries"]) == []
    assert set(task["buttons"]) == {"并行多实例", "顺序多实例", "循环"}
    # a designer searches the menu in the words it shows
    page.keyboard.type("服务")
    page.keyboard.press("End")  # the search runs on a key's release, as a Chinese input method's ends
    page.wait_for_function("document.querySelectorAll('.djs-popup .djs-popup-results .entry').length === 1")
    assert page.locator(".djs-popup .djs-popup-results .entry").all_inner_texts() == ["服务任务"]
    page.screenshot(path=str(artifacts / "modeler-zh-replace-task.png"))
    close_menu(page)

    timer = replace_menu(page, "Timer_ReplyDue")
    assert {"定时边界事件", "消息边界事件（非中断）", "错误边界事件"} <= set(timer["entries"])
    assert english(timer["entries"]) == [] and english(timer["buttons"]) == []
    page.screenshot(path=str(artifacts / "modeler-zh-replace-timer.png"))
    close_menu(page)

    gateway = replace_menu(page, "Gateway_ReplyAction")
    assert {"并行网关", "包容网关", "事件网关"} <= set(gateway["entries"])
    assert english(gateway["entries"]) == []
    close_menu(page)

    select(page, "Task_Reply")
    buttons = titles(page, SECTION_BUTTONS)
    assert "展开/收起" in buttons and "添加一项" in buttons and "共 9 项" in buttons
    assert english(buttons) == []
    help_text = due_date_help(page)  # how this product counts a deadline, not Camunda's stock text
    assert "15 个工作日，按工作日历：法定节假日不算，调休上班日算" in help_text
    assert "最后一天是节假日的，顺延到下一个工作日" in help_text and "someDate" not in help_text
    assert problems == []


def test_the_modeler_keeps_english_on_the_english_page(app, live_server, browser):
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}/lang/en")
    open_proposal(page, live_server)
    assert "Create task" in titles(page, "#modeler .djs-palette .entry")
    task = replace_menu(page, "Task_Reply")
    assert "Change element" in titles(page, PAD)
    assert task["title"] == ["Change element"]
    assert {"Service task", "Script task"} <= set(task["entries"])
    close_menu(page)
    select(page, "Task_Reply")
    assert {"Toggle section", "List contains 9 items"} <= set(titles(page, SECTION_BUTTONS))
    help_text = due_date_help(page)
    assert "15 working days by the working calendar: public holidays do not count" in help_text
    assert "a last day on a holiday moves to the next working day" in help_text and "someDate" not in help_text
    assert problems == []
