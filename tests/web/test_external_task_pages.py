"""External tasks on the pages: the case page lists what waits for a worker (topic, worker,
locked until, retries; the last error only for those who may read it), an incident raised by
a worker's failure is named 外部任务失败 there and in 系统管理 → 故障, and the history says what
the worker did."""

from __future__ import annotations

from engine.usecases import cases
from engine.usecases.external_task_answers import complete, failure
from engine.usecases.external_tasks import TopicRequest, fetch_and_lock
from tests.world import act, deploy

from .conftest import text_of

SMS = [TopicRequest("notify_sms", 60_000)]


def test_the_case_page_shows_the_waiting_task_and_the_incident(app, as_user):
    deploy(app, "external_task.bpmn")
    case_id = act(app, "office1", cases.start_instance, "external_task", {"subject": "开会通知"}).id
    [task] = act(app, "admin", fetch_and_lock, "sms-gateway", SMS)
    officer = text_of(as_user("office1").get(f"/cases/{case_id}"))
    assert 'id="external-tasks"' in officer and f'data-external-task="{task.id}"' in officer
    assert "notify_sms" in officer and "sms-gateway" in officer and "处理中" in officer and "发送短信通知" in officer

    act(app, "admin", failure, task.id, "sms-gateway", error_message="网关拒绝：余额不足", retries=0)
    admin = text_of(as_user("admin").get(f"/cases/{case_id}"))
    assert 'data-state="failed"' in admin and "网关拒绝：余额不足" in admin and "外部任务失败" in admin
    assert "外部任务报告失败" in admin  # the history
    officer = text_of(as_user("office1").get(f"/cases/{case_id}"))
    assert 'data-state="failed"' in officer and "余额不足" not in officer  # the error is not the officer's
    listing = text_of(as_user("admin").get("/admin/incidents/?state=open"))
    assert f'data-case="{case_id}"' in listing and "外部任务失败" in listing


def test_in_english(app, as_user):
    deploy(app, "external_task.bpmn")
    case_id = act(app, "office1", cases.start_instance, "external_task", {"subject": "notice"}).id
    [task] = act(app, "admin", fetch_and_lock, "sms-gateway", SMS)
    client = as_user("admin")
    client.get("/lang/en")
    page = text_of(client.get(f"/cases/{case_id}"))
    assert "External tasks" in page and "Locked until" in page and "In progress" in page
    act(app, "admin", complete, task.id, "sms-gateway", {"receipt": "R-17"})
    page = text_of(client.get(f"/cases/{case_id}"))
    assert (
        'id="external-tasks"' not in page
        and "External task completed" in page
        and "Worker: sms-gateway; receipt: R-17" in page
    )
