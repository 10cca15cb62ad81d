"""The use cases' listeners hear every session's transaction events through one listener per
event and process, however often they ask for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from engine.usecases import session_events
from engine.usecases.session_events import on_every_session

heard: list[object] = []


def note_commit(session: Session) -> None:
    heard.append(session.info.get("mark"))


@pytest.fixture
def factory() -> Iterator[sessionmaker]:
    heard.clear()
    yield sessionmaker(create_engine("sqlite://"))
    if event.contains(Session, "after_commit", note_commit):
        event.remove(Session, "after_commit", note_commit)
    session_events._registered.discard(("after_commit", note_commit))


def test_a_listener_asked_for_again_hears_each_commit_once(factory):
    on_every_session("after_commit", note_commit)
    on_every_session("after_commit", note_commit)
    with factory.begin() as session:
        session.info["mark"] = "first"
        session.execute(text("SELECT 1"))
    on_every_session("after_commit", note_commit)
    with factory.begin() as session:
        session.info["mark"] = "second"
    assert heard == ["first", "second"]


def test_it_hears_sessions_made_before_it_was_asked_for(factory):
    session = factory()
    session.info["mark"] = "older"
    on_every_session("after_commit", note_commit)
    session.commit()
    session.close()
    assert heard == ["older"]
