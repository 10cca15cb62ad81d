"""The demo installation names the units' heads (负责人), so that an escalated 督办 can be
tried on it; a head an administrator chose is kept."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine.usecases import people
from engine.usecases.context import SYSTEM
from storage.models import Department


def heads(factory: sessionmaker) -> dict[str, str | None]:
    with factory() as s:
        return {
            d.code: d.head for d in s.scalars(select(Department)) if d.code in ("office", "finance", "civil_affairs")
        }


def test_the_demo_names_the_office_and_two_units_heads(session_factory: sessionmaker):
    with session_factory.begin() as s:
        people.ensure_demo_users(s, SYSTEM)
    assert heads(session_factory) == {"office": "head", "finance": "finance", "civil_affairs": "civil"}


def test_a_head_already_chosen_stays(session_factory: sessionmaker):
    with session_factory.begin() as s:
        people.ensure_departments(s)
        s.scalar(select(Department).where(Department.code == "finance")).head = "someone_else"
    with session_factory.begin() as s:
        people.ensure_demo_users(s, SYSTEM)
    with session_factory.begin() as s:
        people.ensure_demo_users(s, SYSTEM)  # again: no change
    assert heads(session_factory) == {"office": "head", "finance": "someone_else", "civil_affairs": "civil"}
