"""A unit's code and name are both candidate groups of its people (User.groups): so a unit's
name may be no role's code and no other unit's code or name, nor a new unit's code another
unit's name or a role's code, on the units page as in the units file; and where a file names a
unit (the people file, a ledger), a code wins over a name and a name several units share (a
database from before the rule) is refused at its row and column, never read as either."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.errors import InvalidData
from engine.usecases import ledger, onboarding, people
from storage.models import AuditEntry, Department, WorkItem
from tests.integration.test_ledger import OPEN, PROPOSAL_HEADERS, workbook
from tests.world import act, create_people, deploy

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
OFFICE_TAKEN = ("unit_name_taken", {"value": "office", "unit": "镇人大办", "code": "office"})


@pytest.fixture
def factory(session_factory):
    create_people(session_factory, "admin", "fin", "fin2", "clerk")
    return session_factory


def refused(factory, code: str, name: str) -> dict[str, tuple[str, dict]]:
    with pytest.raises(InvalidData) as info:
        act(factory, "admin", people.save_department, code, name)
    return {field: (e.code, e.params) for field, e in info.value.codes.items()}


def units(factory) -> dict[str, str]:
    with factory() as s:
        return dict(s.execute(select(Department.code, Department.name)).all())


def a_clash_from_before_the_rule(factory, code: str, name: str) -> None:
    """A unit stored before the rule was kept (the rule is not migrated: say what there is)."""
    with factory.begin() as s:
        s.add(Department(code=code, name=name))


def test_a_units_name_may_not_be_a_candidate_group_already(factory):
    before = units(factory)
    assert refused(factory, "fake", "office") == {"name": OFFICE_TAKEN}  # another unit's code
    assert refused(factory, "tax", "财政所") == {  # another unit's name
        "name": ("unit_name_taken", {"value": "财政所", "unit": "财政所", "code": "finance"})
    }
    assert refused(factory, "x3", "office_head") == {"name": ("role_code_taken", {"value": "office_head"})}
    # renaming a unit to another's code or name, too
    assert refused(factory, "finance", "民政办") == {
        "name": ("unit_name_taken", {"value": "民政办", "unit": "民政办", "code": "civil_affairs"})
    }
    assert units(factory) == before  # nothing written


def test_a_new_units_code_may_be_neither_another_units_name_nor_a_role(factory):
    act(factory, "admin", people.save_department, "water", "shuili")
    assert refused(factory, "shuili", "水利") == {
        "code": ("unit_name_taken", {"value": "shuili", "unit": "shuili", "code": "water"})
    }
    assert refused(factory, "admin", "管理组") == {"code": ("role_code_taken", {"value": "admin"})}
    # both at once, each at its own field
    assert refused(factory, "supervisor", "finance") == {
        "code": ("role_code_taken", {"value": "supervisor"}),
        "name": ("unit_name_taken", {"value": "finance", "unit": "财政所", "code": "finance"}),
    }


def test_a_unit_keeps_its_own_name_and_may_be_named_as_its_code(factory):
    act(factory, "admin", people.save_department, "finance", "财政所", head="fin")
    act(factory, "admin", people.save_department, "water", "water")
    act(factory, "admin", people.save_department, "water", "水利站")
    assert (units(factory)["finance"], units(factory)["water"]) == ("财政所", "水利站")


def test_the_audit_entry_says_what_a_unit_and_a_user_were_before(factory):
    act(factory, "admin", people.save_department, "water", "水利站")
    act(factory, "admin", people.save_department, "finance", "财政所（新）", head="fin", contact="fin2")
    clerk = act(factory, "admin", people.get_user, "clerk")
    act(
        factory,
        "admin",
        people.update_user,
        "clerk",
        display_name="李四",
        email="li4@example.cn",
        roles=("officer", "supervisor"),
        department="finance",
        active=False,
    )
    with factory() as s:
        entries = s.scalars(select(AuditEntry.data).where(AuditEntry.action.in_(["save_department", "update_user"])))
        water, finance, update = entries.all()
    assert "before" not in water  # a new unit was nothing before
    assert finance == {
        "code": "finance",
        "name": "财政所（新）",
        "head": "fin",
        "contact": "fin2",
        "before": {"name": "财政所", "head": None, "contact": None},
    }
    assert update["before"] == {
        "display_name": clerk.display_name,
        "email": None,
        "roles": ["officer"],
        "department": "office",
        "active": True,
        "timezone": None,
    }
    assert (update["username"], update["roles"], update["department"], update["active"]) == (
        "clerk",
        ["officer", "supervisor"],
        "finance",
        False,
    )


# -- the units file ---------------------------------------------------------------------------
def problems(plan: onboarding.Plan) -> list[tuple[int | None, str | None, str, dict]]:
    return [(p.row, p.column, p.error.code, p.error.params) for p in plan.problems]


def test_the_units_file_refuses_such_names_by_row_and_column(factory):
    act(factory, "admin", people.save_department, "water", "shuili")
    rows = (
        "代码,名称,负责人,联络员\n"
        "x2,finance,,\n"  # row 2: a stored unit's code
        "x3,office_head,,\n"  # a role's code
        "x4,民政办,,\n"  # a stored unit's name
        "x5,水利,,\n"
        "x6,水利,,\n"  # row 6: the name of row 5's unit
        "x7,x8,,\n"  # the code of a unit the file makes (row 8)
        "x8,八,,\n"
        "shuili,十,,\n"  # row 9: a new code that is a stored unit's name
        "monitor,监控组,,\n"  # a new code that is a role's code
        "ok,好,,\n"
    )
    plan = act(factory, "admin", onboarding.plan, "units", "u.csv", rows.encode())
    assert problems(plan) == [
        (2, "名称", "unit_name_taken", {"value": "finance", "unit": "财政所", "code": "finance"}),
        (3, "名称", "role_code_taken", {"value": "office_head"}),
        (4, "名称", "unit_name_taken", {"value": "民政办", "unit": "民政办", "code": "civil_affairs"}),
        (6, "名称", "duplicate_in_file", {"value": "水利", "row": 5}),
        (7, "名称", "unit_name_taken", {"value": "x8", "unit": "八", "code": "x8"}),
        (9, "代码", "unit_name_taken", {"value": "shuili", "unit": "shuili", "code": "water"}),
        (10, "代码", "role_code_taken", {"value": "monitor"}),
    ]
    assert [c.key for c in plan.changes] == ["x5", "x8", "ok"]


def test_the_units_file_compares_with_the_units_as_the_file_leaves_them(factory):
    # 财政所 is finance's name no longer once the file is in: another unit may take it
    rows = "代码,名称,负责人,联络员\nfinance,财务所,,\ntax,财政所,,\n"
    act(factory, "admin", onboarding.apply, "units", "u.csv", rows.encode())
    assert (units(factory)["finance"], units(factory)["tax"]) == ("财务所", "财政所")
    # and an export imports again, changing nothing
    exported = act(factory, "admin", onboarding.export, "units")
    again = act(factory, "admin", onboarding.plan, "units", "单位.xlsx", exported)
    assert (again.problems, again.changes) == ([], [])


# -- naming a unit in the people file and in a ledger -------------------------------------------
def test_a_people_export_imports_again_unchanged_though_a_unit_is_named_as_anothers_code(factory):
    a_clash_from_before_the_rule(factory, "fake", "office")
    exported = act(factory, "admin", onboarding.export, "people")
    plan = act(factory, "admin", onboarding.plan, "people", "人员.xlsx", exported)
    assert (plan.problems, plan.changes) == ([], [])  # office is the unit of that code, not fake
    assert act(factory, "admin", people.get_user, "clerk").department == "office"


def test_the_people_file_refuses_a_unit_name_several_units_share(factory):
    a_clash_from_before_the_rule(factory, "tax", "财政所")
    rows = "用户名,姓名,单位代码,选区,角色,电话,邮箱\nzhou1,周一,财政所,,办理人员,,\nzhou2,周二,tax,,办理人员,,\n"
    plan = act(factory, "admin", onboarding.plan, "people", "p.csv", rows.encode())
    assert problems(plan) == [(2, "单位代码", "shared_unit_name", {"value": "财政所", "choices": "finance、tax"})]
    assert [(c.key, c.fields["单位代码"]) for c in plan.changes] == [("zhou2", (None, "tax"))]


def test_a_ledger_refuses_a_unit_name_several_units_share_and_reads_a_code_as_that_unit(factory, frozen_clock):
    deploy(factory, LIBRARY / "proposal.bpmn", LIBRARY / "petition.bpmn")
    create_people(factory, "wang")
    a_clash_from_before_the_rule(factory, "tax", "财政所")
    a_clash_from_before_the_rule(factory, "fake", "land")
    land = {**OPEN, "编号": "c", "主办单位": "land"}  # the code of 国土所, the name of fake: 国土所
    content = workbook(
        PROPOSAL_HEADERS,
        {**OPEN, "主办单位": "财政所"},
        {**OPEN, "编号": "b", "主办单位": "civil_affairs", "协办单位": "国土所、财政所"},
        land,
    )
    plan = act(factory, "admin", ledger.plan, "proposals", "台账.xlsx", content)
    shared = {"value": "财政所", "choices": "finance、tax"}
    assert [(p.row, p.column, p.error.code, p.error.params) for p in plan.problems] == [
        (3, "主办单位", "shared_unit_name", shared),
        (4, "协办单位", "shared_unit_name", shared),
    ]
    assert [o.row for o in plan.outcomes] == [5]
    # written as a code, it is that unit's, though another unit has it as its name
    [outcome] = act(factory, "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, land)).outcomes
    with factory() as s:
        of_case = select(WorkItem).where(WorkItem.instance_id == outcome.instance_id)
        [reply] = s.scalars(of_case.where(WorkItem.bpmn_id == "Task_Reply")).all()
    assert reply.candidate_groups == ["land"]
