"""Field errors as codes: the API sends each with its params beside the English message
(``codes``), the pages say it in the reader's language, translated from the code once."""

import re
from io import BytesIO

import pytest

from engine.errors import FIELD_ERRORS, FieldError
from engine.usecases import definitions
from engine.usecases.attachments import ALLOWED_TYPES
from engine.usecases.comments import MAX_COMMENT_CHARS
from engine.usecases.context import SYSTEM
from tests.unit.test_field_errors import SAMPLES
from tests.world import PASSWORD

FIELDS_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="field_errors" name="字段检查" isExecutable="true">
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="title" label="标题" type="string">
          <camunda:validation><camunda:constraint name="required" />
            <camunda:constraint name="maxlength" config="10" /></camunda:validation>
        </camunda:formField>
        <camunda:formField id="visit" label="走访日期" type="date">
          <camunda:validation><camunda:constraint name="min" config="2026-01-01" />
            <camunda:constraint name="max" config="2026-12-31" /></camunda:validation>
        </camunda:formField>
        <camunda:formField id="count" label="人数" type="long">
          <camunda:validation><camunda:constraint name="min" config="1" /></camunda:validation>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:userTask id="work" name="办理" camunda:candidateGroups="office" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""

TOO_LONG = "一二三四五六七八九十十一"  # 11 characters, maxlength 10


@pytest.fixture
def fields_world(world):
    with world.factory.begin() as s:
        definitions.deploy(s, FIELDS_BPMN.encode(), "field_errors.bpmn", SYSTEM)
    return world


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# -- the API -------------------------------------------------------------------------------
def test_a_start_form_refusal_has_a_code_and_params_per_field(fields_world):
    response = fields_world.as_("clerk").post(
        "/instances",
        json={
            "process_key": "field_errors",
            "data": {"title": TOO_LONG, "visit": "2027-01-01", "count": 0, "bogus": "x"},
        },
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["codes"] == {
        "title": {"code": "max_length", "params": {"max": 10}},
        "visit": {"code": "date_out_of_range", "params": {"min": "2026-01-01", "max": "2026-12-31"}},
        "count": {"code": "min", "params": {"min": 1}},
        "bogus": {"code": "unknown_field", "params": {}},
    }
    assert body["fields"] == {  # the English messages, as before
        "title": "标题: at most 10 characters",
        "visit": "走访日期: must be between 2026-01-01 and 2026-12-31",
        "count": "人数: at least 1",
        "bogus": "unknown field: this form has no such field",
    }
    empty = fields_world.as_("clerk").post("/instances", json={"process_key": "field_errors", "data": {}})
    assert empty.get_json()["codes"] == {"title": {"code": "required", "params": {}}}


def test_a_task_form_refusal_has_codes(world):
    case = world.to_unit("finance")
    bad = world.as_("fin").post(f"/tasks/{case['reply']}/complete", json={"data": {"reply_class": "Z", "pages": "x"}})
    assert bad.status_code == 422
    assert bad.get_json()["codes"] == {
        "reply_class": {"code": "not_allowed_value", "params": {"value": "Z"}},
        "pages": {"code": "not_a_number", "params": {}},
    }


def test_use_case_refusals_have_codes(world):
    case = world.to_unit("finance")
    exe = world.as_("clerk").post(
        f"/instances/{case['case']}/attachments",
        data={"file": (BytesIO(b"MZ"), "tool.exe")},
        content_type="multipart/form-data",
    )
    assert exe.status_code == 422
    assert exe.get_json()["codes"] == {
        "file": {"code": "file_type", "params": {"allowed": " ".join(sorted(ALLOWED_TYPES))}}
    }
    empty = world.as_("clerk").post(
        f"/instances/{case['case']}/attachments",
        data={"file": (BytesIO(b""), "empty.pdf")},
        content_type="multipart/form-data",
    )
    assert empty.get_json()["codes"] == {"file": {"code": "file_empty", "params": {}}}
    blank = world.as_("clerk").post(f"/instances/{case['case']}/cancel", json={"reason": "   "})
    assert blank.status_code == 422 and blank.get_json()["codes"] == {"reason": {"code": "required", "params": {}}}
    zone = world.as_("clerk").patch("/me", json={"timezone": "Mars/Olympus"})
    assert zone.status_code == 422 and zone.get_json()["codes"] == {
        "timezone": {"code": "unknown_timezone", "params": {"timezone": "Mars/Olympus", "example": "Asia/Shanghai"}}
    }


def test_argument_errors_are_invalid_or_required(world):
    fin = world.as_("fin")
    bad = fin.get("/tasks", query_string={"scope": "everything", "per_page": "many"})
    assert bad.status_code == 422
    body = bad.get_json()
    assert set(body["codes"]) == set(body["fields"]) == {"scope", "per_page"}
    for name in ("scope", "per_page"):
        assert body["codes"][name] == {"code": "invalid", "params": {"message": body["fields"][name]}}
    assert "Must be one of" in body["fields"]["scope"]
    case = world.to_unit("finance")
    missing = fin.post(f"/tasks/{case['reply']}/hand-over", json={})
    assert missing.status_code == 422
    assert missing.get_json()["codes"] == {"to": {"code": "required", "params": {}}}
    assert missing.get_json()["fields"] == {"to": "required"}


def test_refusals_before_any_handler_have_codes_too(world):
    nul = world.as_("clerk").get("/tasks", query_string={"text": "a\x00b"})
    assert nul.get_json()["codes"] == {
        "text": {"code": "invalid", "params": {"message": "must not contain NUL characters"}}
    }


def test_the_openapi_document_describes_the_codes(world):
    schemas = world.anonymous().get("/openapi.json").get_json()["components"]["schemas"]
    codes = schemas["Error"]["properties"]["codes"]
    assert codes["type"] == "object" and "max_length" in codes["description"]
    field_error = schemas["FieldError"]["properties"]
    assert field_error["code"]["enum"] == list(FIELD_ERRORS)
    assert "max_length(max)" in field_error["code"]["description"]
    assert set(schemas["FieldError"]["required"]) == {"code", "params"}


# -- the pages ------------------------------------------------------------------------------------
def test_every_code_is_said_in_chinese_and_in_english(world):
    from web.views.formdata import _SAY, field_message

    assert set(_SAY) == set(FIELD_ERRORS)
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for code, (params, _english) in SAMPLES.items():
        error = FieldError(code, params)
        with world.app.test_request_context():
            chinese = field_message(error)
        with world.app.test_request_context(headers={"Cookie": "lang=en"}):
            translated = field_message(error)
        assert not cjk.search(translated), (code, translated)
        if code != "invalid":  # a library's message stays as it came
            assert cjk.search(chinese), (code, chinese)
        for name, value in params.items():
            if name == "choices":  # a list (joined with 、), said as the reader's language lists things
                assert all(c in chinese and c in translated for c in str(value).split("、")), (code, value)
                continue
            # the pages offer the known values and time zones to choose from: not repeated;
            # a case's status is said in words (已撤销 / 已办结), not as its code; a moment in
            # the reader's time zone, not in UTC
            if (
                name not in ("known", "example")
                and code != "unknown_timezone"
                and (code, name) not in (("case_ended", "status"), ("task_completed", "at"))
            ):
                assert str(value) in chinese and str(value) in translated, (code, value)


def test_plain_text_still_reads_in_the_readers_language(world):
    from web.views.formdata import field_messages

    with world.app.test_request_context():
        assert field_messages({"password_repeat": "the passwords differ", "x": "odd"}) == {
            "password_repeat": "两次输入的新密码不一致",
            "x": "odd",
        }


def start_page(client, token, **data):
    return client.post("/start/field_errors", data={"csrf_token": token, **data})


def test_the_start_page_says_each_field_error_in_the_readers_language(fields_world):
    browser, token = fields_world.browser("clerk")
    client = browser.client
    chinese = text_of(start_page(client, token, title="", visit="2027-01-01", count="0"))
    assert "必填" in chinese
    assert "日期应在 2026-01-01 至 2026-12-31 之间" in chinese and "不能小于 1" in chinese
    assert "最多 10 个字符" in text_of(start_page(client, token, title=TOO_LONG))
    client.get("/lang/en")
    english = start_page(client, token, title="", visit="2027-01-01", count="0")
    assert english.status_code == 422
    english = text_of(english)
    assert "This field is required." in english and "Must be between 2026-01-01 and 2026-12-31." in english
    assert "Must not be less than 1." in english and "必填" not in english
    assert "Must be at most 10 characters long." in text_of(start_page(client, token, title=TOO_LONG))


def test_a_too_long_comment_is_refused_with_its_number(world):
    case = world.to_unit("finance")
    browser, token = world.browser("fin")
    client = browser.client
    # said on the task page itself, which stays open
    refused = client.post(
        f"/tasks/{case['reply']}/comments", data={"csrf_token": token, "body": "长" * (MAX_COMMENT_CHARS + 1)}
    )
    assert refused.status_code == 422
    assert f"意见未发表：最多 {MAX_COMMENT_CHARS} 个字符" in text_of(refused)
    client.get("/lang/en")
    blank = client.post(f"/tasks/{case['reply']}/comments", data={"csrf_token": token, "body": " "})
    assert blank.status_code == 422
    assert "The comment was not posted: write something first." in text_of(blank)


def test_a_password_policy_refusal_is_said_in_the_readers_language(world):
    browser, token = world.browser("clerk")
    client = browser.client

    def change(new):
        return client.post(
            "/settings/password",
            data={"csrf_token": token, "current_password": PASSWORD, "password": new, "password_repeat": new},
        )

    short = change("Qiu-shan")
    assert short.status_code == 422 and "密码至少 10 个字符" in text_of(short)
    assert "太容易被猜到" in text_of(change("password123"))
    client.get("/lang/en")
    assert "The password needs at least 10 characters." in text_of(change("Qiu-shan"))
    guessable = text_of(change("password123"))
    assert "Too easy to guess" in guessable and "太容易" not in guessable


def test_an_upload_of_a_refused_type_is_said_in_the_readers_language(world):
    case = world.to_unit("finance")
    browser, token = world.browser("fin")
    client = browser.client
    allowed = " ".join(sorted(ALLOWED_TYPES))

    def upload():
        return client.post(
            f"/tasks/{case['reply']}/attachments",
            follow_redirects=True,
            data={"csrf_token": token, "file": (BytesIO(b"MZ"), "tool.exe")},
            content_type="multipart/form-data",
        )

    assert f"附件未上传：不允许的文件类型。允许：{allowed}" in text_of(upload())
    client.get("/lang/en")
    assert f"File not uploaded: File type not allowed. Allowed: {allowed}" in text_of(upload())
