"""The case list reads the access rule as a set of ids (``visibility.visible_cases``), the
check of one case reads it case by case (``case_visibility``): both are built from the same
ways of seeing a case (``visibility._Ways``), and they agree, for every kind of person, on a
small world whose every case is seen through one way (or through none: the traps).

And the list reads that set through the indexes by person (migration e4a8c2f6b0d3): on
SQLite, whose planner has no statistics on a fresh database, a plan over every work item
would not show at 20 rows but does at 100,000 cases (bench/desk.py's case list)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from engine.usecases import case_list
from engine.usecases.context import actor_for
from engine.usecases.visibility import may_see_case, visible_cases
from storage.models import CaseDeputy, ProcessDefinition, ProcessInstance, WorkItem, WorkItemGroup
from tests.world import create_people, deploy, statements_sent

PEOPLE = ("clerk", "finance", "civil", "landy", "wang", "deputy", "supervisor")
AT = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)

# case id → (started by, its work items: (assignee, completed by, offered to: (group or user, is_user)),
# its deputies); every case but 1 started by office1, who is nobody here
CASES: dict[int, tuple[str, list[tuple[str | None, str | None, list[tuple[str, bool]]]], list[str]]] = {
    1: ("clerk", [], []),  # started by the clerk
    2: ("office1", [("finance", None, [("office", False)])], []),  # assigned to finance, offered to the office
    3: ("office1", [(None, "civil", [("land", False)])], []),  # completed by civil (offered to land: landy too)
    4: ("office1", [(None, None, [("finance", False)])], []),  # offered to finance's unit
    5: ("office1", [(None, None, [("civil", True)])], []),  # offered to civil by name
    6: ("office1", [], ["wang"]),  # wang's proposal (a case_deputies row)
    # the traps: a group named as a person (civil is no group), a person named as a group (the
    # office is no person), a task of another finance officer's offered to no unit of theirs
    7: ("office1", [(None, None, [("civil", False)])], []),
    8: ("office1", [(None, None, [("office", True)])], []),
    9: ("office1", [("finance2", "finance2", [("财政所x", False)])], []),
}
# who sees which case, written by hand from the table above
SEES = {
    "clerk": {1, 2},  # started 1; 2 offered to the office (镇人大办 is the office's name, no task's)
    "finance": {2, 4},
    "civil": {3, 5},
    "landy": {3},
    "wang": {6},
    "deputy": set(),
    "supervisor": set(CASES),  # case.view_all
}


@pytest.fixture
def world(session_factory):
    create_people(session_factory, *PEOPLE)
    deploy(session_factory, "review.bpmn")
    with session_factory.begin() as s:
        definition_id = s.scalar(select(func.min(ProcessDefinition.id)))
        item = 0
        for case_id, (starter, items, deputies) in CASES.items():
            started = AT + timedelta(minutes=case_id)
            s.execute(
                insert(ProcessInstance),
                [
                    {
                        "id": case_id,
                        "definition_id": definition_id,
                        "business_key": f"V-{case_id}",
                        "title": f"案件{case_id}",
                        "status": "running",
                        "workflow_json": "{}",
                        "serializer_version": "test",
                        "revision": 1,
                        "started_by": starter,
                        "started_at": started,
                        "updated_at": started,
                    }
                ],
            )
            for assignee, completed_by, offered in items:
                item += 1
                s.execute(
                    insert(WorkItem),
                    [
                        {
                            "id": item,
                            "instance_id": case_id,
                            "task_id": f"task-{item}",
                            "bpmn_id": "Task",
                            "name": "办理",
                            "assignee": assignee,
                            "state": "completed" if completed_by else "ready",
                            "created_at": started,
                            "completed_at": started if completed_by else None,
                            "completed_by": completed_by,
                        }
                    ],
                )
                for group, is_user in offered:
                    s.execute(
                        insert(WorkItemGroup),
                        [{"work_item_id": item, "group": group, "is_user": is_user, "ready": not completed_by}],
                    )
            for deputy in deputies:
                s.execute(insert(CaseDeputy), [{"instance_id": case_id, "deputy": deputy, "cosigner": False}])
    return session_factory


@pytest.mark.parametrize("who", list(SEES))
def test_the_list_and_the_check_of_one_case_agree(world, who):
    with world() as s:
        actor = actor_for(s, who)
        rows, total = case_list.list_cases(s, actor, case_list.CaseFilter(limit=100))
        listed = [r.id for r in rows]
        one_by_one = {i for i in CASES if may_see_case(s, actor, s.get(ProcessInstance, i))}
    assert listed == sorted(SEES[who], reverse=True)  # newest first
    assert total == len(SEES[who])
    assert one_by_one == SEES[who]


@pytest.mark.parametrize("who", ["finance", "civil"])
def test_the_list_pages_and_filters_within_what_one_sees(world, who):
    with world() as s:
        actor = actor_for(s, who)
        first, total = case_list.list_cases(s, actor, case_list.CaseFilter(limit=1))
        second, _ = case_list.list_cases(s, actor, case_list.CaseFilter(limit=1, offset=1))
        found, found_total = case_list.list_cases(s, actor, case_list.CaseFilter(text="案件4"))
    newest, older = sorted(SEES[who], reverse=True)
    assert ([r.id for r in first], [r.id for r in second], total) == ([newest], [older], 2)
    assert ([r.id for r in found], found_total) == (([4], 1) if who == "finance" else ([], 0))


def test_the_list_of_one_who_does_not_see_every_case_reads_their_tasks_by_person(world):
    """SQLite's plan of the list's ids: the work items by assignee and by completer through
    their indexes, not a scan of every work item (nor a correlated check of every case)."""
    if world.kw["bind"].dialect.name != "sqlite":
        pytest.skip("the plan asserted is SQLite's")
    with world() as s:
        condition = visible_cases(actor_for(s, "finance"))
        assert condition is not None
        statement = select(ProcessInstance.id).where(condition)
        compiled = statement.compile(dialect=s.bind.dialect, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[-1] for row in s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "ix_work_items_assignee_done (assignee=?)" in plan, plan
    assert "ix_work_items_ready_assignee (assignee=?)" in plan, plan
    assert "ix_work_items_completed_by_instance (completed_by=?)" in plan, plan
    assert "CORRELATED" not in plan, plan


def _listed(world, who: str, flt: case_list.CaseFilter) -> tuple[list[int], int, list[str]]:
    """The ids of ``who``'s list under ``flt``, its total, and the statements it sent."""
    with world() as s:
        actor = actor_for(s, who)
        with statements_sent(s.get_bind()) as sent:
            rows, total = case_list.list_cases(s, actor, flt)
    return [r.id for r in rows], total, sent


def test_the_total_and_the_page_build_the_readers_set_once(world):
    """finance's set (the items offered to their unit, ~53,000 for a unit's officer at 100,000
    cases) is read by one statement for the total and the page together, not built by a count
    and again by the page; a page past the end still says the total."""
    ids, total, sent = _listed(world, "finance", case_list.CaseFilter(limit=1))
    assert (ids, total) == ([4], 2)
    assert len([statement for statement in sent if "work_item_groups" in statement]) == 1, sent
    assert _listed(world, "finance", case_list.CaseFilter(limit=1, offset=5))[:2] == ([], 2)


# the check of one case, correlated with the list's row: how a narrow filter's cases are checked
CASE_BY_CASE = "work_items.instance_id = process_instances.id"


@pytest.mark.parametrize("who", [who for who in SEES if who != "supervisor"])  # who sees all has no check
def test_a_filter_leaving_few_cases_has_each_checked_and_finds_what_the_set_finds(world, monkeypatch, who):
    """Every case here is running: the filter leaves 9 cases, at most FEW_CASES, so each is
    checked for the reader rather than against their whole set; with fewer allowed, the set.
    Either way the same rows and total."""
    running = case_list.CaseFilter(status="running", limit=100)
    few, few_total, few_sent = _listed(world, who, running)
    monkeypatch.setattr(case_list, "FEW_CASES", len(CASES) - 1)
    many, many_total, many_sent = _listed(world, who, running)
    assert few == many == sorted(SEES[who], reverse=True)
    assert few_total == many_total == len(SEES[who])
    checked_one_by_one = [any(CASE_BY_CASE in statement for statement in sent) for sent in (few_sent, many_sent)]
    assert checked_one_by_one == [True, False]
