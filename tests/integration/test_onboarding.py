"""Day one: units and people imported from the office's spreadsheets. A dry run says what
will be created and changed and every problem by row and column; applying writes all or
nothing; importing again updates instead of duplicating; new people sign in with the
initial password once, and must change it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import NotAllowed
from engine.usecases import onboarding, people, sign_in
from engine.usecases.onboarding import ImportRefused
from storage.models import AuditEntry, Department, User
from tests.world import act, create_people

UNITS = "代码,名称,负责人,联络员\nwater,水利站,,\nfinance,财政所（新）,,\n"
PEOPLE = (
    "用户名,姓名,单位代码,选区,角色,电话,邮箱\n"
    "zhang3,张三,water,,办理人员,13800001111,z3@example.cn\n"
    "wang5,王五,,第二选区,人大代表,0571-87654321,\n"
    "fin,财政所 小方,finance,,办理人员、督查,,\n"
)


def csv(text: str) -> bytes:
    return text.encode("utf-8-sig")


@pytest.fixture
def factory(session_factory):
    create_people(session_factory, "admin", "fin")
    return session_factory


def problems(refused: ImportRefused | onboarding.Plan) -> list[tuple[int | None, str | None, str]]:
    plan = refused.plan if isinstance(refused, ImportRefused) else refused
    return [(p.row, p.column, p.error.code) for p in plan.problems]


def test_units_then_people_then_units_with_heads(factory):
    plan = act(factory, "admin", onboarding.plan, "units", "units.csv", csv(UNITS))
    assert (plan.created, plan.updated, plan.unchanged, plan.problems) == (1, 1, 0, [])
    [water, finance] = plan.changes
    assert (water.key, water.created, water.fields) == ("water", True, {"名称": (None, "水利站")})
    assert finance.fields == {"名称": ("财政所", "财政所（新）")}
    with factory() as s:  # a dry run writes nothing
        assert s.scalar(select(func.count()).select_from(Department).where(Department.code == "water")) == 0

    act(factory, "admin", onboarding.apply, "units", "units.csv", csv(UNITS))
    result = act(factory, "admin", onboarding.apply, "people", "people.csv", csv(PEOPLE))
    assert (result.plan.created, result.plan.updated) == (2, 1)
    assert result.plan.changes[2].fields == {
        "姓名": ("fin 同志", "财政所 小方"),
        "角色": ("办理人员", "办理人员、督查"),
    }
    assert [p.username for p in result.passwords] == ["zhang3", "wang5"]  # new people only
    wang = act(factory, "admin", people.get_user, "wang5")
    assert (wang.roles, wang.district, wang.phone, wang.department) == (("deputy",), "第二选区", "0571-87654321", None)

    # a unit's head and contact are its own people: wang5, a deputy of no unit, cannot be water's
    heads = "代码,名称,负责人,联络员\nwater,水利站,zhang3,wang5\n"
    with pytest.raises(ImportRefused) as refused:
        act(factory, "admin", onboarding.apply, "units", "units.csv", csv(heads))
    assert problems(refused.value) == [(2, "联络员", "not_in_unit")]
    heads = "代码,名称,负责人,联络员\nwater,水利站,zhang3,zhang3\n"
    act(factory, "admin", onboarding.apply, "units", "units.csv", csv(heads))
    [water] = [d for d in act(factory, "admin", people.list_departments) if d.code == "water"]
    assert (water.head, water.contact, water.users) == ("zhang3", "zhang3", 1)
    with factory() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("import_%"))).all()
    assert actions == ["import_units", "import_people", "import_units"]


def test_importing_again_updates_instead_of_duplicating(factory):
    act(factory, "admin", onboarding.apply, "units", "units.csv", csv(UNITS))
    act(factory, "admin", onboarding.apply, "people", "people.csv", csv(PEOPLE))
    again = act(factory, "admin", onboarding.apply, "people", "people.csv", csv(PEOPLE))
    assert (again.plan.created, again.plan.updated, again.plan.unchanged, again.passwords) == (0, 0, 3, [])
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.username == "zhang3")) == 1


def test_initial_passwords_sign_in_once_and_force_a_change(factory):
    act(factory, "admin", onboarding.apply, "units", "units.csv", csv(UNITS))
    result = act(factory, "admin", onboarding.apply, "people", "people.csv", csv(PEOPLE))
    [zhang] = [p for p in result.passwords if p.username == "zhang3"]
    assert len(zhang.password) == 14 and not set(zhang.password) & set("0O1l")
    with factory.begin() as s:
        user = sign_in.authenticate(s, "zhang3", zhang.password)
        assert user is not None and user.must_change_password
        assert zhang.password not in user.password_hash
    with factory() as s:  # only hashed, nowhere in the audit log
        logged = " ".join(str(d) for d in s.scalars(select(AuditEntry.data)))
    assert zhang.password not in logged


def test_every_problem_by_row_and_column_and_nothing_written(factory):
    bad = (
        "用户名,姓名,单位代码,选区,角色,电话,邮箱\n"
        "ok1,甲,finance,,办理人员,,\n"
        "ok1,乙,nowhere,,书记,12345,not-mail\n"
        "张 三,,,,,,\n"
    )
    with pytest.raises(ImportRefused) as refused:
        act(factory, "admin", onboarding.apply, "people", "bad.csv", csv(bad))
    assert problems(refused.value) == [
        (3, "用户名", "duplicate_in_file"),
        (3, "单位代码", "unknown_department"),
        (3, "角色", "unknown_role"),
        (3, "电话", "bad_phone"),
        (3, "邮箱", "bad_email"),
        (4, "用户名", "letters_digits_only"),
        (4, "姓名", "required"),
        (4, "角色", "required"),
    ]
    assert refused.value.codes["row 3, 用户名"].params == {"value": "ok1", "row": 2}
    with factory() as s:  # the good row 2 was not written either
        assert s.scalar(select(User).where(User.username == "ok1")) is None


# three rows that would be written (two new people, fin renamed) and four refused: fin again
# (a duplicate, not a second change), a unit there is not, a user name in Chinese, a role there is not
MIXED = (
    "用户名,姓名,单位代码,选区,角色,电话,邮箱\n"
    "zhang3,张三,,,办理人员,,\n"
    "li4,李四,,,办理人员,,\n"
    "fin,财政所 小方,finance,,办理人员,,\n"
    "fin,财政所 老方,finance,,办理人员,,\n"
    "x1,甲,nowhere,,办理人员,,\n"
    "张三,张三,,,办理人员,,\n"
    "y1,乙,,,书记,,\n"
)


def test_the_counts_are_of_the_rows_that_would_be_written_and_the_refused_ones_are_said(factory):
    plan = act(factory, "admin", onboarding.plan, "people", "people.csv", csv(MIXED))
    assert (plan.rows, plan.created, plan.updated, plan.unchanged, plan.refused) == (7, 2, 1, 0, 4)
    assert [c.key for c in plan.changes] == ["zhang3", "li4", "fin"]
    assert sorted({p.row for p in plan.problems}) == [5, 6, 7, 8]


def test_a_missing_column_and_a_head_without_an_account_yet(factory):
    plan = act(factory, "admin", onboarding.plan, "people", "p.csv", csv("用户名,姓名\nx,甲\n"))
    assert problems(plan) == [(None, "角色", "missing_column")]
    plan = act(factory, "admin", onboarding.plan, "units", "u.csv", csv("代码,名称,负责人\nwater,水利站,nobody\n"))
    assert problems(plan) == [(2, "负责人", "unknown_user_yet")]


def test_one_may_not_drop_ones_own_admin_role_nor_import_without_admin(factory):
    plan = act(factory, "admin", onboarding.plan, "people", "p.csv", csv("用户名,姓名,角色\nadmin,我,办理人员\n"))
    assert problems(plan) == [(2, "角色", "own_admin_role")]
    with pytest.raises(NotAllowed):
        act(factory, "fin", onboarding.plan, "units", "units.csv", csv(UNITS))
