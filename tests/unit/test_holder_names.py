"""Who holds a task, by name (engine.usecases.labels.holder_names): the board and the
supervisors' overdue notice say it alike."""

from __future__ import annotations

from engine.usecases.labels import holder_names

PEOPLE = {"finance1": "财政所 张所长", "li": "李代表"}
UNITS = {"finance": "财政所", "civil_affairs": "民政办"}


def test_the_assignee_alone_once_claimed():
    assert holder_names("finance1", ["finance"], ["li"], PEOPLE, UNITS) == ["财政所 张所长"]


def test_else_the_units_then_the_people_it_is_offered_to():
    assert holder_names(None, ["finance", "civil_affairs"], ["li"], PEOPLE, UNITS) == ["财政所", "民政办", "李代表"]


def test_a_code_or_user_name_without_a_name_stays_as_it_is():
    assert holder_names(None, ["land"], ["wang"], PEOPLE, UNITS) == ["land", "wang"]
    assert holder_names("wang", [], [], PEOPLE, UNITS) == ["wang"]


def test_a_group_that_is_a_role_by_the_roles_name():
    assert holder_names(None, ["supervisor", "finance"], [], PEOPLE, UNITS) == ["督查", "财政所"]
    assert holder_names(None, ["petition_officer"], [], PEOPLE, {}) == ["信访专员"]
