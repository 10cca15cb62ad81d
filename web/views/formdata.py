"""Between HTML forms and the engine's FormSpec: read submitted values, say errors in the
user's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import pgettext
from werkzeug.datastructures import MultiDict

from engine.bpmn.forms import FormField, FormSpec
from engine.errors import FieldError


def editable(form: FormSpec, hidden: Iterable[str] = ()) -> list[FormField]:
    hidden = set(hidden)
    return [f for f in form.fields if not f.readonly and f.id not in hidden]


def read_form(form: FormSpec, submitted: MultiDict, hidden: Iterable[str] = ()) -> dict[str, Any]:
    """The values of the form's editable fields as the engine expects them (strings,
    lists for multi-selects, "true"/"false" for checkboxes)."""
    data: dict[str, Any] = {}
    for f in editable(form, hidden):
        if f.multiple_source:
            data[f.id] = [v for v in submitted.getlist(f.id) if v]
        elif f.type == "boolean":
            data[f.id] = "true" if submitted.get(f.id) in ("true", "on", "1") else "false"
        else:
            value = as_typed(submitted.get(f.id, ""))
            data[f.id] = value.strip() if f.type != "string" else value
    return data


def as_typed(text: str) -> str:
    """A textarea's text as the person typed it and the browser counted it: a form submits each
    line break as CR LF (HTML's form encoding), which the page's ``maxlength`` counted as one
    character, so that a text within it was refused as too long."""
    return text.replace("\r\n", "\n")


def _listed(choices: str) -> str:
    """A list of choices the engine joined with 、, joined as the reader's language lists things."""
    return _("、").join(c for c in choices.split("、") if c)


def _done_by(p: Mapping[str, Any]) -> dict[str, str]:
    """``by`` (a user name) and ``at`` (ISO 8601, UTC) of a field error's params as the reader
    reads them: the person by name, the moment in the reader's time zone; one that is not a
    moment, or a name the database cannot give, as it came."""
    from ..errors import people_named  # which says the errors' sentences (and imports this module)
    from ..i18n import when

    by, at = str(p.get("by") or ""), str(p.get("at") or "")
    try:
        moment = when(datetime.fromisoformat(at)) if at else ""
    except ValueError:
        moment = at
    return {"by": people_named([by]).get(by, by), "at": moment}


# Each field error code (engine.errors.FIELD_ERRORS) → a sentence in the user's language,
# from its params. The label is not repeated: it is shown beside the field anyway. In English
# each is a sentence, capital first and a full stop last ("This field is required."): it stands
# alone under its field, and after "Label: " in the form's error summary.
_SAY: dict[str, Callable[[dict[str, Any]], str]] = {
    "invalid": lambda p: p["message"],
    "required": lambda p: _("必填"),
    "unknown_field": lambda p: _("表单中没有此项"),
    "not_text": lambda p: _("必须是文字"),
    "not_a_number": lambda p: _("必须是整数"),
    "not_boolean": lambda p: _("必须是“是”或“否”"),
    "not_a_date": lambda p: _("日期格式应为 年-月-日"),
    "no_such_date": lambda p: _("没有 %(day)s 这一天，请检查月份和日期", day=p["day"]),
    "date_out_of_range": lambda p: _("日期应在 %(min)s 至 %(max)s 之间", min=p["min"], max=p["max"]),
    "date_before_field": lambda p: _("不能早于“%(field)s”（%(day)s）", field=p["field"], day=p["day"]),
    "date_after_field": lambda p: _("不能晚于“%(field)s”（%(day)s）", field=p["field"], day=p["day"]),
    "repeats_field": lambda p: _("不能与“%(field)s”重复", field=p["field"]),
    "min_length": lambda p: _("至少 %(min)s 个字符", min=p["min"]),
    "max_length": lambda p: _("最多 %(max)s 个字符", max=p["max"]),
    "control_character": lambda p: _("含有控制字符（如 NUL），请删去后再提交"),
    "direction_character": lambda p: _(
        "含有看不见的文字方向控制符（如 U+202E），会使文字显示得与实际不同，请删去后再提交"
    ),
    "invisible_character": lambda p: _("含有看不见的字符（如零宽空格），会使编号与显示的不同，请删去后再提交"),
    "min": lambda p: _("不能小于 %(min)s", min=p["min"]),
    "max": lambda p: _("不能大于 %(max)s", max=p["max"]),
    "max_left": lambda p: _("不能大于 %(max)s（剩余可用额度）", max=p["max"]),
    "period_ended": lambda p: _("期限已于 %(day)s 24:00 届满，此项须在期限届满前提出", day=p["day"]),
    "min_named": lambda p: _("不能小于“%(field)s”（%(min)s）", field=p["field"], min=p["min"]),
    "max_named": lambda p: _("不能大于“%(field)s”（%(max)s）", field=p["field"], max=p["max"]),
    "max_total": lambda p: _(
        "%(fields)s合计 %(total)s，不能大于 %(max)s", fields=p["fields"], total=p["total"], max=p["max"]
    ),
    "max_total_named": lambda p: _(
        "%(fields)s合计 %(total)s，不能大于“%(field)s”（%(max)s）",
        fields=p["fields"],
        total=p["total"],
        field=p["field"],
        max=p["max"],
    ),
    "not_allowed_value": lambda p: _("不是可选的值：%(value)s", value=p["value"]),
    "out_of_range": lambda p: _("应在 %(min)s 至 %(max)s 之间", min=p["min"], max=p["max"]),
    "length_out_of_range": lambda p: _("应为 %(min)s 至 %(max)s 个字符", min=p["min"], max=p["max"]),
    "max_items": lambda p: _("最多 %(max)s 项", max=p["max"]),
    "one_of": lambda p: _("应为以下之一：%(choices)s", choices=_listed(p["choices"])),
    "not_an_object": lambda p: _("应为 JSON 对象"),
    "not_a_list": lambda p: _("应为 JSON 数组（列表）"),
    "not_a_datetime": lambda p: _("应为日期和时间，如 2026-01-31T09:00:00+08:00"),
    "not_json": lambda p: _("不是有效的 JSON"),
    "not_numeric": lambda p: _("必须是数字"),
    "number_too_large": lambda p: _("数字太大"),
    "not_finite": lambda p: _("必须是有限的数字，不能是 NaN 或 Infinity"),
    # a 督办 that lost its race: who completed the task and when, as every page says a person
    # and a moment (the params carry the user name and UTC, as the API's ``codes`` send them)
    "task_completed": lambda p: _(
        "「%(task)s」已由 %(by)s 于 %(at)s 办结，无需督办（可改为督办整个案件）", task=p["task"], **_done_by(p)
    ),
    "task_withdrawn": lambda p: _(
        "「%(task)s」已不再办理（案件已进入下一步），无需督办（可改为督办整个案件）", task=p["task"]
    ),
    "case_ended": lambda p: _("案件已撤销，无需督办") if p["status"] == "cancelled" else _("案件已办结，无需督办"),
    "repeated_choice": lambda p: _("%(value)s 选了不止一次", value=p["value"]),
    "title_carries_confidential": lambda p: _(
        "用作案件标题，能看到此案件的人都可见：不能含有保密的“%(field)s”", field=p["field"]
    ),
    "title_holds_phone": lambda p: _(
        "用作案件标题，能看到此案件的人都可见：不能含有电话号码（%(number)s），信访人的联系方式须保密",
        number=p["number"],
    ),
    "key_carries_confidential": lambda p: _(
        "案件编号，能看到此案件的人都可见：不能含有保密的“%(field)s”", field=p["field"]
    ),
    "unsupported_type": lambda p: _("不支持的字段类型：%(type)s", type=p["type"]),
    "may_not_write": lambda p: _("保密字段，您无权填写"),
    "file_type": lambda p: _("不允许的文件类型。允许：%(allowed)s", allowed=p["allowed"]),
    "file_empty": lambda p: _("文件是空的"),
    "file_too_large": lambda p: _("文件不能超过 %(max_mb)s MB", max_mb=p["max_mb"]),
    "file_unpacked_too_large": lambda p: _(
        "“%(file)s”解压后超过 %(max_mb)s MB，无法读取", file=p["file"], max_mb=p["max_mb"]
    ),
    "file_content": lambda p: _("“%(file)s”的内容不是 %(type)s 文件", file=p["file"], type=p["type"]),
    "letters_digits_only": lambda p: _("只能使用字母、数字、- 和 _"),
    "password_too_short": lambda p: _("密码至少 %(min)s 个字符", min=p["min"]),
    "password_contains_username": lambda p: _("密码不能包含用户名"),
    "password_contains_name": lambda p: _("密码不能包含姓名"),
    "password_guessable": lambda p: _("太容易被猜到：请换一个更长、更少见的密码"),
    "password_unchanged": lambda p: _("新密码不能与当前密码相同"),
    "wrong_password": lambda p: _("当前密码不正确"),
    "passwords_differ": lambda p: _("两次输入的新密码不一致"),
    "unknown_timezone": lambda p: _("没有这个时区，请从列表中选择。"),
    "unknown_language": lambda p: _("没有这种语言：%(language)s。请从列表中选择。", language=p["language"]),
    "unknown_role": lambda p: _("没有这个角色：%(roles)s", roles=p["roles"]),
    "unknown_department": lambda p: _("没有这个单位：%(department)s", department=p["department"]),
    "own_admin_role": lambda p: _("不能取消自己的管理员角色，也不能停用自己"),
    "unknown_setting": lambda p: _("没有这个设置：%(name)s", name=p["name"]),
    "case_or_task_needed": lambda p: _("请指明案件或任务"),
    "not_a_name": lambda p: _("%(value)s… 不是用户名或组名（最多 %(max)s 个字符）", value=p["value"], max=p["max"]),
    "calendar_line": lambda p: _("应写“年-月-日 假日名称”或“年-月-日..年-月-日 假日名称”；调休上班写“年-月-日 调休”"),
    "not_in_year": lambda p: _("应是 %(year)s 年内的日期", year=p["year"]),
    "range_backwards": lambda p: _("结束日期早于开始日期"),
    "range_too_long": lambda p: _("一段最多 %(max)s 天", max=p["max"]),
    "calendar_overlap": lambda p: _("%(day)s 重复录入", day=p["day"]),
    "holiday_on_weekend": lambda p: _("%(day)s：只有周六、周日，本来就休息；请写明假日名称", day=p["day"]),
    "make_up_on_weekday": lambda p: _("%(day)s 是工作日，本来就上班；请注明原因", day=p["day"]),
    "unknown_user": lambda p: _("没有这个用户：%(username)s", username=p["username"]),
    "unknown_user_yet": lambda p: _("还没有用户 %(username)s：请先导入人员表，再导入一次本表", username=p["username"]),
    "missing_column": lambda p: _("缺少“%(column)s”列", column=p["column"]),
    "duplicate_in_file": lambda p: _("%(value)s 与第 %(row)s 行重复", value=p["value"], row=p["row"]),
    "bad_phone": lambda p: _("%(value)s 不是电话号码：手机为 11 位数字，固定电话如 0571-87654321", value=p["value"]),
    "bad_email": lambda p: _("%(value)s 不是电子邮件地址", value=p["value"]),
    "file_unreadable": lambda p: _("无法读取：请上传 .xlsx 或 .csv 文件"),
    "file_encoding": lambda p: _("CSV 文件的编码既不是 UTF-8，也不是 GB18030"),
    "too_many_rows": lambda p: _("超过 %(max)s 行", max=p["max"]),
    "no_rows": lambda p: _("表头下面没有数据"),
    "unreadable_file": lambda p: _("无法读取“%(file)s”：它不是 .xlsx 或 .csv 表格文件", file=p["file"]),
    "encrypted_workbook": lambda p: _(
        "“%(file)s”设置了打开密码，无法读取：请在 Excel 或 WPS 中打开它，取消密码后保存，再上传", file=p["file"]
    ),
    "old_excel_workbook": lambda p: _(
        "“%(file)s”是旧版 Excel 97-2003 工作簿（.xls）：请在 Excel 或 WPS 中打开它，另存为 .xlsx 后再上传",
        file=p["file"],
    ),
    "not_one_of": lambda p: _(
        "“%(value)s”不是可选的值；可选：%(choices)s", value=p["value"], choices=_listed(p["choices"])
    ),
    "shared_name": lambda p: _(
        "“%(value)s”是几个人共有的姓名：请写用户名，或写成 %(choices)s 之一",
        value=p["value"],
        choices=_listed(p["choices"]),
    ),
    "shared_unit_name": lambda p: _(
        "“%(value)s”是几个单位共有的名称：请写单位代码，%(choices)s 之一",
        value=p["value"],
        choices=_listed(p["choices"]),
    ),
    "username_taken": lambda p: _("用户名已存在"),
    "inactive_user": lambda p: _("%(username)s 已停用", username=p["username"]),
    "yours_already": lambda p: _("已由您办理：请转交给其他同事"),
    "holds_task_already": lambda p: _("已由 %(username)s 办理，无需转交", username=p["username"]),
    "not_in_unit": lambda p: _(
        "%(username)s 不是%(unit)s的人员：负责人和联络员须是本单位在用的人员", username=p["username"], unit=p["unit"]
    ),
    "unit_name_taken": lambda p: _(
        "“%(value)s”已是单位“%(unit)s”（%(code)s）的代码或名称：任务按单位的代码和名称分派，不能与其他单位相同",
        value=p["value"],
        unit=p["unit"],
        code=p["code"],
    ),
    "role_code_taken": lambda p: _(
        "“%(value)s”是角色的代码，不能用作单位的代码或名称：否则该角色的任务会分派给本单位的人员", value=p["value"]
    ),
    "needs_column": lambda p: _("须先填写“%(column)s”", column=p["column"]),
    "date_before": lambda p: _("早于“%(column)s”（%(day)s）", column=p["column"], day=p["day"]),
    "not_reached": lambda p: _("按台账的办理顺序，案件到不了“%(task)s”这一步", task=p["task"]),
    "not_assigned_unit": lambda p: _("%(unit)s 不是本流程交办的单位", unit=p["unit"]),
    "masked_value": lambda p: _("“%(value)s”是导出时遮蔽的保密信息，不是原值：请填写真实信息", value=p["value"]),
    "merged_cells": lambda p: _(
        "工作表「%(sheet)s」的 %(cells)s 是合并单元格，只有第一格读得到值：请取消合并，每行填写自己的值",
        sheet=p["sheet"],
        cells=p["cells"],
    ),
    "group_name": lambda p: _("应为单位代码或角色名：不超过 %(max)s 个字符，不含 , $ { }", max=p["max"]),
    "no_such_version": lambda p: _("没有版本 %(version)s", version=p["version"]),
    "already_newest": lambda p: _(
        "v%(version)s 已是「%(key)s」的最新版本，无需回滚", version=p["version"], key=p["key"]
    ),
    "no_other_version": lambda p: _(
        "「%(key)s」除 v%(version)s 外没有其他版本：请先部署新版本", key=p["key"], version=p["version"]
    ),
    "same_version": lambda p: _("这些案件已按 v%(version)s 运行：请选择要迁移到的另一个版本", version=p["version"]),
    "no_such_element": lambda p: _(
        "「%(key)s」v%(version)s 中没有元素「%(element)s」", key=p["key"], version=p["version"], element=p["element"]
    ),
    "id_out_of_range": lambda p: _("案件号应在 %(min)s 至 %(max)s 之间", min=p["min"], max=p["max"]),
    "no_template": lambda p: _(
        "没有模板「%(template)s」；可用的模板：%(known)s", template=p["template"], known=p["known"]
    ),
    "process_key": lambda p: _(
        "流程标识须以字母或 _ 开头，其后为字母、数字、_ . -（不超过 %(max)s 个字符）：它是流程的 id", max=p["max"]
    ),
    "key_taken": lambda p: _("已有流程「%(key)s」：请换一个标识（或编辑该流程）", key=p["key"]),
    "variable_name": lambda p: _("变量名只能由字母、数字和 _ 组成，不能以 _ 或数字开头（不超过 200 个字符）"),
    "unpaired_surrogate": lambda p: _("不能含有不成对的代理字符（U+D800 至 U+DFFF）：不是有效的 Unicode 文字"),
    "items_out_of_range": lambda p: _("应为 %(min)s 至 %(max)s 项", min=p["min"], max=p["max"]),
    "min_items": lambda p: _("至少 %(min)s 项", min=p["min"]),
}


def field_message(error: FieldError | str) -> str:
    """``FieldError("min", {"min": 1})`` → ``"不能小于 1"`` in the user's language. Text
    not given as a code yet is taken as the engine takes it (FieldError.from_text)."""
    if not isinstance(error, FieldError):
        error = FieldError.from_text(str(error))
    return _SAY[error.code](error.params)


def one_line(messages: Iterable[str]) -> str:
    """Several fields' errors in one line (a flash, a refusal's sentence): in Chinese with a ；
    between them, in English with a space, each English message being a sentence with its own
    full stop ("This field is required. The file is empty."), never "required；the file is empty"."""
    return pgettext("between sentences", "；").join(messages)


def field_messages(errors: Mapping[str, FieldError | str], form: FormSpec | None = None) -> dict[str, str]:
    """Every field's error in the user's language (``form``: no longer needed, the label
    being no part of the sentence; callers may still pass it)."""
    return {name: field_message(error) for name, error in errors.items()}
