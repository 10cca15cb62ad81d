"""期限延续 (a done step whose period the next row of the same step carries on) is judged
within the step's own round: rounds side by side of one multi-instance share the step's element,
its name (a deputy's score of each unit is 评分 · his name) and its due date, yet one round's
next row does not carry on another round's period.

tests/fixtures/report_scored_again.bpmn: each unit's report is scored by the deputies, each in a
round of his own inside the unit's round, all due on the same day; a deputy may take his score
back to give it again in the same round (再评一次), which carries its period on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.usecases import cases, tasks
from engine.usecases.case_deadlines import DeadlineState, case_steps
from storage.models import WorkItem
from tests.web.test_gone_rounds_hidden import rows_of
from tests.world import act, create_people, deploy
from web import database


def scores_of(app, case_id: int) -> list[str]:
    """The task ids of the case's scores, in the order they came."""
    with database.session_factory(app)() as s:
        return list(
            s.scalars(
                select(WorkItem.task_id)
                .where(WorkItem.instance_id == case_id, WorkItem.bpmn_id == "score")
                .order_by(WorkItem.created_at, WorkItem.id)
            )
        )


def states_of(app, case_id: int) -> dict[str, DeadlineState]:
    with database.session_factory(app)() as s:
        return {step.task_id: step.state for step in case_steps(s, case_id, clock.now())}


@pytest.fixture
def scored(app, frozen_clock) -> tuple[int, dict[tuple[str, str], str]]:
    """report_scored_again.bpmn, land's report given a day before finance's: (case id, each
    score's task id by (unit, deputy))."""
    create_people(app, "landy", "wang", "li")
    deploy(app, "report_scored_again.bpmn")
    case_id = act(app, "office1", cases.start_instance, "report_scored_again", {}).id
    with database.session_factory(app)() as s:
        reports = {
            i.candidate_groups[0]: i.task_id
            for i in s.scalars(select(WorkItem).where(WorkItem.instance_id == case_id, WorkItem.bpmn_id == "report"))
        }
    for unit, officer in (("land", "landy"), ("finance", "finance1")):
        act(app, officer, tasks.claim, reports[unit])
        act(app, officer, tasks.complete, reports[unit], {})
        clock.advance(timedelta(hours=1))
    order = [(unit, deputy) for unit in ("land", "finance") for deputy in ("wang", "li")]
    return case_id, dict(zip(order, scores_of(app, case_id), strict=True))


def test_a_score_done_is_not_carried_on_by_another_units_round(app, as_user, scored):
    """wang scores land's report again (his land round's period carries on), then finance's:
    his score of finance, done in time, was followed by his next score of land, which is
    another round's."""
    case_id, ids = scored
    act(app, "wang", tasks.complete, ids["land", "wang"], {"decision": "again"})
    clock.advance(timedelta(hours=1))
    act(app, "wang", tasks.complete, ids["finance", "wang"], {"decision": "done"})
    again = scores_of(app, case_id)[-1]

    states = states_of(app, case_id)
    assert states[ids["land", "wang"]] == DeadlineState.CARRIED  # really carried on, in his land round
    assert states[ids["finance", "wang"]] == DeadlineState.MET
    assert states[again] == DeadlineState.OPEN
    page = as_user("office1").get(f"/cases/{case_id}").get_data(as_text=True)
    assert sorted(rows_of(page, "deadlines")) == [("score", "carried"), ("score", "met")] + [("score", "open")] * 3


def test_a_score_done_while_another_round_is_open_is_met(app, scored):
    """wang scores land's report; his score of finance, a later row of the same name and due
    date, is still open: land's score ended its period on time."""
    case_id, ids = scored
    act(app, "wang", tasks.complete, ids["land", "wang"], {"decision": "done"})
    assert states_of(app, case_id)[ids["land", "wang"]] == DeadlineState.MET


def test_the_judgement_stands_once_the_rounds_are_over(app, scored):
    """Every score given, the units' rounds done (the case at 汇总): wang's first score of land
    carried on into his second, his score of finance ended its own period."""
    case_id, ids = scored
    act(app, "wang", tasks.complete, ids["land", "wang"], {"decision": "again"})
    act(app, "wang", tasks.complete, ids["finance", "wang"], {"decision": "done"})
    again = scores_of(app, case_id)[-1]
    act(app, "wang", tasks.complete, again, {"decision": "done"})
    for unit in ("land", "finance"):
        act(app, "li", tasks.complete, ids[unit, "li"], {"decision": "done"})

    states = states_of(app, case_id)
    assert [states[ids["land", "wang"]], states[ids["finance", "wang"]], states[again]] == [
        DeadlineState.CARRIED,
        DeadlineState.MET,
        DeadlineState.MET,
    ]
    assert [states[ids[unit, "li"]] for unit in ("land", "finance")] == [DeadlineState.MET] * 2
