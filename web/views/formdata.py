"""Between HTML forms and the engine's FormSpec: read submitted values, say errors in the
user's language."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.bpmn.forms import FormField, FormSpec


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
            data[f.id] = submitted.get(f.id, "").strip() if f.type != "string" else submitted.get(f.id, "")
    return data


# Engine messages (English, "label: detail") → a sentence in the user's language.
_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^required$"), lambda m: _("必填")),
    (re.compile(r"^must be text$"), lambda m: _("必须是文字")),
    (re.compile(r"^must be a whole number"), lambda m: _("必须是整数")),
    (re.compile(r"^must be true or false"), lambda m: _("必须是“是”或“否”")),
    (re.compile(r"^must be a date"), lambda m: _("日期格式应为 年-月-日")),
    (re.compile(r"^must be between (\d{4}-\d{2}-\d{2}) and (\d{4}-\d{2}-\d{2})$"),
     lambda m: _("日期应在 %(low)s 至 %(high)s 之间", low=m[1], high=m[2])),
    (re.compile(r"not one of the allowed values"), lambda m: _("不是可选的值")),
    (re.compile(r"^at least (\d+) characters$"), lambda m: _("至少 %(n)s 个字符", n=m[1])),
    (re.compile(r"^at most (\d+) characters$"), lambda m: _("最多 %(n)s 个字符", n=m[1])),
    (re.compile(r"^at least (-?\d+)$"), lambda m: _("不能小于 %(n)s", n=m[1])),
    (re.compile(r"^at most (-?\d+)$"), lambda m: _("不能大于 %(n)s", n=m[1])),
    (re.compile(r"^unknown field"), lambda m: _("表单中没有此项")),
    (re.compile(r"^file type not allowed; allowed: (.*)$"), lambda m: _("不允许的文件类型。允许：%(types)s", types=m[1])),
    (re.compile(r"^the file is empty$"), lambda m: _("文件是空的")),
    (re.compile(r"^larger than (\d+) MB$"), lambda m: _("文件不能超过 %(n)s MB", n=m[1])),
    (re.compile(r"^letters, digits, - and _ only$"), lambda m: _("只能使用字母、数字、- 和 _")),
    (re.compile(r"^too easy to guess$"), lambda m: _("太容易被猜到：请换一个更长、更少见的密码")),
    (re.compile(r"^must not contain the user name$"), lambda m: _("密码不能包含用户名")),
    (re.compile(r"^must not contain the name$"), lambda m: _("密码不能包含姓名")),
    (re.compile(r"^must differ from the current password$"), lambda m: _("新密码不能与当前密码相同")),
    (re.compile(r"^wrong password$"), lambda m: _("当前密码不正确")),
    (re.compile(r"^the passwords differ$"), lambda m: _("两次输入的新密码不一致")),
)


def field_message(message: str, label: str | None = None) -> str:
    """``"页数: at least 1"`` → ``"不能小于 1"`` (the label is shown beside the field anyway)."""
    detail = message
    if label and message.startswith(f"{label}: "):
        detail = message[len(label) + 2:]
    for pattern, say in _PATTERNS:
        match = pattern.search(detail)
        if match:
            return say(match)
    return detail


def field_messages(errors: dict[str, str], form: FormSpec | None = None) -> dict[str, str]:
    def label(name: str) -> str | None:
        f = form.field(name) if form else None
        return f.label if f else None

    return {name: field_message(text, label(name)) for name, text in errors.items()}
