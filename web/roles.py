"""Roles by name (主席/副主席, not ``chair``): a role is also a group a task can be offered to,
so wherever a holder is shown, a group that is not a unit is named by its role."""

from __future__ import annotations

from flask_babel import gettext as _

from storage.enums import Role


def role_names() -> dict[str, str]:
    """Role code → its name in the reader's language."""
    return {
        Role.ADMIN: _("管理员"),
        Role.DESIGNER: _("流程设计"),
        Role.OFFICER: _("办理人员"),
        Role.OFFICE_HEAD: _("人大办主任"),
        Role.PETITION_OFFICER: _("信访专员"),
        Role.SUPERVISOR: _("督查"),
        Role.DEPUTY: _("人大代表"),
        Role.CHAIR: _("主席/副主席"),
    }


def group_name(code: str, units: dict[str, str]) -> str:
    """A candidate group by name: a unit's, else a role's, else (a group no one defined) the code."""
    return units.get(code) or role_names().get(code, code)
