"""One set of rules for a person's and a unit's fields (engine.usecases.people): what the admin's
pages and the command line refuse (people.create_user / update_user / save_department), the
import refuses (onboarding, each cell), with the same code; and what they accept, an export
carries back in unchanged. A unit's head and contact officer are active people of the unit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import InvalidData
from engine.usecases import onboarding, people
from storage.models import User
from tests.world import PASSWORD, act, create_people

HEADER = "用户名,姓名,单位代码,选区,角色,电话,邮箱\n"
GOOD = {
    "username": "zhou9",
    "display_name": "周九",
    "district": "第三选区",
    "roles": ("officer",),
    "phone": "13700009999",
    "email": "zhou9@example.cn",
}
COLUMN = {"username": "用户名", "display_name": "姓名", "district": "选区", "roles": "角色", "phone": "电话"}
COLUMN["email"] = "邮箱"


@pytest.fixture
def factory(session_factory):
    create_people(session_factory, "admin", "fin", "fin2", "civil", "deputy")
    return session_factory


def create(factory, person: dict, **more: object) -> None:
    fields = {k: v for k, v in person.items() if k != "username"}
    act(factory, "admin", people.create_user, person["username"], PASSWORD, **fields, **more)


def row(person: dict) -> str:
    roles = "、".join(person["roles"])
    fields = ("username", "display_name", "department", "district", "roles", "phone", "email")
    return ",".join(roles if f == "roles" else person.get(f) or "" for f in fields) + "\n"


# field, a value the import refuses, the code both refuse it with
REFUSED = [
    ("username", "张三", "letters_digits_only"),
    ("username", "x" * 300, "max_length"),
    ("username", "a b", "letters_digits_only"),
    ("display_name", "", "required"),
    ("display_name", "   ", "required"),
    ("display_name", "名" * 201, "max_length"),
    ("district", "区" * 201, "max_length"),
    ("roles", (), "required"),
    ("phone", "abc", "bad_phone"),
    ("phone", "1380000111", "bad_phone"),
    ("email", "not-an-email", "bad_email"),
]


@pytest.mark.parametrize(("field", "value", "code"), REFUSED)
def test_the_pages_refuse_what_the_import_refuses_with_the_same_code(factory, field, value, code):
    person = GOOD | {field: value}
    plan = act(factory, "admin", onboarding.plan, "people", "p.csv", (HEADER + row(person)).encode())
    assert [(p.column, p.error.code) for p in plan.problems] == [(COLUMN[field], code)]

    with pytest.raises(InvalidData) as refused:
        create(factory, person)
    assert {name: e.code for name, e in refused.value.codes.items()} == {field: code}

    if field != "username":  # the same rule when a person is changed
        changes = {k: v for k, v in person.items() if k != "username"}
        with pytest.raises(InvalidData) as refused:
            act(factory, "admin", people.update_user, "deputy", active=True, department=None, **changes)
        assert {name: e.code for name, e in refused.value.codes.items()} == {field: code}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"phone": "138 0000 1111"},  # spaces as people type them: stored without
        {"phone": "+8613800001111"},
        {"phone": "0571-87654321"},
        {"roles": ("deputy", "supervisor"), "district": "", "email": ""},
    ],
)
def test_what_the_pages_accept_exports_and_imports_again_unchanged(factory, changes):
    create(factory, GOOD | changes, department="finance")
    exported = act(factory, "admin", onboarding.export, "people")
    plan = act(factory, "admin", onboarding.plan, "people", "人员.xlsx", exported)
    assert (plan.problems, plan.created, plan.updated) == ([], 0, 0)


def test_a_person_created_by_hand_changes_the_chosen_password_first_as_an_imported_one_does(factory):
    create(factory, GOOD)
    imported = (HEADER + row(GOOD | {"username": "zhou10"})).encode()
    act(factory, "admin", onboarding.apply, "people", "人员.csv", imported)
    create(factory, GOOD | {"username": "zhou11"}, must_change_password=False)  # a tool seeding an account
    with factory() as s:
        told = s.execute(select(User.username, User.must_change_password).where(User.username.like("zhou%")))
        assert sorted(told) == [("zhou10", True), ("zhou11", False), ("zhou9", True)]


def test_a_user_name_taken_already_is_a_field_error_on_the_user_name(factory):
    with pytest.raises(InvalidData) as refused:
        act(factory, "admin", people.create_user, "fin", PASSWORD, display_name="又一个", roles=("officer",))
    error = refused.value.codes["username"]
    assert (error.code, error.params) == ("username_taken", {})
    # the user name is checked before it is looked up: 张三 is refused as a name, not as taken
    with pytest.raises(InvalidData) as refused:
        act(factory, "admin", people.create_user, "张三", PASSWORD, display_name="张三", roles=("officer",))
    assert refused.value.codes["username"].code == "letters_digits_only"


def test_a_units_head_and_contact_are_active_people_of_the_unit(factory):
    def refused(**holders: str) -> dict[str, tuple[str, dict]]:
        with pytest.raises(InvalidData) as info:
            act(factory, "admin", people.save_department, "finance", "财政所", **holders)
        return {name: (e.code, e.params) for name, e in info.value.codes.items()}

    assert refused(head="civil") == {"head": ("not_in_unit", {"username": "civil", "unit": "财政所"})}
    assert refused(contact="deputy") == {"contact": ("not_in_unit", {"username": "deputy", "unit": "财政所"})}
    assert refused(head="nobody") == {"head": ("unknown_user", {"username": "nobody"})}
    act(factory, "admin", people.save_department, "finance", "财政所", head="fin", contact="fin2")
    [finance] = [d for d in act(factory, "admin", people.list_departments) if d.code == "finance"]
    assert (finance.head, finance.contact, finance.users, finance.contact_standing) == ("fin", "fin2", 2, None)

    # fin2 deactivated, fin moved to 民政办: they stay named, marked; the count is of the active
    fin2 = act(factory, "admin", people.get_user, "fin2")
    act(factory, "admin", people.update_user, "fin2", **_as_is(fin2), active=False)
    fin = act(factory, "admin", people.get_user, "fin")
    act(factory, "admin", people.update_user, "fin", **(_as_is(fin) | {"department": "civil_affairs"}), active=True)
    [finance] = [d for d in act(factory, "admin", people.list_departments) if d.code == "finance"]
    assert (finance.head, finance.head_standing) == ("fin", people.Standing.ELSEWHERE)
    assert (finance.contact, finance.contact_standing) == ("fin2", people.Standing.INACTIVE)
    assert finance.users == 0
    # renaming the unit keeps them (not named anew); naming a deactivated person anew is refused
    act(factory, "admin", people.save_department, "finance", "财政所（新）", head="fin", contact="fin2")
    with pytest.raises(InvalidData) as info:
        act(factory, "admin", people.save_department, "civil_affairs", "民政办", contact="fin2")
    assert info.value.codes["contact"].code == "inactive_user"


def _as_is(user: people.UserView) -> dict:
    return {"display_name": user.display_name, "email": user.email, "roles": user.roles, "department": user.department}


def test_the_units_file_names_heads_and_contacts_by_the_same_rule(factory):
    units = "代码,名称,负责人,联络员\nfinance,财政所,civil,deputy\ncivil_affairs,民政办,civil,\n"
    plan = act(factory, "admin", onboarding.plan, "units", "u.csv", units.encode())
    assert [(p.row, p.column, p.error.code) for p in plan.problems] == [
        (2, "负责人", "not_in_unit"),
        (2, "联络员", "not_in_unit"),
    ]
    assert plan.problems[0].error.params == {"username": "civil", "unit": "财政所"}
    # a holder already named is kept as they are, even one who has left since: an export imports again
    act(factory, "admin", people.save_department, "finance", "财政所", contact="fin2")
    fin2 = act(factory, "admin", people.get_user, "fin2")
    act(factory, "admin", people.update_user, "fin2", **_as_is(fin2), active=False)
    exported = act(factory, "admin", onboarding.export, "units")
    again = act(factory, "admin", onboarding.plan, "units", "单位.xlsx", exported)
    assert (again.problems, again.changes) == ([], [])
