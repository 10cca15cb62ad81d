"""In a real browser, the designer read in English: the problem list's counts are real plurals
(1 warning, 4 errors) over the list, on bpmnlint's button and in deploy's question, a row says
its element and its problem with ": " (never the full-width "："), the due date's suggestions
are in English, and a new process is offered as "New process" with its start event "Start"."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO_ROOT
from tests.e2e.test_designer_problem_list import (
    edit_xml,
    gateway_without_conditions,
    open_proposal,
    rows,
    second_way_out,
)
from tests.e2e.test_designer_workbench import open_group, settled
from tests.e2e.test_officer_flow import sign_in
from tests.world import deploy

pytestmark = pytest.mark.browser


def summary(page) -> str:
    """The summary over the list, which bpmnlint's button says too."""
    said = page.inner_text("#lint-summary")
    assert page.inner_text("#modeler .bjsl-button").strip() == said
    return said


def test_the_english_problem_list_counts_in_real_plurals_with_an_english_colon(app, live_server, browser):
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}/lang/en")
    open_proposal(page, live_server)
    assert summary(page) == "No problems found."

    edit_xml(page, second_way_out)  # one warning, which both checkers find
    [split] = rows(page)
    assert split["severity"] == "warning" and split["where"] == "User task “办理并书面答复”"
    assert split["message"].startswith(": ") and "：" not in split["text"]
    assert summary(page) == "0 errors, 1 warning, 0 notes"
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    with page.expect_event("dialog"):
        page.click("button[data-action=deploy]")
    assert asked == ["There is still 1 warning. Deploy all the same?"]

    edit_xml(page, gateway_without_conditions)  # four branches without a condition: an error each
    said = summary(page)
    assert said.startswith("4 errors, ") and re.fullmatch(r"4 errors, \d+ warnings?, \d+ notes?", said)
    assert not re.search(r"\b1 (errors|warnings|notes)\b", said)
    assert all(r["message"].startswith(": ") for r in rows(page) if r["where"])
    assert problems == []


def test_the_due_date_suggestions_are_in_english(app, live_server, browser):
    deploy(app, REPO_ROOT / "bpmn" / "proposal.bpmn")
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}/lang/en")
    open_proposal(page, live_server)
    page.click('#modeler g.djs-element[data-element-id="Task_Reply"]')
    open_group(page, "CamundaPlatform__UserAssignment")
    page.locator("#properties #bio-properties-panel-dueDate").click()
    offered = dict(page.locator("#cf-due-dates option").evaluate_all("os => os.map(o => [o.value, o.label])"))
    assert offered["${deadline_in_working_days(10)}"] == "10 working days from today"
    assert offered["${deadline_in_months(setting('proposal.reply_months'))}"] == (
        "Deadline setting proposal.reply_months: reply to a deputy's suggestion, from assignment"
    )
    assert [label for label in offered.values() if re.search(r"[\u3400-\u9fff：]", label)] == []
    timers = page.locator("#cf-timer-dates option").evaluate_all("os => os.map(o => [o.value, o.label])")
    assert ["deadline_in_working_days(10)", "10 working days from today"] in timers
    assert problems == []


def test_a_new_process_is_offered_in_english(live_server, browser):
    page, problems = sign_in(browser, live_server, "designer")
    page.goto(f"{live_server}/lang/en")
    page.goto(f"{live_server}/designer/new")
    page.wait_for_selector("#modeler[data-ready=true]")
    settled(page)
    labels = page.locator("#modeler .djs-element .djs-label").all_text_contents()
    assert "Start" in labels and "开始" not in labels
    page.click("#toggle-xml")
    page.wait_for_selector("#xml:not([hidden])")
    xml = page.input_value("#xml")
    assert 'name="New process"' in xml and 'name="Start"' in xml
    assert problems == []
