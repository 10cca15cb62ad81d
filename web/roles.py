"""Roles and people by name (主席/副主席, not ``chair``; 系统, not ``system``): a role is also a
group a task can be offered to, so wherever a holder is shown, a group that is not a unit is
named by its role; whoever acted is named by their display name, the product's own actors by
what they are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import gettext as _
from flask_babel import pgettext

from engine.access import OPERATOR, SYSTEM, Permission
from engine.usecases.labels import holder_names
from storage.enums import Role


def role_names() -> dict[str, str]:
    """Role code → its name in the reader's language."""
    return {
        Role.ADMIN: _("管理员"),
        Role.DESIGNER: pgettext("role", "流程设计"),  # the menu item is 流程设计 too: Design
        Role.OFFICER: _("办理人员"),
        Role.OFFICE_HEAD: _("人大办主任"),
        Role.PETITION_OFFICER: _("信访专员"),
        Role.SUPERVISOR: _("督查"),
        Role.DEPUTY: _("人大代表"),
        Role.CHAIR: _("主席/副主席"),
        Role.MONITOR: _("监控"),
    }


def group_name(code: str, units: dict[str, str]) -> str:
    """A candidate group by name: a unit's, else a role's, else (a group no one defined) the code."""
    return units.get(code) or role_names().get(code, code)


def holders_by_name(
    assignee: str | None, groups: Sequence[str], users: Sequence[str], people: Mapping[str, str], units: dict[str, str]
) -> list[str]:
    """Who holds a task (engine.usecases.labels.holder_names), a role it is offered to named
    in the reader's language."""
    return holder_names(assignee, groups, users, people, {**role_names(), **units})


def person_name(username: str | None, people: Mapping[str, str] | None = None) -> str:
    """Who acted, by name: the system (timers, the scheduler) and the command line's operator
    by what they are, a person by ``people`` (user name → display name, read by the use case
    for the names its page shows), else the user name."""
    if not username:
        return ""
    if username == SYSTEM.username:
        return _("系统")
    if username == OPERATOR.username:
        return _("服务器运维（命令行）")
    return (people or {}).get(username, username)


def permission_names() -> dict[str, str]:
    """What each permission (engine.access.Permission) lets one do, in the reader's language."""
    return {
        Permission.CASE_START: _("发起案件"),
        Permission.CASE_START_ANY: _("发起任何流程"),
        Permission.CASE_VIEW_ALL: _("查看全部案件"),
        Permission.CASE_CANCEL: _("撤销本单位发起的案件"),
        Permission.CASE_CANCEL_ANY: _("撤销任何案件"),
        Permission.TASK_VIEW_ALL: _("查看全部待办"),
        Permission.TASK_REASSIGN: _("调派他人手中的任务"),
        Permission.CONFIDENTIAL_READ: _("查看保密信息"),
        Permission.CASE_WORKING_DATA: _("查看案件的全部流程数据"),
        Permission.SUPERVISE: _("督办和督查台"),
        Permission.EXPORT: _("统计、导出和审计日志"),
        Permission.PROCESS_DEPLOY: _("流程设计和部署"),
        Permission.PROCESS_MIGRATE: _("迁移运行中的案件"),
        Permission.ADMIN_USERS: _("管理用户和单位"),
        Permission.ADMIN_SETTINGS: _("工作日历和期限设置"),
        Permission.CASE_IMPORT: _("按台账导入案件"),
        Permission.INCIDENT_MANAGE: _("查看和处理故障"),
        Permission.MESSAGE_SEND: _("发送消息和信号"),
        Permission.EXTERNAL_TASK_WORK: _("处理外部任务"),
        Permission.METRICS_READ: _("读取运行指标"),
    }
