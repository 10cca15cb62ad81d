"""A field error is a code with params (engine.errors.FIELD_ERRORS), which reads as a plain
English sentence; deploy refuses form constraints the engine could not apply."""

import copy
import pickle

import pytest

from engine.bpmn.forms import CONSTRAINTS, FormField, FormSpec, Option
from engine.bpmn.parsing import parse_bpmn
from engine.errors import FIELD_ERRORS, FieldError, InvalidData, field_error_params, not_a_day
from engine.usecases.sign_in import password_problem
from tests.unit.test_specs import LINEAR, doc, problems

# code: (params, its English text); one row per code (a test holds the two lists together)
SAMPLES = {
    "invalid": ({"message": "Not a valid integer."}, "Not a valid integer."),
    "required": ({}, "required"),
    "unknown_field": ({}, "unknown field: this form has no such field"),
    "not_text": ({}, "must be text"),
    "not_a_number": ({}, "not a whole number"),
    "not_boolean": ({}, "must be true or false"),
    "not_a_date": ({}, "must be a date YYYY-MM-DD"),
    "no_such_date": ({"day": "2027-02-30"}, "2027-02-30 does not exist"),
    "date_out_of_range": ({"min": "1900-01-01", "max": "2099-12-31"}, "must be between 1900-01-01 and 2099-12-31"),
    "date_before_field": ({"field": "received_on", "day": "2026-12-01"}, "must not be before received_on (2026-12-01)"),
    "date_after_field": ({"field": "replied_on", "day": "2026-12-20"}, "must not be after replied_on (2026-12-20)"),
    "repeats_field": ({"field": "lead_unit"}, "must not repeat lead_unit"),
    "min_length": ({"min": 2}, "at least 2 characters"),
    "max_length": ({"max": 200}, "at most 200 characters"),
    "control_character": ({}, "must not contain control characters (such as NUL): they are no text"),
    "direction_character": (
        {},
        "must not contain invisible direction characters (such as U+202E): they make the text show as other text",
    ),
    "invisible_character": (
        {},
        "must not contain invisible characters (such as U+200B): they make it another number than shown",
    ),
    "min": ({"min": 1}, "at least 1"),
    "max": ({"max": 99}, "at most 99"),
    "max_left": ({"max": 2}, "at most 2: that is what is left"),
    "period_ended": ({"day": "2026-10-08"}, "the period ended at 2026-10-08 24:00: this is asked for before it ends"),
    "min_named": ({"field": "voters_absent", "min": 3}, "must not be less than voters_absent (3)"),
    "max_named": ({"field": "voters_present", "max": 50}, "must not be more than voters_present (50)"),
    "max_total": (
        {"fields": "satisfied, basic, unsatisfied", "total": 65, "max": 42},
        "satisfied, basic, unsatisfied add up to 65: at most 42 together",
    ),
    "max_total_named": (
        {"fields": "satisfied, basic", "total": 65, "field": "voters_present", "max": 42},
        "satisfied, basic add up to 65: together they must not be more than voters_present (42)",
    ),
    "not_allowed_value": ({"value": "Z"}, "not one of the allowed values: Z"),
    "out_of_range": ({"min": "1", "max": "200"}, "must be from 1 to 200"),
    "length_out_of_range": ({"min": "1", "max": "100"}, "must be 1 to 100 characters"),
    "max_items": ({"max": "1000"}, "at most 1000 items"),
    "one_of": ({"choices": "due、unit"}, "must be one of: due、unit"),
    "not_an_object": ({}, "must be a JSON object"),
    "not_a_list": ({}, "must be a JSON array (a list)"),
    "not_a_datetime": ({}, "must be a date and time such as 2026-01-31T09:00:00+08:00"),
    "not_json": ({}, "not valid JSON"),
    "not_numeric": ({}, "must be a number"),
    "number_too_large": ({}, "too large a number"),
    "not_finite": ({}, "must be a finite number, not NaN or Infinity"),
    "task_completed": (
        {"task": "Reply", "by": "fin1", "at": "2026-12-06T09:36:00+00:00"},
        "Reply was completed by fin1 at 2026-12-06T09:36:00+00:00: nothing to supervise (the case as a whole can be)",
    ),
    "task_withdrawn": (
        {"task": "Reply"},
        "Reply is no longer open (the case moved on): nothing to supervise (the case as a whole can be)",
    ),
    "case_ended": ({"status": "cancelled"}, "the case has ended (cancelled): nothing to supervise"),
    "repeated_choice": ({"value": "Civil Affairs"}, "Civil Affairs chosen more than once"),
    "merged_cells": (
        {"sheet": "People", "cells": "D2:D3"},
        "D2:D3 on the sheet People are merged cells: unmerge them and fill in each row's own value",
    ),
    "group_name": ({"max": 64}, "a unit's code or a role: at most 64 characters, none of , $ { }"),
    "no_such_version": ({"version": 9}, "no version 9"),
    "already_newest": (
        {"version": 2, "key": "review"},
        "version 2 is already the newest version of 'review': nothing to roll back to",
    ),
    "no_other_version": (
        {"key": "review", "version": 1},
        "'review' has no other version than 1: deploy the new version first",
    ),
    "same_version": ({"version": 2}, "the cases already run on version 2: choose another version to move them to"),
    "no_such_element": (
        {"version": 1, "key": "review", "element": "x"},
        "version 1 of 'review' has no element 'x'",
    ),
    "id_out_of_range": ({"min": 1, "max": 2147483647}, "case ids are 1 to 2147483647"),
    "no_template": ({"template": "x", "known": "blank, approval"}, "no template 'x'; known: blank, approval"),
    "process_key": (
        {"max": 200},
        "a letter or _ first, then letters, digits, _ . - (at most 200): it is the process id",
    ),
    "key_taken": (
        {"key": "review"},
        "a process 'review' is already deployed: choose another key (or edit that process)",
    ),
    "title_holds_phone": (
        {"number": "0571-88886666"},
        "the case's title, which everyone who sees the case reads: must not contain a phone number"
        " (0571-88886666): a petitioner's contact is confidential",
    ),
    "title_carries_confidential": (
        {"field": "Name"},
        "the case's title, which everyone who sees the case reads: must not contain Name",
    ),
    "key_carries_confidential": (
        {"field": "Name"},
        "the case's number, which everyone who sees the case reads: must not contain Name",
    ),
    "unsupported_type": ({"type": "money"}, "unsupported field type 'money'"),
    "may_not_write": ({}, "confidential: you may not write it"),
    "file_type": ({"allowed": ".doc .pdf"}, "file type not allowed; allowed: .doc .pdf"),
    "file_empty": ({}, "the file is empty"),
    "file_too_large": ({"max_mb": 10}, "larger than 10 MB"),
    "file_unpacked_too_large": (
        {"file": "bomb.xlsx", "max_mb": 100},
        "bomb.xlsx would unpack to more than 100 MB: too large to read",
    ),
    "file_content": ({"file": "fake.pdf", "type": ".pdf"}, "the content of fake.pdf is not a .pdf file"),
    "letters_digits_only": ({}, "letters, digits, - and _ only"),
    "password_too_short": ({"min": 10}, "at least 10 characters"),
    "password_contains_username": ({}, "must not contain the user name"),
    "password_contains_name": ({}, "must not contain the name"),
    "password_guessable": ({}, "too easy to guess"),
    "password_unchanged": ({}, "must differ from the current password"),
    "wrong_password": ({}, "wrong password"),
    "passwords_differ": ({}, "the passwords differ"),
    "unknown_timezone": (
        {"timezone": "Mars/Olympus", "example": "Asia/Shanghai"},
        "unknown time zone 'Mars/Olympus'; use an IANA name such as Asia/Shanghai",
    ),
    "unknown_language": ({"language": "fr", "known": "zh_CN, en"}, "unknown language 'fr'; known: zh_CN, en"),
    "unknown_role": ({"roles": "king", "known": "admin, officer"}, "unknown role(s) king; known: admin, officer"),
    "unknown_department": ({"department": "mars"}, "no unit 'mars'"),
    "own_admin_role": ({}, "you cannot remove your own administrator role or deactivate yourself"),
    "unknown_setting": ({"name": "x.y", "known": "a.b, c.d"}, "unknown setting 'x.y'; known: a.b, c.d"),
    "case_or_task_needed": ({}, "a case or a task is needed"),
    "not_a_name": ({"value": "x" * 40, "max": 64}, "x" * 40 + "… is not a user or group name (at most 64 characters)"),
    "calendar_line": (
        {},
        "write YYYY-MM-DD (or YYYY-MM-DD..YYYY-MM-DD) and the holiday's name, "
        "or YYYY-MM-DD working for a make-up working day",
    ),
    "not_in_year": ({"year": 2027}, "must be a day of 2027"),
    "range_backwards": ({}, "the range ends before it starts"),
    "range_too_long": ({"max": 31}, "at most 31 days in one range"),
    "calendar_overlap": ({"day": "2027-02-10"}, "2027-02-10 is entered twice"),
    "holiday_on_weekend": (
        {"day": "2027-02-20"},
        "2027-02-20: only Saturdays and Sundays, off anyway; give the holiday's name",
    ),
    "make_up_on_weekday": (
        {"day": "2027-02-15"},
        "2027-02-15 is a weekday, a working day anyway; add a note saying why",
    ),
    "unknown_user": ({"username": "zhang3"}, "no user 'zhang3'"),
    "unknown_user_yet": (
        {"username": "zhang3"},
        "no user 'zhang3' yet: import the people first, then this file again",
    ),
    "missing_column": ({"column": "Roles"}, "the column Roles is missing"),
    "duplicate_in_file": ({"value": "li4", "row": 3}, "li4 is also in row 3"),
    "bad_phone": (
        {"value": "12345"},
        "12345 is not a phone number: 11 digits of a mobile, or a landline such as 0571-87654321",
    ),
    "bad_email": ({"value": "x@"}, "x@ is not an e-mail address"),
    "file_unreadable": ({}, "not a readable .xlsx or .csv file"),
    "file_encoding": ({}, "the .csv file is neither UTF-8 nor GB18030"),
    "too_many_rows": ({"max": 5000}, "more than 5000 rows"),
    "no_rows": ({}, "no rows below the header"),
    "unreadable_file": ({"file": "photo.png"}, "cannot read photo.png: not an .xlsx or .csv file"),
    "encrypted_workbook": (
        {"file": "a.xlsx"},
        "a.xlsx is protected by a password: open it in Excel or WPS, remove the password, save it and upload it again",
    ),
    "old_excel_workbook": (
        {"file": "a.xls"},
        "a.xls is an old Excel 97-2003 workbook (.xls): open it in Excel or WPS, save it as .xlsx and upload that",
    ),
    "not_one_of": ({"value": "Z", "choices": "A、B"}, "Z is not one of the choices: A、B"),
    "shared_name": (
        {"value": "Zhou", "choices": "Zhou（zj）、Zhou（zj2）"},
        "Zhou is the name of several people: write the user name, or one of Zhou（zj）、Zhou（zj2）",
    ),
    "shared_unit_name": (
        {"value": "Finance", "choices": "finance、tax"},
        "Finance is the name of several units: write the unit's code, one of finance、tax",
    ),
    "username_taken": ({}, "this user name is taken already"),
    "inactive_user": ({"username": "lx01"}, "lx01 is deactivated"),
    "yours_already": ({}, "the task is yours already: hand it to a colleague"),
    "holds_task_already": ({"username": "lx01"}, "lx01 holds the task already: nothing would change"),
    "not_in_unit": ({"username": "wang5", "unit": "Water"}, "wang5 is not one of the people of Water"),
    "unit_name_taken": (
        {"value": "office", "unit": "Congress office", "code": "office"},
        "office is already the code or name of the unit Congress office (office): "
        "tasks are offered to a unit by both, so each may name one unit only",
    ),
    "role_code_taken": (
        {"value": "office_head"},
        "office_head is the code of a role: a unit may not be called so "
        "(the role's tasks would be offered to the unit's people)",
    ),
    "needs_column": ({"column": "replied_on"}, "needs replied_on first"),
    "date_before": ({"column": "registered_on", "day": "2026-11-20"}, "is before registered_on (2026-11-20)"),
    "not_reached": ({"task": "Evaluate"}, "the case does not reach Evaluate this way"),
    "not_assigned_unit": ({"unit": "Presidium"}, "Presidium is not a unit this process assigns to"),
    "masked_value": (
        {"value": "******"},
        "****** is a confidential value masked in an export, not the value: type the real one",
    ),
    "variable_name": (
        {},
        "a variable name: letters, digits and _, not beginning with _ or a digit (at most 200)",
    ),
    "unpaired_surrogate": (
        {},
        "must not contain unpaired surrogate characters (U+D800 to U+DFFF): not valid Unicode",
    ),
    "items_out_of_range": ({"min": "1", "max": "50"}, "must have 1 to 50 items"),
    "min_items": ({"min": "2"}, "at least 2 items"),
}


def test_every_code_has_a_sample():
    assert set(SAMPLES) == set(FIELD_ERRORS)


@pytest.mark.parametrize("code", list(SAMPLES))
def test_each_code_reads_as_english(code):
    params, text = SAMPLES[code]
    error = FieldError(code, params)
    assert (error.code, error.params) == (code, params)
    assert error == error.text == str(error) == text
    assert set(params) == field_error_params(code)
    assert error.to_dict() == {"code": code, "params": params}


def test_a_label_goes_before_the_english_text_only():
    error = FieldError("max_length", {"max": 10}, "标题")
    assert error == "标题: at most 10 characters" and error.text == "at most 10 characters"
    assert error.to_dict() == {"code": "max_length", "params": {"max": 10}}


def test_codes_and_params_are_checked():
    with pytest.raises(ValueError, match="unknown field error code"):
        FieldError("too_long")
    with pytest.raises(ValueError, match="takes the params"):
        FieldError("max_length")
    with pytest.raises(ValueError, match="takes the params"):
        FieldError("required", {"max": 1})


def test_a_field_error_survives_pickling_and_copying():
    error = FieldError("date_out_of_range", {"min": "2026-01-01", "max": "2026-12-31"}, "日期")
    for again in (pickle.loads(pickle.dumps(error)), copy.deepcopy(error), copy.copy(error)):
        assert (again.code, again.params, again.label, str(again)) == (
            error.code,
            error.params,
            error.label,
            str(error),
        )


def test_invalid_data_carries_codes_and_english_text():
    exc = InvalidData({"title": FieldError("max_length", {"max": 200}), "pages": FieldError("min", {"min": 1})})
    assert exc.codes == {"title": FieldError("max_length", {"max": 200}), "pages": FieldError("min", {"min": 1})}
    assert exc.codes["title"].code == "max_length" and exc.codes["title"].params == {"max": 200}
    assert exc.field_errors == {"title": "at most 200 characters", "pages": "at least 1"}
    assert str(exc) == "the submitted data is not valid: title: at most 200 characters; pages: at least 1"
    assert exc.to_dict() == {
        "code": "invalid_data",
        "message": str(exc),
        "fields": {"title": "at most 200 characters", "pages": "at least 1"},
    }
    assert all(type(v) is str for v in exc.to_dict()["fields"].values())


def test_text_is_still_taken_while_callers_move_to_codes():
    exc = InvalidData({"password_repeat": "the passwords differ", "x": "something else"})
    assert exc.codes["password_repeat"].code == "passwords_differ"
    assert exc.codes["x"].code == "invalid" and exc.codes["x"].params == {"message": "something else"}
    assert exc.field_errors == {"password_repeat": "the passwords differ", "x": "something else"}


# -- the form's validation gives codes ---------------------------------------------------
FORM = FormSpec(
    (
        FormField("title", "标题", "string", constraints={"required": "", "minlength": "2", "maxlength": "10"}),
        FormField("pages", "页数", "long", constraints={"min": "1", "max": "99"}),
        FormField("due", "期限", "date"),
        FormField("visit", "走访日期", "date", constraints={"min": "2026-01-01", "max": "2026-12-31"}),
        FormField("urgent", "紧急", "boolean"),
        FormField("reply_class", "答复类别", "enum", options=(Option("A", "已解决"),)),
        FormField("cohandlers", "协办单位", "string", properties={"multiple": "departments"}),
    )
)


def codes_of(data, sources=None):
    with pytest.raises(InvalidData) as info:
        FORM.validate(data, sources)
    return {name: (e.code, e.params) for name, e in info.value.codes.items()}


def test_validation_gives_a_code_with_params_per_field():
    assert codes_of(
        {
            "pages": "x",
            "due": "31/12/2026",
            "visit": "2027-01-01",
            "urgent": "maybe",
            "reply_class": "Z",
            "cohandlers": ["land", "mars"],
            "bogus": 1,
        },
        {"departments": {"land"}},
    ) == {
        "title": ("required", {}),
        "pages": ("not_a_number", {}),
        "due": ("not_a_date", {}),
        "visit": ("date_out_of_range", {"min": "2026-01-01", "max": "2026-12-31"}),
        "urgent": ("not_boolean", {}),
        "reply_class": ("not_allowed_value", {"value": "Z"}),
        "cohandlers": ("not_allowed_value", {"value": "mars"}),
        "bogus": ("unknown_field", {}),
    }
    assert codes_of({"title": "一二三四五六七八九十十一", "pages": 100, "due": "0001-01-01"}) == {
        "title": ("max_length", {"max": 10}),
        "pages": ("max", {"max": 99}),
        "due": ("date_out_of_range", {"min": "1900-01-01", "max": "2099-12-31"}),
    }
    assert codes_of({"title": "一", "pages": 0, "urgent": ["x"]}) == {
        "title": ("min_length", {"min": 2}),
        "pages": ("min", {"min": 1}),
        "urgent": ("not_boolean", {}),
    }
    assert codes_of({"title": 5}) == {"title": ("not_text", {})}


def test_the_english_text_keeps_the_label_as_before():
    with pytest.raises(InvalidData) as info:
        FORM.validate({"pages": 0})
    assert info.value.field_errors == {"title": "标题: required", "pages": "页数: at least 1"}


def test_a_bound_deployed_before_deploy_checked_it_is_no_bound_not_a_crash():
    old = FormSpec(
        (
            FormField("title", "标题", "string", constraints={"maxlength": "abc"}),
            FormField("pages", "页数", "long", constraints={"min": "one"}),
        )
    )
    assert old.validate({"title": "x" * 500, "pages": -5}) == {"title": "x" * 500, "pages": -5}


def test_the_password_policy_gives_codes():
    assert password_problem("short", "office1", "王干事").params == {"min": 10}
    assert password_problem("short").code == "password_too_short"
    assert password_problem("office1-Qiu-shan", "office1").code == "password_contains_username"
    assert password_problem("Qiu-shan-42-王干事", "office1", "王干事").code == "password_contains_name"
    assert password_problem("password123").code == "password_guessable"


# -- deploy checks the constraints ---------------------------------------------------------
def with_field(xml_field: str, element: str = "t") -> str:
    """A process whose user task ``t`` (or start event ``s``) has one form field."""
    form = f"<bpmn:extensionElements><camunda:formData>{xml_field}</camunda:formData></bpmn:extensionElements>"
    if element == "s":
        return doc(LINEAR.replace('<bpmn:startEvent id="s"/>', f'<bpmn:startEvent id="s">{form}</bpmn:startEvent>'))
    return doc(
        LINEAR.replace(
            '<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office"/>',
            f'<bpmn:userTask id="t" name="办理" camunda:candidateGroups="office">{form}</bpmn:userTask>',
        )
    )


def field(type_: str, *constraints: tuple[str, str | None]) -> str:
    validation = "".join(
        f'<camunda:constraint name="{n}"' + (f' config="{c}"' if c is not None else "") + "/>" for n, c in constraints
    )
    return (
        f'<camunda:formField id="f" label="字段" type="{type_}">'
        f"<camunda:validation>{validation}</camunda:validation></camunda:formField>"
    )


def refused(xml_field: str, element: str = "t") -> str:
    [problem] = problems(with_field(xml_field, element), "x.bpmn")
    assert problem.element_id == element and problem.file == "x.bpmn" and problem.line
    assert "'f'" in problem.message  # the field
    return problem.message


@pytest.mark.parametrize(
    "name, close",
    [("maxLength", "maxlength"), ("min_length", "minlength"), ("Required", "required"), ("mandatory", None)],
)
def test_a_misspelled_constraint_is_refused_at_deploy(name, close):
    message = refused(field("string", (name, "5")))
    assert f"unknown constraint {name!r}" in message and "known: " + ", ".join(CONSTRAINTS) in message
    assert (f"did you mean {close!r}" in message) if close else ("did you mean" not in message)


@pytest.mark.parametrize(
    "type_, name, config",
    [
        ("string", "maxlength", "abc"),
        ("string", "minlength", "-1"),
        ("string", "maxlength", "1.5"),
        ("string", "maxlength", ""),
        ("string", "maxlength", None),
        ("long", "min", "one"),
        ("long", "max", " 5"),
        ("long", "max", "2026-01-01"),
    ],
)
def test_a_bound_that_is_not_a_whole_number_is_refused_at_deploy(type_, name, config):
    message = refused(field(type_, (name, config)))
    assert f"constraint {name!r} needs a whole number" in message and repr(config or "") in message


@pytest.mark.parametrize("config", ["1", "2026-1-1", "20260101", "2026-02-30", "1899-12-31", "2100-01-01"])
def test_a_date_bound_must_be_a_date_from_1900_to_2099(config):
    message = refused(field("date", ("min", config)), element="s")
    assert "constraint 'min'" in message and repr(config) in message


@pytest.mark.parametrize("type_, low, high", [("string", "minlength", "maxlength"), ("long", "min", "max")])
def test_a_lower_bound_above_the_upper_one_is_refused(type_, low, high):
    message = refused(field(type_, (low, "10"), (high, "5")))
    assert f"{low!r} (10) is above {high!r} (5)" in message


def test_dates_in_the_wrong_order_are_refused():
    message = refused(field("date", ("min", "2027-01-01"), ("max", "2026-01-01")))
    assert "'min' (2027-01-01) is above 'max' (2026-01-01)" in message


def test_required_and_readonly_take_no_config():
    assert "constraint 'required' takes no config, got 'true'" in refused(field("string", ("required", "true")))
    assert "constraint 'readonly' takes no config" in refused(field("string", ("readonly", "yes")))


def test_good_constraints_deploy():
    good = (
        field("string", ("required", None), ("minlength", "0"), ("maxlength", "200"))
        + field("long", ("min", "-5"), ("max", "-5")).replace('id="f"', 'id="g"')
        + field("date", ("min", "2026-01-01"), ("max", "2026-12-31")).replace('id="f"', 'id="h"')
        + field("string", ("readonly", "")).replace('id="f"', 'id="i"')
    )
    [process] = parse_bpmn(with_field(good), "x.bpmn")
    assert [f.id for f in process.tasks["t"].form.fields] == ["f", "g", "h", "i"]


# -- bounds given as expressions (what is left of an allowance) ------------------------------
def test_an_expression_bound_deploys_on_a_user_task_and_is_compiled():
    [process] = parse_bpmn(with_field(field("long", ("min", "1"), ("max", "${3 - used}"))), "x.bpmn")
    assert process.tasks["t"].form.fields[0].bound_expressions == {"max": "3 - used"}
    message = refused(field("long", ("max", "${3 - }")))
    assert message.startswith("max of form field 'f'")


def test_an_expression_bound_is_refused_on_a_start_form():
    message = refused(field("long", ("max", "${3 - used}")), element="s")
    assert "constraint 'max' is an expression, which only a user task's form can evaluate" in message


def test_an_evaluated_bound_refuses_more_than_is_left():
    form = FormSpec((FormField("months", "延期（月）", "long", constraints={"min": "1", "max": "${3 - used}"}),))
    assert form.validate({"months": "2"}, bounds={"months": {"max": 2}}) == {"months": 2}
    with pytest.raises(InvalidData) as info:
        form.validate({"months": "3"}, bounds={"months": {"max": 2}})
    error = info.value.codes["months"]
    assert (error.code, error.params) == ("max_left", {"max": 2})
    assert str(error) == "延期（月）: at most 2: that is what is left"


# the appraisal's count of votes, bounded by what the report's form asked: the voters present
VOTES = FormSpec(
    (
        FormField(
            "votes_satisfied", "满意票", "long", constraints={"min": "${voters_absent}", "max": "${voters_present}"}
        ),
    )
)
ASKED = {"voters_present": "到会选民人数", "voters_absent": "缺席人数", "report_text": "述职报告"}


def test_a_bound_naming_a_case_value_is_said_by_the_label_of_the_field_that_asked_it():
    bounds = {"votes_satisfied": {"min": 3, "max": 50}}
    assert VOTES.validate({"votes_satisfied": "50"}, bounds=bounds, labels=ASKED) == {"votes_satisfied": 50}
    with pytest.raises(InvalidData) as info:
        VOTES.validate({"votes_satisfied": "51"}, bounds=bounds, labels=ASKED)
    error = info.value.codes["votes_satisfied"]
    assert (error.code, error.params) == ("max_named", {"max": 50, "field": "到会选民人数"})
    assert str(error) == "满意票: must not be more than 到会选民人数 (50)"
    with pytest.raises(InvalidData) as info:
        VOTES.validate({"votes_satisfied": "2"}, bounds=bounds, labels=ASKED)
    error = info.value.codes["votes_satisfied"]
    assert (error.code, error.params) == ("min_named", {"min": 3, "field": "缺席人数"})


def test_a_bound_naming_a_value_no_form_asks_is_said_as_what_is_left():
    with pytest.raises(InvalidData) as info:
        VOTES.validate({"votes_satisfied": "51"}, bounds={"votes_satisfied": {"min": 3, "max": 50}})
    error = info.value.codes["votes_satisfied"]
    assert (error.code, error.params) == ("max_left", {"max": 50})


def test_a_computed_bound_is_what_is_left_even_of_values_a_form_asks():
    form = FormSpec(
        (FormField("months", "延期（月）", "long", constraints={"max": "${allowed - used}", "min": "${used - 1}"}),)
    )
    assert form.bound_labels({"allowed": "可延期月数", "used": "已延期月数"}) == {}
    with pytest.raises(InvalidData) as info:
        form.validate({"months": "3"}, bounds={"months": {"min": 0, "max": 2}}, labels={"allowed": "可延期月数"})
    error = info.value.codes["months"]
    assert (error.code, error.params) == ("max_left", {"max": 2})


def test_the_label_of_a_bound_is_this_forms_own_field_first():
    own = FormSpec(
        (*VOTES.fields, FormField("voters_present", "到会人数（报告所填）", "long", constraints={"readonly": ""}))
    )
    assert own.bound_labels(ASKED) == {"votes_satisfied": {"min": "缺席人数", "max": "到会人数（报告所填）"}}
    assert VOTES.bound_labels({"report_text": "述职报告"}) == {}


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("2027-02-30", "no_such_date", {"day": "2027-02-30"}),  # written as a date, but no such day
        ("2027-13-01", "no_such_date", {"day": "2027-13-01"}),
        ("2027-2-30", "no_such_date", {"day": "2027-2-30"}),
        ("2027-02-28", "not_a_date", {}),  # a day: refused for its writing (a form wants 2 digits)
        ("31/12/2026", "not_a_date", {}),
        ("tomorrow", "not_a_date", {}),
    ],
)
def test_a_date_that_does_not_exist_is_told_from_one_written_wrong(text, code, params):
    error = not_a_day(text)
    assert (error.code, error.params) == (code, params)


def test_a_forms_date_field_says_the_day_does_not_exist():
    assert codes_of({"title": "路灯", "due": "2027-02-30"}) == {"due": ("no_such_date", {"day": "2027-02-30"})}
    assert codes_of({"title": "路灯", "due": "2027-02-3"}) == {"due": ("not_a_date", {})}
