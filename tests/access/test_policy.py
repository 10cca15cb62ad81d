"""The access policy's rules on their own (engine/access.py), and the README's permission
table checked against them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from engine import access
from engine.access import Actor, Permission
from storage.enums import Role
from tests.conftest import REPO_ROOT


def person(*roles: str, groups: tuple[str, ...] = (), department: str | None = None, name: str = "x") -> Actor:
    return Actor(name, frozenset(roles), frozenset(roles) | frozenset(groups), department)


@dataclass
class Item:
    assignee: str | None = None
    candidate_users: list[str] = field(default_factory=list)
    candidate_groups: list[str] = field(default_factory=list)


def test_the_readme_table_is_the_policy():
    """Each row of the README's permission table says exactly which roles have it."""
    readme = (REPO_ROOT / "README.md").read_text()
    table = readme[readme.index("| permission | admin |") :].split("\n\n")[0].splitlines()
    roles = [c.strip() for c in table[0].strip("|").split("|")][1:]
    assert sorted(roles) == sorted(r.value for r in Role)
    rows = {}
    for line in table[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        name = re.match(r"`([^`]+)`", cells[0]).group(1)
        rows[Permission(name)] = {role for role, cell in zip(roles, cells[1:], strict=True) if cell == "✓"}
    assert set(rows) == set(Permission)
    for permission, holders in rows.items():
        assert holders == {r.value for r, granted in access.ROLE_PERMISSIONS.items() if permission in granted}, (
            permission
        )


@pytest.mark.parametrize(
    "roles, may",
    [
        (("office_head",), True),
        (("petition_officer",), True),
        (("officer", "petition_officer"), True),
        (("admin",), False),
        (("supervisor",), False),
        (("officer",), False),
        (("designer",), False),
        (("chair",), False),
        (("deputy",), False),
        ((), False),
    ],
)
def test_confidential_data_is_a_permission_of_two_roles(roles, may):
    assert access.may_read_confidential(person(*roles, groups=("office", "镇人大办"), department="office")) is may


def test_a_role_this_version_does_not_know_grants_nothing():
    assert person("mayor").permissions == frozenset()


def test_acting_on_a_task():
    offered = Item(candidate_groups=["finance"])
    fin, fin2 = (person("officer", groups=("finance",), name=n) for n in ("fin", "fin2"))
    land = person("officer", groups=("land",), name="land")
    assert access.may_act(fin, offered) and access.may_claim(fin, offered) and not access.may_act(land, offered)
    claimed = Item(assignee="fin", candidate_groups=["finance"])
    assert access.may_act(fin, claimed) and not access.may_act(fin2, claimed) and not access.may_claim(fin2, claimed)
    assert access.may_give_back(fin, claimed) and not access.may_give_back(fin2, claimed)
    assert access.may_give_back(person("admin"), claimed) and access.may_give_back(person("office_head"), claimed)
    assert not access.may_act(person("admin"), claimed)  # reassigning is not acting
    named_alone = Item(assignee="fin")  # camunda:assignee, no candidates: nobody could claim it back
    assert access.may_act(fin, named_alone) and not access.is_offered(named_alone)
    assert not access.may_give_back(fin, named_alone) and not access.may_give_back(person("admin"), named_alone)
    assert access.may_act(person("officer", name="wang"), Item(candidate_users=["wang"]))


def test_cancelling_belongs_to_the_office_that_started_the_case():
    office_officer = person("officer", groups=("office",), department="office")
    assert access.may_cancel(office_officer, "office")
    assert not access.may_cancel(office_officer, "finance")
    # a case started by someone of no unit (a deputy's own proposal) is the congress office's
    assert access.may_cancel(office_officer, None)
    assert not access.may_cancel(person("officer", groups=("finance",), department="finance"), None)
    assert access.may_cancel(person("admin"), "finance")
    assert not access.may_cancel(person("supervisor", department="office"), "office")
    assert not access.may_cancel(person("designer", department="office"), "office")


def test_starting():
    assert access.may_start(person("officer"), ())
    assert not access.may_start(person("supervisor"), ())
    assert access.may_start(person("officer", groups=("office",)), ("office", "petition_office"))
    assert not access.may_start(person("officer", groups=("finance",)), ("office",))
    assert access.may_start(person("admin"), ("office",))
    assert access.may_start(person("deputy"), ("deputy",))  # a process offered to deputies


def test_notes():
    reader, other = person("petition_officer", name="keeper"), person("supervisor", name="boss")
    assert access.may_read_note(other, confidential=False, author="keeper")
    assert not access.may_read_note(other, confidential=True, author="keeper")
    assert access.may_read_note(other, confidential=True, author="boss")
    assert access.may_read_note(reader, confidential=True, author="boss")


def test_require_names_the_permission():
    with pytest.raises(access.NotAllowed, match=r"process\.deploy"):
        access.require(person("officer"), Permission.PROCESS_DEPLOY, "deploy processes")
    access.require(person("designer"), Permission.PROCESS_DEPLOY, "deploy processes")
