"""Day one of a real office: its units (单位) and its people (人员: officers, deputies...) from
the spreadsheets it already keeps (``spreadsheets`` reads them).

``plan`` is the dry run: what would be created and what changed (before → after, field by
field), and every problem by row and column; it writes nothing. ``apply`` plans again in
its own transaction and writes all of it or, with any problem, nothing (a file that changes
nothing writes nothing at all, not even an audit entry); each new person
gets an initial password, returned once and stored only hashed, to be changed at the first
sign-in. Importing the same file again changes nothing: a unit is known by its code, a
person by the user name. An empty optional cell leaves what is stored as it is.

The order on day one: units first (负责人 / 联络员 left empty, or naming people who already
have accounts), then people (their 单位代码 must exist), then the units file again with the
heads and contacts filled in. A head or contact officer is given by the user name, or by the
person's name when one person has it (one of the unit's people, when several do); naming
someone without an account yet is refused, saying so; a head or contact officer is an active
person of the unit, as on the units page.
Every cell is checked by the rules the pages and the command line keep (``people``'s), so that
what they accept imports again."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import Role
from storage.models import Department, User, UserRole

from .. import clock
from ..errors import FieldError, InvalidData
from . import people, spreadsheets
from .context import Actor, audit
from .labels import ROLE_NAMES, people_names
from .people import require_admin
from .sign_in import hash_password, password_problem
from .spreadsheets import Column


class Kind(StrEnum):
    UNITS = "units"
    PEOPLE = "people"


# A roles cell takes the roles' names (labels.ROLE_NAMES) or their codes, separated by 、 , ; or spaces.
_ROLE_OF = {name: code for code, name in ROLE_NAMES.items()} | {r.value: r.value for r in Role}
_ROLE_SPLIT = re.compile(r"[、,，;；\s]+")
# initial passwords people copy from paper: no 0/O/o, 1/l/I
_READABLE = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"

UNIT_COLUMNS = (
    Column("代码", 16, True, "water", hint="字母、数字、- 和 _；流程中使用，建立后不再改变"),
    Column("名称", 24, True, "水利站"),
    Column("负责人", 16, example="", hint="用户名：升级督办送达此人"),
    Column("联络员", 16, example="", hint="用户名"),
)
PEOPLE_COLUMNS = (
    Column("用户名", 16, True, "zhangsan", hint="登录用的名字：字母、数字、- 和 _"),
    Column("姓名", 14, True, "张三"),
    Column("单位代码", 16, example="office", hint="代表可不填"),
    Column("选区", 16, example="第一选区"),
    Column("角色", 22, True, "办理人员", choices=tuple(ROLE_NAMES.values()), hint="多个角色用“、”分隔"),
    Column("电话", 16, example="13800001111"),
    Column("邮箱", 24, example="zhangsan@example.cn"),
)
COLUMNS = {Kind.UNITS: UNIT_COLUMNS, Kind.PEOPLE: PEOPLE_COLUMNS}
_PEOPLE_COLUMNS = ("负责人", "联络员")  # a units file's columns naming a person
ORDER_NOTE = "先导入单位表（负责人、联络员可先空着），再导入人员表，最后再导入一次填好负责人、联络员的单位表。"


@dataclass(frozen=True)
class Problem:
    row: int | None  # None: the file as a whole
    column: str | None  # the header, as the template writes it
    error: FieldError
    # what the cell holds, when the problem is with what it holds (quoted beside the error,
    # which may not say it: "3月9日" beside a date that does not read); "" otherwise
    value: str = ""

    @property
    def key(self) -> str:
        where = [f"row {self.row}"] if self.row else []
        return ", ".join([*where, self.column or "file"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "message": self.error.text,
            "value": self.value,
            **self.error.to_dict(),
        }


def sheet_problems(sheet: spreadsheets.Sheet, columns: Sequence[Column]) -> list[Problem]:
    """What keeps a file's rows from being read as meant, whatever it imports: a required
    column missing, a merged cell under the header (its value is in its first row only: the
    rows below it would read empty, or as a required cell left out)."""
    present = set(sheet.headers)
    missing = [
        Problem(None, c.header, FieldError("missing_column", {"column": c.header}))
        for c in columns
        if c.required and c.header not in present
    ]
    merged = [
        Problem(m.row, m.column, FieldError("merged_cells", {"sheet": m.sheet, "cells": m.cells})) for m in sheet.merged
    ]
    return missing + merged


def read_sheet(filename: str, content: bytes, columns: Sequence[Column]) -> spreadsheets.Sheet:
    """The file's rows under ``columns``' headers; of a workbook, from the worksheet with every
    required one."""
    return spreadsheets.read(filename, content, [c.header for c in columns], [c.header for c in columns if c.required])


@dataclass(frozen=True)
class Change:
    row: int
    key: str  # the unit's code, the person's user name
    name: str
    created: bool
    fields: dict[str, tuple[str | None, str | None]]  # column → (before, after); before is None when created


@dataclass(frozen=True)
class Plan:
    """What the file would write: ``changes`` and ``unchanged`` count only the rows without a
    problem; ``refused``, the rows with one (nothing is written while there is any)."""

    kind: str
    rows: int
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    refused: int = 0
    sheet: spreadsheets.SheetChoice | None = None  # the worksheet read (None: a .csv)
    # the people a units file names as heads and contacts (before and after), user name → name:
    # the preview says who they are, not only their user names
    people: dict[str, str] = field(default_factory=dict)

    @property
    def created(self) -> int:
        return sum(c.created for c in self.changes)

    @property
    def updated(self) -> int:
        return sum(not c.created for c in self.changes)


@dataclass(frozen=True)
class InitialPassword:
    username: str
    display_name: str
    password: str


@dataclass(frozen=True)
class Result:
    plan: Plan
    passwords: list[InitialPassword]  # shown once: only hashes are stored


class ImportRefused(InvalidData):
    """The file has problems: nothing was written. ``plan`` has them by row and column."""

    def __init__(self, plan: Plan):
        super().__init__({p.key: p.error for p in plan.problems}, "the file has problems; nothing was imported")
        self.plan = plan


def kind_of(kind: str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        raise InvalidData({"kind": FieldError("not_allowed_value", {"value": kind})}) from None


def template(
    session: Session,
    actor: Actor,
    kind: str,
    pgettext: spreadsheets.InContext = spreadsheets.as_written,
    column_names: Mapping[str, str] | None = None,
) -> bytes:
    """The .xlsx to fill in for ``kind``: its headers, an example row, drop-downs (units: the
    current unit codes; roles: the role names). Its notes sheet in the reader's language
    (``pgettext``: a page's; Chinese by default), with each column named so where the reader
    names it otherwise than its header (``column_names``); the rest as the import reads it."""
    require_admin(actor)
    what = kind_of(kind)
    columns = _columns(session, what)
    notes = {
        pgettext("spreadsheet note", "导入顺序"): pgettext(
            "spreadsheet note",
            "先导入单位表（负责人、联络员可先空着），再导入人员表，最后再导入一次填好负责人、联络员的单位表。",
        ),
        pgettext("spreadsheet note", "必填"): pgettext("spreadsheet note", "带 * 的列必填；其余列空着表示不改动"),
        **spreadsheets.column_note(columns, column_names, pgettext),
    }
    return spreadsheets.template(_TITLES[what], columns, notes, notes_sheet=spreadsheets.notes_title(pgettext))


_TITLES = {Kind.UNITS: "单位", Kind.PEOPLE: "人员"}


def _columns(session: Session, kind: Kind) -> tuple[Column, ...]:
    """The kind's columns, 单位代码 with the current units as its drop-down."""
    codes = tuple(session.scalars(select(Department.code).order_by(Department.id)))
    return tuple(
        Column(c.header, c.width, c.required, c.example, codes, c.hint) if c.header == "单位代码" else c
        for c in COLUMNS[kind]
    )


def export(
    session: Session,
    actor: Actor,
    kind: str,
    pgettext: spreadsheets.InContext = spreadsheets.as_written,
    column_names: Mapping[str, str] | None = None,
) -> bytes:
    """The current units or people as an .xlsx in exactly the template's shape (the same
    headers, drop-downs and notes), one row each, so that it can be edited in Excel and
    imported again: unchanged, it changes nothing. People: the active ones, their roles by
    name joined with 、 ; never a password. Units: every unit, with its head and contact.
    Its notes sheet in the reader's language, as the template's (``pgettext``,
    ``column_names``); the headers and rows as the import reads them."""
    require_admin(actor)
    what = kind_of(kind)
    rows: list[list[str | None]]
    if what == Kind.UNITS:
        units = session.scalars(select(Department).order_by(Department.id))
        rows = [[d.code, d.name, d.head, d.contact] for d in units]
    else:
        users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
        rows = [
            [
                u.username,
                u.display_name,
                u.department.code if u.department else None,
                u.district,
                _role_text(u.roles),
                u.phone,
                u.email,
            ]
            for u in users
        ]
    columns = _columns(session, what)
    # each sentence whole, for its translation (a clause joined in would be translated apart)
    exported = (
        pgettext(
            "spreadsheet note",
            "本表为系统中现有的单位，格式与导入模板相同：在 Excel 中修改后可再导入；未修改的行导入时保持不变。",
        )
        if what == Kind.UNITS
        else pgettext(
            "spreadsheet note",
            "本表为系统中现有的人员（不含停用的账号，不含密码），格式与导入模板相同：在 Excel 中修改后可再导入；"
            "未修改的行导入时保持不变。",
        )
    )
    notes = {
        pgettext("spreadsheet note", "导出"): exported,
        pgettext("spreadsheet note", "必填"): pgettext("spreadsheet note", "带 * 的列必填；其余列空着表示不改动"),
        **spreadsheets.column_note(columns, column_names, pgettext),
    }
    return spreadsheets.template(_TITLES[what], columns, notes, rows, notes_sheet=spreadsheets.notes_title(pgettext))


# -- the dry run -----------------------------------------------------------------------------
class _Rows:
    """The file's rows of one kind, each cell checked (by the rules of a person's and a unit's
    fields, ``people``'s, which the pages and the command line keep too): the problems
    found, the values kept."""

    def __init__(self, kind: Kind, sheet: spreadsheets.Sheet):
        self.kind, self.sheet = kind, sheet
        self.seen: dict[str, int] = {}
        self.problems: list[Problem] = sheet_problems(sheet, COLUMNS[kind])

    def cell(self, row: spreadsheets.Row, column: str, check: Callable[[str], FieldError | None] | None = None) -> str:
        value = row.values.get(column, "")
        col = next(c for c in COLUMNS[self.kind] if c.header == column)
        error = FieldError("required") if col.required and not value else None
        if value and not error and check is not None:
            error = check(value)
        if error is not None:
            self.refuse(row, column, error)
        return value

    def refuse(self, row: spreadsheets.Row, column: str, error: FieldError) -> None:
        if not any(p.row == row.number and p.column == column for p in self.problems):
            self.problems.append(Problem(row.number, column, error, row.values.get(column, "")))

    def person(self, row: spreadsheets.Row, column: str, check: Callable[[str], tuple[str, FieldError | None]]) -> str:
        """An optional cell naming a person: the user name ``check`` reads it as ("" when
        empty), its problem refused."""
        value = row.values.get(column, "")
        if not value:
            return ""
        username, error = check(value)
        if error is not None:
            self.refuse(row, column, error)
        return username

    def unique(self, row: spreadsheets.Row, column: str, value: str) -> None:
        if value in self.seen:
            self.refuse(row, column, FieldError("duplicate_in_file", {"value": value, "row": self.seen[value]}))
        else:
            self.seen[value] = row.number


def _roles(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_ROLE_OF.get(t, t) for t in _ROLE_SPLIT.split(value) if t))


def _role_check(value: str) -> FieldError | None:
    unknown = [r for r in _roles(value) if r not in ROLE_NAMES]
    if not unknown:
        return None
    return FieldError("unknown_role", {"roles": "、".join(unknown), "known": "、".join(ROLE_NAMES.values())})


def _role_text(roles: Iterable[str]) -> str:
    """Roles by name, in the table's order (so the same roles compare equal however written)."""
    order = list(ROLE_NAMES)
    return "、".join(ROLE_NAMES.get(r, r) for r in sorted(roles, key=lambda r: order.index(r) if r in order else 99))


def _change(row: int, key: str, name: str, old: dict[str, str | None] | None, new: dict[str, str | None]) -> Change:
    if old is None:
        return Change(row, key, name, True, {k: (None, v) for k, v in new.items() if v})
    moved: dict[str, tuple[str | None, str | None]] = {
        k: (old[k], v) for k, v in new.items() if v is not None and v != old[k]
    }
    return Change(row, key, name, False, moved)


def _plan_units(session: Session, rows: _Rows) -> list[tuple[Change, dict[str, str | None]]]:
    units = {d.code: d for d in session.scalars(select(Department))}
    users = {u.username: u for u in session.scalars(select(User))}
    named: dict[str, list[User]] = {}
    for user in users.values():
        named.setdefault(user.display_name, []).append(user)

    def holder(code: str, name: str, held: str | None) -> Callable[[str], tuple[str, FieldError | None]]:
        """A head or contact officer as the units page takes one: an active person of the
        unit, unless it is who holds it already (so that an export imports again). Given by
        the user name, or by the person's name (as a ledger's 提出代表 may be): then the
        user name of the one person of that name, or of the one of them who is of the unit."""

        def check(value: str) -> tuple[str, FieldError | None]:
            if value == held:
                return value, None
            if value in users:
                return value, people.holder_problem(users[value], value, code, name)
            same = named.get(value, [])
            if not same:
                return value, FieldError("unknown_user_yet", {"username": value})
            if len(same) > 1:
                same = [u for u in same if u.active and u.department is not None and u.department.code == code] or same
            if len(same) > 1:  # several of that name: the user names tell them apart
                candidates = "、".join(sorted(u.username for u in same))
                return value, FieldError("shared_name", {"value": value, "choices": candidates})
            username = same[0].username
            return username, None if username == held else people.holder_problem(same[0], username, code, name)

        return check

    out = []
    read: list[tuple[spreadsheets.Row, str, str]] = []
    for row in rows.sheet.rows:
        code = rows.cell(row, "代码", people.name_problem)
        name = rows.cell(row, "名称", people.text_problem)
        read.append((row, code, name))
        dept = units.get(code)
        head = rows.person(row, "负责人", holder(code, name, dept.head if dept else None))
        contact = rows.person(row, "联络员", holder(code, name, dept.contact if dept else None))
        if code:
            rows.unique(row, "代码", code)
        old: dict[str, str | None] | None = (
            {"名称": dept.name, "负责人": dept.head, "联络员": dept.contact} if dept else None
        )
        new = {"名称": name, "负责人": head or None, "联络员": contact or None}
        out.append((_change(row.number, code, name, old, new), {"code": code, **new}))
    _refuse_unit_clashes(rows, read, {c: d.name for c, d in units.items()})
    return out


def _refuse_unit_clashes(rows: _Rows, read: list[tuple[spreadsheets.Row, str, str]], stored: dict[str, str]) -> None:
    """The units page's rule (``people.unit_name_problem``) for the units as they will be once
    the file is imported (``stored``: code → name now): a name that is a role's code or
    another unit's code (stored or in the file) or name is refused at 名称, a new code that is
    a role's code or a stored unit's name at 代码. A unit the file renames is compared by its
    new name, and of two rows giving one name the later one is refused, saying the earlier."""
    valid = [
        (row, code, name)
        for row, code, name in read
        if people.name_problem(code) is None and people.text_problem(name, required=True) is None
    ]
    in_file: dict[str, str] = {}
    for _row, code, name in valid:
        in_file.setdefault(code, name)  # a code given twice is refused already; its first row counts
    as_is = {c: n for c, n in stored.items() if c not in in_file}  # the stored units the file leaves alone
    named: dict[str, tuple[int, str]] = {}  # name → its first row and code
    for row, code, name in valid:
        first_row, first_code = named.setdefault(name, (row.number, code))
        if first_code != code:
            rows.refuse(row, "名称", FieldError("duplicate_in_file", {"value": name, "row": first_row}))
        # the file's units by their codes (a name equal to one); the others by code and name
        others = as_is | {c: n for c, n in in_file.items() if c == name}
        if problem := people.unit_name_problem(name, code, others):
            rows.refuse(row, "名称", problem)
        if code not in stored and (problem := people.unit_name_problem(code, code, as_is)):
            rows.refuse(row, "代码", problem)


def _unit_codes(session: Session) -> tuple[dict[str, str], dict[str, list[str]]]:
    """How a people file may name a unit: code → code, and a name only one unit has (and no
    unit has as its code) → that code; and the names several units share → their codes,
    refused as ambiguous (``people.unit_name_problem`` keeps new ones from arising)."""
    units = repo.department_choices(session)
    having: dict[str, list[str]] = {}
    for code, name in units.items():
        if name not in units:  # a code wins over a name
            having.setdefault(name, []).append(code)
    by_name = {name: codes[0] for name, codes in having.items() if len(codes) == 1}
    return {code: code for code in units} | by_name, {n: codes for n, codes in having.items() if len(codes) > 1}


def _plan_people(session: Session, actor: Actor, rows: _Rows) -> list[tuple[Change, dict[str, str | None]]]:
    units, shared = _unit_codes(session)  # a unit's name will do too, when it names one unit
    existing = {u.username: u for u in session.scalars(select(User))}

    def known_unit(value: str) -> FieldError | None:
        if value in shared:
            return FieldError("shared_unit_name", {"value": value, "choices": "、".join(shared[value])})
        return None if value in units else FieldError("unknown_department", {"department": value})

    out = []
    for row in rows.sheet.rows:
        username = rows.cell(row, "用户名", people.name_problem)
        name = rows.cell(row, "姓名", people.display_name_problem)
        unit = rows.cell(row, "单位代码", known_unit)
        district = rows.cell(row, "选区", people.text_problem)
        roles = _roles(rows.cell(row, "角色", _role_check))
        phone = people.phone_of(rows.cell(row, "电话", people.phone_problem))
        email = rows.cell(row, "邮箱", people.email_problem)
        if username:
            rows.unique(row, "用户名", username)
        if username == actor.username and Role.ADMIN.value not in roles:
            rows.refuse(row, "角色", FieldError("own_admin_role"))
        user = existing.get(username)
        old: dict[str, str | None] | None = None
        if user is not None:
            old = {
                "姓名": user.display_name,
                "单位代码": user.department.code if user.department else None,
                "选区": user.district,
                "角色": _role_text(user.roles),
                "电话": user.phone,
                "邮箱": user.email,
            }
        new = {
            "姓名": name,
            "单位代码": units.get(unit) if unit else None,
            "选区": district or None,
            "角色": _role_text(roles),
            "电话": phone or None,
            "邮箱": email or None,
        }
        values = {**new, "username": username, "roles": ",".join(roles)}
        out.append((_change(row.number, username, name, old, new), values))
    return out


def _planned(
    session: Session, actor: Actor, kind: str, filename: str, content: bytes
) -> tuple[Plan, list[tuple[Change, dict[str, str | None]]]]:
    require_admin(actor)
    what = kind_of(kind)
    sheet = read_sheet(filename, content, COLUMNS[what])
    rows = _Rows(what, sheet)
    if rows.problems:  # a missing column, a merged cell: the rows cannot be read as meant
        return Plan(what.value, len(sheet.rows), problems=rows.problems, sheet=sheet.choice), []
    planned = _plan_units(session, rows) if what == Kind.UNITS else _plan_people(session, actor, rows)
    refused = {p.row for p in rows.problems}
    accepted = [change for change, _values in planned if change.row not in refused]
    changes = [c for c in accepted if c.created or c.fields]
    position = {c.header: i for i, c in enumerate(COLUMNS[what])}
    problems = sorted(rows.problems, key=lambda p: (p.row or 0, position.get(p.column or "", 0)))
    plan = Plan(
        what.value,
        len(sheet.rows),
        changes,
        len(accepted) - len(changes),
        problems,
        len(refused),
        sheet.choice,
        people_names(session, _people_named(changes)) if what == Kind.UNITS else {},
    )
    return plan, planned


def _people_named(changes: Iterable[Change]) -> set[str]:
    """The user names a units plan gives as heads and contacts, before and after."""
    return {
        value for change in changes for column in _PEOPLE_COLUMNS for value in change.fields.get(column, ()) if value
    }


def plan(session: Session, actor: Actor, kind: str, filename: str, content: bytes) -> Plan:
    """The dry run: what importing ``content`` as ``kind`` would create and change, and its
    problems by row and column. Writes nothing."""
    return _planned(session, actor, kind, filename, content)[0]


# -- applying -------------------------------------------------------------------------------------
def initial_password(username: str, display_name: str) -> str:
    """Twelve readable characters in three groups (xxxx-xxxx-xxxx), random, passing the policy."""
    while True:
        password = "-".join("".join(secrets.choice(_READABLE) for _ in range(4)) for _ in range(3))
        if password_problem(password, username, display_name) is None:
            return password


def apply(
    session: Session, actor: Actor, kind: str, filename: str, content: bytes, *, upload: str | None = None
) -> Result:
    """Plan again, in this transaction, and write every change; any problem: ImportRefused,
    nothing written. The new people's initial passwords are in the result, and nowhere else.
    ``upload``: the receipt of the pending upload confirmed (``pending_uploads.receipt``), kept
    in the audit entry, by which a second confirmation of it is told it was imported."""
    plan, planned = _planned(session, actor, kind, filename, content)
    if plan.problems:
        raise ImportRefused(plan)
    if not plan.changes:  # the same file again (or an export uploaded unchanged): nothing to write, nor to log
        return Result(plan, [])
    passwords: list[InitialPassword] = []
    writer = _write_unit if plan.kind == Kind.UNITS else _write_person
    for change, values in planned:
        if change.created or change.fields:
            password = writer(session, change, values)
            if password:
                passwords.append(InitialPassword(change.key, change.name, password))
    session.flush()
    audit(
        session,
        actor,
        f"import_{plan.kind}",
        data={
            "file": filename[:200],
            "created": [c.key for c in plan.changes if c.created],
            "updated": [c.key for c in plan.changes if not c.created],
            "unchanged": plan.unchanged,
            **({"upload": upload} if upload else {}),
        },
    )
    return Result(plan, passwords)


def _write_unit(session: Session, change: Change, values: dict[str, str | None]) -> str | None:
    dept = session.scalars(select(Department).where(Department.code == values["code"])).first()
    if dept is None:
        dept = Department(code=values["code"], name=values["名称"] or "")
        session.add(dept)
    dept.name = values["名称"] or dept.name
    dept.head = values["负责人"] or dept.head
    dept.contact = values["联络员"] or dept.contact
    return None


def _write_person(session: Session, change: Change, values: dict[str, str | None]) -> str | None:
    username = values["username"] or ""
    user = session.scalars(select(User).where(User.username == username)).first()
    password = None
    if user is None:
        password = initial_password(username, change.name)
        user = User(
            username=username,
            display_name=change.name,
            password_hash=hash_password(password),
            active=True,
            created_at=clock.now(),
            must_change_password=True,
        )
        session.add(user)
    user.display_name = values["姓名"] or user.display_name
    if values["单位代码"]:
        user.department = session.scalars(select(Department).where(Department.code == values["单位代码"])).one()
    user.district = values["选区"] or user.district
    user.phone = values["电话"] or user.phone
    user.email = values["邮箱"] or user.email
    wanted = (values["roles"] or "").split(",")
    user.role_rows = [r for r in user.role_rows if r.role.value in wanted]
    have = {r.role.value for r in user.role_rows}
    user.role_rows += [UserRole(role=Role(r)) for r in wanted if r and r not in have]
    session.flush()
    return password
