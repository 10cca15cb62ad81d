"""The claimable lists (the inbox's 待签收 tab and its open scope, the task list the command line
and the API read) offer a reader only what he may take: on a case with confidential fields (the
petitioner's identity), a task offered to someone who may read them is for such people alone
(``access.may_take``), so whoever else sits in that group (a supervisor, a designer, a plain
officer of the office) does not find it there, nor in the tab's count. What he holds already
stays his, and a supervisor's 全部 tab still lists every open task.

Every test runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select, update

from engine.errors import NotAllowed
from engine.usecases import cases, inbox, people, taking, tasks
from engine.usecases.context import SYSTEM
from storage import repositories as repo
from storage.enums import NotificationKind
from storage.models import Notification, WorkItem
from tests.web import conftest as web
from tests.world import PETITIONER, Case, act, create_people, session_factory_of, start_petition, start_review

# the office's petition officer (who may read the identity), a supervisor, a designer and a plain
# officer who sit in the office and may not, and an officer of the finance unit (nobody there may)
PEOPLE = ("keeper", "office_supervisor", "office_designer", "clerk", "finance", "office_admin")
IN_THE_OFFICE_WITHOUT_THE_RIGHT = ("office_supervisor", "office_designer", "clerk")

app, client, as_user = web.app, web.client, web.as_user  # the page tests' app and signed-in client


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return PEOPLE


def _petition_at_the_office(app: Flask) -> Case:
    """A petition waiting for the office (petition_min's task is offered to the unit it names)."""
    return start_petition(app, "keeper", unit="office")


def _claimable(app: Flask, person: str, scope: str = "group") -> tuple[set[str], int]:
    """The task ids of ``person``'s task list in ``scope`` and its total."""
    rows, total = act(app, person, tasks.list_tasks, repo.InboxFilter(scope=scope))
    return {row.task_id for row in rows}, total


def _inbox(app: Flask, person: str, tab: str) -> inbox.InboxPage:
    return act(app, person, inbox.inbox_page, inbox.InboxQuery(tab=tab))


@pytest.mark.parametrize("person", IN_THE_OFFICE_WITHOUT_THE_RIGHT)
def test_the_office_petition_task_is_not_claimable_by_whoever_may_not_take_it(app, person):
    petition = _petition_at_the_office(app)
    review = start_review(app, "clerk")  # no confidential field: any of the office takes it
    assert _claimable(app, person, "group") == ({review.task_id}, 1)
    assert _claimable(app, person, "open") == ({review.task_id}, 1)
    page = _inbox(app, person, "group")
    assert [row.task_id for row in page.rows] == [review.task_id]
    assert page.counts["group"] == 1 and page.total == 1 and page.pages == 1
    assert petition.task_id not in {row.task_id for row in _inbox(app, person, "mine").rows}


def test_the_petition_officer_still_finds_it_claimable(app):
    petition = _petition_at_the_office(app)
    review = start_review(app, "clerk")
    assert _claimable(app, "keeper", "group") == ({petition.task_id, review.task_id}, 2)
    assert _claimable(app, "keeper", "open") == ({petition.task_id, review.task_id}, 2)
    page = _inbox(app, "keeper", "group")
    assert {row.task_id for row in page.rows} == {petition.task_id, review.task_id}
    assert page.counts["group"] == 2


def test_the_supervisors_overview_still_lists_it(app):
    petition = _petition_at_the_office(app)
    review = start_review(app, "clerk")
    page = _inbox(app, "office_supervisor", "all")
    assert {row.task_id for row in page.rows} == {petition.task_id, review.task_id}
    assert page.counts == {"mine": 0, "group": 1, "all": 2}


def test_the_handling_units_petition_task_is_listed_to_its_people(app):
    """Nobody of the finance unit may read the identity: its petition task is any of theirs."""
    handled = start_petition(app, "keeper", unit="finance")
    assert _claimable(app, "finance", "group") == ({handled.task_id}, 1)
    assert _claimable(app, "finance", "open") == ({handled.task_id}, 1)
    assert _inbox(app, "finance", "group").counts["group"] == 1


def test_a_task_held_before_the_rule_stays_in_its_holders_list(app):
    petition = _petition_at_the_office(app)
    _petition_at_the_office(app)  # another, unclaimed: kept from him
    with session_factory_of(app).begin() as s:  # claimed before claiming asked for the permission
        s.execute(update(WorkItem).where(WorkItem.task_id == petition.task_id).values(assignee="office_supervisor"))
    assert _claimable(app, "office_supervisor", "mine") == ({petition.task_id}, 1)
    assert _claimable(app, "office_supervisor", "open") == ({petition.task_id}, 1)
    assert _claimable(app, "office_supervisor", "group") == (set(), 0)
    page = _inbox(app, "office_supervisor", "mine")
    assert [row.task_id for row in page.rows] == [petition.task_id]
    assert page.counts == {"mine": 1, "group": 0, "all": 2}


def test_with_no_active_reader_in_the_office_the_task_waits_for_one(app):
    """A reader on leave (deactivated) still counts: the office's petition task is not passed to
    a supervisor, a designer or a plain officer of the office, who would decide on the petition
    seeing masks; it waits for a reader, back or newly named."""
    petition = _petition_at_the_office(app)
    with session_factory_of(app).begin() as s:
        people.set_active(s, SYSTEM, "keeper", False)
    for person in IN_THE_OFFICE_WITHOUT_THE_RIGHT:
        assert _claimable(app, person, "group") == (set(), 0), person
        with pytest.raises(NotAllowed) as refused:
            act(app, person, tasks.claim, petition.task_id)
        assert refused.value.reason == "task_for_confidential_readers"
    with session_factory_of(app).begin() as s:
        people.set_active(s, SYSTEM, "keeper", True)
    assert act(app, "keeper", tasks.claim, petition.task_id).assignee == "keeper"


def test_the_arrival_is_told_only_to_those_who_may_take_it(app):
    """The office's petition task is announced to the office's readers (head, and keeper had she
    not started it herself), not to the others of the office, who could not claim it; with no
    reader active nobody is told, and the start says nobody can take it."""
    create_people(app, "head")
    petition = _petition_at_the_office(app)
    assert _told(app, petition.task_id) == {"head"}
    with session_factory_of(app).begin() as s:
        people.set_active(s, SYSTEM, "keeper", False)
        people.set_active(s, SYSTEM, "head", False)
    data = {"subject": "另一封来信", **PETITIONER, "unit": "office"}
    started = act(app, "office_admin", cases.start_instance, "petition_min", data)
    [waiting] = started.open_tasks
    assert waiting.nobody_to_take is True
    assert _told(app, waiting.task_id) == set()


def test_a_start_that_opens_a_task_nobody_can_take_says_so_at_every_door(app, as_user, tmp_path):
    """With the office's readers deactivated, a petition sent to the office starts (nothing is
    refused for it), and the page, the API and the command line say its task waits for nobody."""
    with session_factory_of(app).begin() as s:
        people.set_active(s, SYSTEM, "keeper", False)
    data = {"subject": "另一封来信", **PETITIONER, "unit": "office"}
    client = as_user("office_admin")
    page = client.post("/start/petition_min", data=data, follow_redirects=True)
    said = web.text_of(page)
    assert "已发起：另一封来信" in said
    assert "注意：目前没有在用的人员能办理「办理答复」（镇人大办）。" in said
    assert "请管理员在“系统管理 → 用户”中添加或恢复人员" in said
    api = client.post("/api/v1/instances", json={"process_key": "petition_min", "data": data}, headers=_csrf(client))
    assert api.status_code == 201, api.get_json()
    [opened] = api.get_json()["open_tasks"]
    assert api.get_json()["nobody_to_take"] == [opened["task_id"]]
    result = app.test_cli_runner().invoke(
        args=["start", "petition_min", *[f"--var={k}={v}" for k, v in data.items()], "--user", "office_admin"]
    )
    assert result.exit_code == 0, result.output
    assert "warning: no active person can take 办理答复" in result.output


def _csrf(client) -> dict[str, str]:
    page = client.get("/start/petition_min").get_data(as_text=True)
    return {"X-CSRFToken": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}


def _told(app: Flask, task_id: str) -> set[str]:
    """Who was told that the task arrived (新任务)."""
    with session_factory_of(app)() as s:
        return set(
            s.scalars(
                select(Notification.username)
                .join(WorkItem, WorkItem.id == Notification.work_item_id)
                .where(WorkItem.task_id == task_id, Notification.kind == NotificationKind.TASK)
            )
        )


def test_what_is_withheld_is_asked_only_of_whoever_shares_an_offer_with_a_reader(app):
    """The petition officer's groups (her roles too: a task offered to 办事员 reaches her) and
    name; nothing for her, who may read, nor for the finance unit, offered nothing she is (its
    inbox's statements stay as they were)."""
    _petition_at_the_office(app)
    with session_factory_of(app)() as s:
        petition = repo.latest_definition_head(s, "petition_min")
    assert act(app, "clerk", taking.withheld_from) == repo.Withheld(
        definition_ids=(petition.id,), groups=("office", "officer", "petition_officer", "镇人大办"), users=("keeper",)
    )
    assert act(app, "keeper", taking.withheld_from) is None
    assert act(app, "finance", taking.withheld_from) is None


def test_the_process_filter_offers_no_process_whose_tasks_are_all_kept(app):
    _petition_at_the_office(app)
    start_review(app, "clerk")
    assert [key for key, _name in _inbox(app, "clerk", "group").processes] == ["review"]
    assert [key for key, _name in _inbox(app, "keeper", "group").processes] == ["petition_min", "review"]


# -- the page ------------------------------------------------------------------------------------
def _tab_counts(html: str) -> dict[str, int]:
    # the current tab carries aria-current; its count is read apart from its name (，)
    counted = r'data-tab="(\w+)"[^>]*>[^<]*<span class="count"><span class="visually-hidden">，</span>(\d+)</span>'
    return {t: int(n) for t, n in re.findall(counted, html)}


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-task-id="([^"]+)">', html)


def test_the_inbox_page_lists_and_counts_only_what_the_reader_may_take(app, as_user):
    petition = _petition_at_the_office(app)
    review = start_review(app, "clerk")
    html = web.text_of(as_user("office_supervisor").get("/?tab=group"))
    assert _tab_counts(html) == {"mine": 0, "group": 1, "all": 2}
    assert _rows(html) == [review.task_id]
    html = web.text_of(as_user("office_supervisor").get("/?tab=all"))
    assert set(_rows(html)) == {petition.task_id, review.task_id}
    html = web.text_of(as_user("clerk").get("/"))  # holding nothing, the default tab is 待签收
    assert 'class="on" data-tab="group"' in html and _rows(html) == [review.task_id]
    assert _tab_counts(html) == {"mine": 0, "group": 1}
    html = web.text_of(as_user("keeper").get("/?tab=group"))
    assert _tab_counts(html) == {"mine": 0, "group": 2}
    assert set(_rows(html)) == {petition.task_id, review.task_id}
