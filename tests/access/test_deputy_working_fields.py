"""What a deputy reads of his proposal's handling, through the case's doors (page, API, command
line): that the lead unit asked to return it and the office re-assigned it (改办), and to whom,
not the unit's reasons nor the office's text on them (``internal`` fields: an exchange between
those who work the case); not the figures the process keeps on its forms (剩余可延期（月）, a
read-only field no form asks). The office and the unit, the returning officer's colleagues
too, read them all. The rule: ``engine.access.may_read_working_field``."""

from __future__ import annotations

import json
import re

from engine import access
from engine.bpmn.forms import FormField, FormSpec, working_fields
from engine.usecases import cases, definitions, tasks
from engine.usecases.context import SYSTEM
from tests.access.conftest import Town
from tests.conftest import REPO_ROOT
from tests.world import act
from web import database

REASON = "村道修缮属国土所职责，本所无此项经费"
OPINION = "经核实属民政办职责，同意改办"


def open_task(town: Town, case_id: int, bpmn_id: str) -> str:
    [task] = [t for t in act(town.app, "clerk", cases.instance_detail, case_id).open_tasks if t.bpmn_id == bpmn_id]
    return task.task_id


def complete(town: Town, username: str, case_id: int, bpmn_id: str, data: dict) -> None:
    act(town.app, username, tasks.complete, open_task(town, case_id, bpmn_id), data)


def reassigned_proposal(town: Town) -> int:
    """A proposal the office registered for ``deputy`` and assigned to finance; finance returned
    it (REASON), the office agreed (改办, OPINION) and assigned it to 民政办, which now replies."""
    source = (REPO_ROOT / "bpmn" / "proposal.bpmn").read_bytes()  # 退回理由, 退回审核意见: internal
    with database.session_factory(town.app).begin() as s:
        definitions.deploy(s, source, "proposal.bpmn", SYSTEM)
    start = {"kind": "suggestion", "title": "修缮村道", "content": "村道破损", "deputy": "deputy"}
    case_id = act(town.app, "clerk", cases.start_instance, "proposal", {**start, "submitted_during": "recess"}).id
    complete(town, "clerk", case_id, "Task_Classify", {"category": "construction", "lead_unit": "finance"})
    complete(town, "finance", case_id, "Task_Reply", {"handling_action": "return", "return_reason": REASON})
    complete(town, "clerk", case_id, "Task_ReviewReturn", {"return_decision": "reassign", "return_opinion": OPINION})
    complete(town, "clerk", case_id, "Task_Classify", {"category": "construction", "lead_unit": "civil_affairs"})
    return case_id


def history_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('id="history"', 1)[1].split("</ol>", 1)[0]))


def facts(html: str) -> str:
    return html.split('id="variables"', 1)[1].split("</section>", 1)[0]


def test_the_deputys_case_page_says_the_re_assignment_not_the_exchange_nor_the_figures(town: Town):
    case_id = reassigned_proposal(town)
    html = town.browser("deputy").get(f"/cases/{case_id}").get_data(as_text=True)
    history = history_text(html)
    assert "退回审核结果：同意退回，改办（重新交办）" in history
    assert "主办单位：民政办" in history  # to whom
    # the unit's return says what it chose, its reasons being no longer there to say it
    assert "办理操作：退回，申请改办" in history
    assert REASON not in html and OPINION not in html
    assert "退回理由" not in history and "退回审核意见" not in history  # nor that there was one to withhold
    assert 'data-var="extension_months_left"' not in html and "剩余可延期" not in facts(html)
    assert '<dd data-var="lead_unit">民政办</dd>' in facts(html)  # the facts stay

    for reader in ("clerk", "finance", "finance2", "civil"):  # the office; the unit, its author's colleague too
        page = town.browser(reader).get(f"/cases/{case_id}").get_data(as_text=True)
        assert f"退回理由：{REASON}" in history_text(page), reader
        assert f"退回审核意见：{OPINION}" in history_text(page), reader
        assert 'data-var="extension_months_left"' in page, reader


def test_the_api_and_the_command_line_give_the_deputy_the_same(town: Town):
    case_id = reassigned_proposal(town)
    detail = town.api("deputy", "GET", f"/instances/{case_id}").get_json()
    said = json.dumps(detail, ensure_ascii=False)
    assert REASON not in said and OPINION not in said
    assert not {"return_reason", "return_opinion", "extension_months_left"} & set(detail["variables"])
    [decided] = [h["data"] for h in detail["history"] if h["bpmn_id"] == "Task_ReviewReturn"]
    assert decided == {"return_decision": "reassign"}
    code, out, _error = town.cli("deputy", "instance", str(case_id))
    assert code == 0 and REASON not in out and OPINION not in out
    assert json.loads(out)["variables"] == detail["variables"]

    office = town.api("clerk", "GET", f"/instances/{case_id}").get_json()
    assert office["variables"]["extension_months_left"] == 3
    [decided] = [h["data"] for h in office["history"] if h["bpmn_id"] == "Task_ReviewReturn"]
    assert decided == {"return_decision": "reassign", "return_opinion": OPINION}


def test_working_fields_are_the_internal_ones_and_those_the_process_fills():
    """剩余可延期 is read-only wherever it is: the process fills it; 主办单位 shown read-only on a
    later form repeats what the office answered: a fact."""
    readonly = {"readonly": ""}
    forms = [
        FormSpec((FormField("lead_unit", "主办单位", "string"), FormField("note", "说明", "string"))),
        FormSpec(
            (
                FormField("lead_unit", "主办单位", "string", constraints=readonly),
                FormField("months_left", "剩余可延期（月）", "long", constraints=readonly),
                FormField("return_reason", "退回理由", "string", properties={"internal": "true"}),
            )
        ),
    ]
    assert working_fields(forms) == {"months_left", "return_reason"}


def test_who_reads_a_working_field():
    deputy, officer = access.Actor("deputy", frozenset({"deputy"})), access.Actor("fin", frozenset({"officer"}))
    assert access.may_read_working_field(officer) and access.may_read_working_field(officer, "someone")
    assert not access.may_read_working_field(deputy) and not access.may_read_working_field(deputy, "fin")
    assert access.may_read_working_field(deputy, "deputy")  # what he entered himself


def test_the_deputys_evaluation_page_and_the_history_download_leave_them_out_too(town: Town):
    case_id = reassigned_proposal(town)
    reply = {"handling_action": "reply", "reply_class": "A", "reply_text": "已修缮", "reply_signer": "李主任"}
    complete(town, "civil", case_id, "Task_Reply", reply)
    evaluation = town.browser("deputy").get(f"/tasks/{open_task(town, case_id, 'Task_Evaluate')}")
    assert evaluation.status_code == 200
    page = evaluation.get_data(as_text=True)
    assert "已修缮" in page  # the reply he evaluates
    assert REASON not in page and OPINION not in page and "剩余可延期" not in page
    download = town.browser("deputy").get(f"/cases/{case_id}/history.csv").get_data(as_text=True)
    assert "退回，申请改办" in download and "民政办" in download
    assert REASON not in download and OPINION not in download
    office = town.browser("clerk").get(f"/cases/{case_id}/history.csv").get_data(as_text=True)
    assert REASON in office and OPINION in office
