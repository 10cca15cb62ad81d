"""What a case page, the API and the command line say of a case (1) waiting for an external
worker: a current step, named with its topic, marked active on the diagram, though no task an
officer opens; (2) moved to another version: its history says from which version to which with
the map, and a step done before the move keeps the name it had then (zh and en); (3) a case that
changed after the dry run the mover confirmed is not moved: refused, saying why.

prepared_sms: 准备通知 (office) → 发送短信通知 (send_sms, an external task, topic notify_sms) → 核对回执.
migrate_v1/v2: 受理 → 办理 (finance); v2: 受理登记 → 复核 (office), 办理 gone."""

from __future__ import annotations

import html
import json
import re

import pytest

from engine.usecases import cases, definitions, tasks
from engine.usecases.context import SYSTEM
from tests.world import FIXTURES, act, deploy, session_factory_of

from .conftest import text_of

PREPARED_SMS = (
    (FIXTURES / "external_task.bpmn")
    .read_text(encoding="utf-8")
    .replace('id="external_task" name="短信通知（测试）"', 'id="prepared_sms" name="准备后发短信（测试）"')
    .replace(
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="send_sms" />',
        '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="prepare" />'
        '<bpmn:userTask id="prepare" name="准备通知" camunda:candidateGroups="office" />'
        '<bpmn:sequenceFlow id="f1" sourceRef="prepare" targetRef="send_sms" />',
    )
)


def current_steps(page: str) -> str:
    return re.search(r"<dt>(当前任务|Current tasks)</dt><dd>(.*?)</dd>", page).group(2)


def diagram_state(page: str) -> dict:
    return json.loads(
        html.unescape(re.search(r'<script type="application/json" id="diagram-state">(.*?)</script>', page).group(1))
    )


@pytest.fixture
def waiting(app):
    """A case past 准备通知, waiting for the SMS gateway; the id of the task completed."""
    with session_factory_of(app).begin() as s:
        definitions.deploy(s, PREPARED_SMS.encode(), "prepared_sms.bpmn", SYSTEM)
    started = act(app, "office1", cases.start_instance, "prepared_sms", {"subject": "开会通知"})
    return started.id, started.open_tasks[0].task_id


def test_the_case_page_names_the_step_waiting_for_a_worker_and_marks_it_active(app, as_user, waiting):
    case_id, prepare = waiting
    act(app, "office1", tasks.complete, prepare, {})
    page = text_of(as_user("office1").get(f"/cases/{case_id}"))
    steps = current_steps(page)
    assert "发送短信通知（等待外部系统处理，主题 notify_sms）" in steps
    assert "无" not in steps and "/tasks/" not in steps  # a current step, but no task to open
    # the task itself, and its error boundary event, armed while it waits (as a user task's timer is)
    assert diagram_state(page)["active"] == ["no_phone", "send_sms"]


def test_an_open_task_beside_it_is_still_a_task_and_a_case_at_nothing_says_none(app, as_user, waiting):
    case_id, _prepare = waiting
    steps = current_steps(text_of(as_user("office1").get(f"/cases/{case_id}")))
    assert "准备通知" in steps and "等待外部系统" not in steps
    act(app, "office1", cases.cancel_instance, case_id, "不发了")
    assert current_steps(text_of(as_user("office1").get(f"/cases/{case_id}"))).strip() == "无"


def test_the_command_line_says_it_after_the_completion_and_on_the_case(app, runner, waiting):
    case_id, prepare = waiting
    done = runner.invoke(args=["complete", prepare, "--user", "office1"])
    assert done.exit_code == 0, done.output
    assert done.output.endswith(
        "open tasks in this case:\n  (no open tasks)\nwaiting for an external system:\n"
        "  发送短信通知 (send_sms): topic notify_sms\n"
    )
    shown = runner.invoke(args=["instance", str(case_id), "--user", "office1"])
    assert (
        "open tasks:\n  (no open tasks)\nwaiting for an external system:\n  发送短信通知 (send_sms): topic notify_sms\n"
        in (shown.output)
    )
    as_json = json.loads(runner.invoke(args=["instance", str(case_id), "--user", "office1", "--json"]).output)
    assert as_json["waiting_for_workers"] == [{"bpmn_id": "send_sms", "name": "发送短信通知", "topic": "notify_sms"}]
    assert as_json["active_bpmn_ids"] == ["no_phone", "send_sms"]


def test_the_page_after_the_completion_says_the_case_waits_not_that_it_ended(app, as_user, waiting):
    _case_id, prepare = waiting
    client = as_user("office1")
    done = client.post(f"/tasks/{prepare}", data={}, follow_redirects=True)
    said = text_of(done)
    assert "已提交。案件正在等待（外部系统、消息或期限），目前没有需要人办理的任务。" in said
    assert "案件已办结" not in said


# -- a moved case's history ------------------------------------------------------------------
@pytest.fixture
def moved(app, runner):
    """Two cases moved from v1 to v2 with 办理 mapped to 复核: one claimed at 受理 (renamed
    受理登记 in v2), one claimed at 办理; their ids."""
    deploy(app, "migrate_v1.bpmn")
    at_accept = act(app, "office1", cases.start_instance, "migrate", {"subject": "来信甲"})
    act(app, "office1", tasks.claim, at_accept.open_tasks[0].task_id)
    at_handle = act(app, "office1", cases.start_instance, "migrate", {"subject": "来信乙"})
    [handle] = act(app, "office1", tasks.complete, at_handle.open_tasks[0].task_id, {})
    act(app, "finance1", tasks.claim, handle.task_id)
    deploy(app, "migrate_v2.bpmn")
    result = runner.invoke(
        args=["migrate-cases", "migrate", "--from", "1", "--to", "2", "--map", "handle=review", "--user", "designer"]
    )
    assert result.exit_code == 0, result.output
    return at_accept.id, at_handle.id


def history_items(page: str) -> list[str]:
    timeline = re.search(r'<ol class="timeline" id="history">(.*?)</ol>', page).group(1)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", timeline)]


def test_the_history_says_the_versions_and_the_map_and_past_steps_by_their_names_then(app, as_user, moved):
    at_accept, at_handle = moved
    page = html.unescape(text_of(as_user("office1").get(f"/cases/{at_handle}")))
    items = history_items(page)
    assert any(
        "迁移到新版本" in i and "从 v1 迁移到 v2；环节对应：「办理」（handle） → 「复核」（review）" in i for i in items
    )
    assert any("签收 · 办理" in i for i in items)  # claimed in v1, where the step was 办理
    assert not any("签收 · 复核" in i for i in items)
    assert "复核" in current_steps(page)  # the open task is v2's, by v2's name

    page = html.unescape(text_of(as_user("office1").get(f"/cases/{at_accept}")))
    items = history_items(page)
    assert any("签收 · 受理" in i and "受理登记" not in i for i in items)
    assert "受理登记" in current_steps(page)


def test_the_history_of_a_moved_case_in_english(app, as_user, moved):
    _at_accept, at_handle = moved
    client = as_user("office1")
    client.get("/lang/en")
    items = history_items(html.unescape(text_of(client.get(f"/cases/{at_handle}"))))
    assert any(
        "Moved to a new version" in i and "from v1 to v2; elements mapped: “办理” (handle) → “复核” (review)" in i
        for i in items
    )
    assert any("Claimed · 办理" in i for i in items)


def test_the_command_line_says_the_versions_and_the_map(runner, moved):
    _at_accept, at_handle = moved
    shown = runner.invoke(args=["instance", str(at_handle), "--user", "office1"])
    [line] = [line for line in shown.output.splitlines() if "case_migrated" in line]
    assert line.endswith("designer   case_migrated v1 -> v2, map: handle -> review") or line.endswith(
        "case_migrated v1 -> v2, map: handle -> review"
    )
    [claim] = [line for line in shown.output.splitlines() if " claim " in line]
    assert claim.endswith("handle  办理")  # the element and its name when it was claimed


# -- a case changed after the dry run --------------------------------------------------------
def test_a_case_changed_after_the_dry_run_is_refused_saying_why(app, as_user):
    deploy(app, "migrate_v1.bpmn")
    case = act(app, "office1", cases.start_instance, "migrate", {"subject": "来信甲"})
    deploy(app, "migrate_v2.bpmn")
    c = as_user("designer")
    page = text_of(c.get("/designer/processes/migrate/v1/migrate"))
    form = page.split('id="migrate-confirm"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    act(app, "office1", tasks.complete, case.open_tasks[0].task_id, {})  # after the dry run: now at 办理
    result = html.unescape(text_of(c.post("/designer/processes/migrate/v1/migrate", data={**fields, "confirm": "yes"})))
    row = re.search(rf'<tr data-case="{case.id}" data-outcome="(\w+)">(.*?)</tr>', result)
    assert row.group(1) == "refused"
    assert "未迁移" in row.group(2) and "失败" not in row.group(2)
    assert "此案件在试运行之后已有变化（已有人办理或处理过），未迁移：请重新试运行，确认后再迁移。" in row.group(2)
    assert "已迁移 0 件，未迁移 1 件，失败 0 件。" in result
