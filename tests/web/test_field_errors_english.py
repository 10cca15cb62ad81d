"""A field's error in English is a sentence, capital first and a full stop last ("This field is
required."), not a lowercase fragment: it stands alone under its field and after "Label: " in the
form's error summary. Several said in one line are sentences side by side (formdata.one_line),
never joined by a full-width ；."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from engine.errors import FieldError
from tests.unit.test_field_errors import SAMPLES
from tests.web.test_said_to_screen_readers import one, page, said
from web.views.formdata import field_message, one_line

# codes whose English is the params' own text (a validation library's message, as it came)
PASSED_THROUGH = {"invalid"}


@pytest.mark.parametrize("code", sorted(set(SAMPLES) - PASSED_THROUGH))
def test_every_field_error_reads_as_an_english_sentence(app, code):
    params, _engine_text = SAMPLES[code]
    with app.test_request_context(), force_locale("en"):
        message = field_message(FieldError(code, params))
    # what the reader typed or named may come first ("wang5 is deactivated."), or a version ("v2")
    begins_with_a_value = any(message.startswith(str(v)) for v in params.values() if str(v))
    assert begins_with_a_value or re.match(r"v\d", message) or not message[0].islower(), message
    assert message.endswith("."), message
    assert "：" not in message and "；" not in message, message


def test_the_sentences_say_what_is_wrong(app):
    with app.test_request_context(), force_locale("en"):
        said_in_english = [
            field_message(FieldError("required")),
            field_message(FieldError("max_length", {"max": 200})),
            field_message(FieldError("date_out_of_range", {"min": "2026-01-01", "max": "2026-12-31"})),
            field_message(FieldError("not_one_of", {"value": "Z", "choices": "A、B"})),
            field_message(FieldError("file_too_large", {"max_mb": 10})),
        ]
    assert said_in_english == [
        "This field is required.",
        "Must be at most 200 characters long.",
        "Must be between 2026-01-01 and 2026-12-31.",
        "“Z” is not one of the choices: A, B.",
        "The file must not be larger than 10 MB.",
    ]
    with app.test_request_context(), force_locale("zh_CN"):
        assert field_message(FieldError("required")) == "必填"  # the Chinese is as it was


def test_several_errors_in_one_line_are_sentences_side_by_side(app):
    errors = [FieldError("required"), FieldError("file_empty")]
    with app.test_request_context(), force_locale("en"):
        assert one_line(field_message(e) for e in errors) == "This field is required. The file is empty."
    with app.test_request_context(), force_locale("zh_CN"):
        assert one_line(field_message(e) for e in errors) == "必填；文件是空的"


def test_the_summary_reads_the_label_then_the_sentence(app, as_user):
    client = as_user("office1")
    client.get("/lang/en")
    refused = client.post("/start/review", data={"case_title": "", "subject": ""})
    assert refused.status_code == 422
    summary = one(page(refused), "//*[@id='form-errors']")
    assert said(summary).startswith("1 item needs changing:")
    # the field's label is the process's own (Chinese, not translated)
    assert [said(a) for a in summary.xpath(".//li/a")] == ["标题: This field is required."]
    assert said(one(page(refused), "//*[@id='f-subject-error']")) == "This field is required."
