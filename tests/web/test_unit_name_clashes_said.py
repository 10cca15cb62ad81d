"""A unit's name that another unit answers to too (its code or name) or that is a role's code is
refused now (people.unit_name_problem), but a database from before that rule may keep one: the
units page says each such clash above the list, until an administrator renames a unit."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.errors import NotAllowed
from engine.usecases import people
from storage.models import Department
from tests.web.conftest import text_of
from tests.world import act, session_factory_of


def store_names(app, **names: str) -> None:
    """Names written straight into the database, past the rule, as an old database keeps them."""
    with session_factory_of(app).begin() as s:
        for code, name in names.items():
            s.execute(update(Department).where(Department.code == code).values(name=name))


def warnings_on_page(client) -> list[str]:
    html = text_of(client.get("/admin/departments"))
    return [part.split("</div>", 1)[0] for part in html.split('role="status" data-unit-clash>')[1:]]


def test_no_warning_without_a_clash(app, as_user):
    assert act(app, "admin", people.unit_name_clashes) == []
    assert warnings_on_page(as_user("admin")) == []


def test_each_stored_clash_is_said_above_the_list(app, as_user):
    # 民政办 renamed 财政所 (finance's name), 国土所 renamed officer (a role's code)
    store_names(app, civil_affairs="财政所", land="officer")
    assert act(app, "admin", people.unit_name_clashes) == [
        people.UnitClash("civil_affairs", "财政所", "finance", "财政所"),
        people.UnitClash("land", "officer"),
    ]
    client = as_user("admin")
    html = text_of(client.get("/admin/departments"))
    assert html.index("data-unit-clash") < html.index('id="departments"')  # above the list
    assert warnings_on_page(client) == [
        "单位“财政所”（civil_affairs）的名称与单位“财政所”（finance）的代码或名称相同："
        "流程交给“财政所”的任务，两个单位的人都会收到。请为其中一个改名。",
        "单位“officer”（land）的名称是角色“办理人员”的代码：流程交给该角色的任务，"
        "这个单位的人也会收到。请为这个单位改名。",
    ]


def test_a_name_that_is_another_units_code_is_one_clash(app, as_user):
    store_names(app, land="finance")
    assert act(app, "admin", people.unit_name_clashes) == [people.UnitClash("land", "finance", "finance", "财政所")]
    # renamed: said no more
    act(app, "admin", people.save_department, "land", "国土所")
    assert warnings_on_page(as_user("admin")) == []


def test_only_administrators_are_told(app):
    with pytest.raises(NotAllowed):
        act(app, "office1", people.unit_name_clashes)
