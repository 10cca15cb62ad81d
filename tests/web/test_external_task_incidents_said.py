"""An external task's incident in the reader's language (QA walk "v", finding 6: "external task
sms (topic 'notify_sms') reported the BPMN error 'NO_PHONE': …" on the Chinese pages). The
engine keeps its English words (the API's ``message``, the English pages); the incidents list
(系统管理 → 故障) and the API's ``said`` say them in Chinese, the element by its name and the
worker's own words as written."""

from __future__ import annotations

from engine.usecases import cases, incidents
from engine.usecases.context import SYSTEM
from storage.enums import IncidentKind
from tests.world import act, create_people, deploy
from web import database

from .conftest import text_of
from .test_incidents_page import bearer

FAILED_ZH = "外部任务「发送短信通知」（主题 notify_sms）失败，已没有重试次数：短信网关停用"
FAILED_EN = "external task send_sms (topic &#39;notify_sms&#39;) failed with no retries left: 短信网关停用"
ERROR_ZH = (
    "外部任务「发送短信通知」（主题 notify_sms）报告了业务错误（BPMN 错误）「NO_PHONE」：no phone, sorry；"
    "该任务上没有捕获它的错误边界事件"
)


def two_failed_sms_cases(app) -> tuple[int, int]:
    """One case whose worker gave up (no retries left), one whose worker reported a BPMN error
    nothing on the task catches (the boundary event catches ``no_phone`` only)."""
    deploy(app, "external_task.bpmn")
    failed = act(app, "office1", cases.start_instance, "external_task", {"subject": "开会通知"}).id
    errored = act(app, "office1", cases.start_instance, "external_task", {"subject": "开会通知"}).id
    client, admin = app.test_client(), bearer(app, "admin")
    topics = [{"topic_name": "notify_sms", "lock_duration": 60_000}]
    locked = client.post(
        "/api/v1/external-tasks/fetch-and-lock",
        json={"worker_id": "w", "max_tasks": 2, "topics": topics},
        headers=admin,
    ).get_json()
    by_case = {t["instance_id"]: t["id"] for t in locked}
    answer = client.post(
        f"/api/v1/external-tasks/{by_case[failed]}/failure",
        json={"worker_id": "w", "error_message": "短信网关停用", "retries": 0},
        headers=admin,
    )
    assert answer.get_json()["outcome"] == "incident", answer.get_json()
    answer = client.post(
        f"/api/v1/external-tasks/{by_case[errored]}/bpmn-error",
        json={"worker_id": "w", "error_code": "NO_PHONE", "error_message": "no phone, sorry"},
        headers=admin,
    )
    assert answer.get_json()["outcome"] == "incident", answer.get_json()
    return failed, errored


def test_the_incidents_list_says_them_in_chinese_and_english(app, as_user):
    two_failed_sms_cases(app)
    create_people(app, "head")
    client = as_user("head")
    listing = text_of(client.get("/admin/incidents/"))
    assert FAILED_ZH in listing and ERROR_ZH in listing
    assert "failed with no retries left" not in listing and "reported the BPMN error" not in listing
    client.get("/lang/en")
    english = text_of(client.get("/admin/incidents/"))
    assert FAILED_EN in english and "外部任务「" not in english


def test_the_api_says_them_in_the_requests_language(app):
    failed, errored = two_failed_sms_cases(app)
    client, admin = app.test_client(), bearer(app, "admin")
    found = {i["instance_id"]: i for i in client.get("/api/v1/incidents", headers=admin).get_json()}
    assert found[failed]["said"] == FAILED_ZH
    assert found[errored]["said"] == ERROR_ZH.replace("&#39;", "'")
    assert found[failed]["message"] == (
        "external task send_sms (topic 'notify_sms') failed with no retries left: 短信网关停用"
    )  # the engine's words, as before
    english = client.get("/api/v1/incidents", headers={**admin, "Accept-Language": "en"}).get_json()
    assert {i["said"] for i in english} == {i["message"] for i in english}


def test_a_worker_that_gave_no_reason_and_an_error_without_a_message(app):
    """The two other forms of the words; recorded as the engine records them (rows stored
    before this change read the same)."""
    deploy(app, "external_task.bpmn")
    case_id = act(app, "office1", cases.start_instance, "external_task", {"subject": "开会通知"}).id
    with database.session_factory(app).begin() as s:
        incidents.record(
            s,
            case_id,
            IncidentKind.EXTERNAL_TASK,
            "send_sms",
            'external task send_sms (topic "it\'s") failed with no retries left: the worker gave no error message',
        )
    client, admin = app.test_client(), bearer(app, "admin")
    [said] = [i["said"] for i in client.get("/api/v1/incidents", headers=admin).get_json()]
    assert said == "外部任务「发送短信通知」（主题 it's）失败，已没有重试次数；外部程序没有说明原因"
    with database.session_factory(app).begin() as s:
        incidents.resolve_open(s, case_id, SYSTEM)
        incidents.record(
            s,
            case_id,
            IncidentKind.EXTERNAL_TASK,
            "send_sms",
            "external task send_sms (topic 'notify_sms') reported the BPMN error 'E1', "
            "which no error boundary event on it catches",
        )
    [said] = [i["said"] for i in client.get("/api/v1/incidents", headers=admin).get_json()]
    assert said == (
        "外部任务「发送短信通知」（主题 notify_sms）报告了业务错误（BPMN 错误）「E1」，该任务上没有捕获它的错误边界事件"
    )


def test_the_case_page_says_them_in_chinese_too(app, as_user):
    failed, errored = two_failed_sms_cases(app)
    create_people(app, "head")
    client = as_user("head")
    assert FAILED_ZH in text_of(client.get(f"/cases/{failed}"))
    page = text_of(client.get(f"/cases/{errored}"))
    assert ERROR_ZH in page and "reported the BPMN error" not in page
