"""People acting on one case at the same instant, over HTTP: exactly one wins, every other
gets 409 with a reason, nobody gets a 500, and nothing the winner did is lost. Real threads,
each with its own client and database connection, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import Conflict
from engine.usecases import cases
from engine.usecases.context import actor_for
from storage.enums import InstanceStatus
from storage.models import AuditEntry, ProcessInstance
from tests.api import conftest as api
from tests.api.conftest import Caller, World
from tests.world import create_people

pytestmark = pytest.mark.slow  # left out of make test-fast

ROUNDS = 3
RACERS = 4

world = api.world  # the API test world: its people, their tokens, the review process
world_people = api.world_people


def race(*attempts: Callable[[], Any]) -> list[Any]:
    """Run each attempt in its own thread, released at the same instant."""
    barrier = threading.Barrier(len(attempts))
    results: list[Any] = [None] * len(attempts)

    def run(i: int, attempt: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = attempt()
        except Exception as exc:  # the test looks at what each thread got
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def statuses(results: list[Any]) -> list[int]:
    assert not [r for r in results if isinstance(r, Exception)], results
    assert all(r.status_code != 500 for r in results), [
        (r.status_code, r.get_data(as_text=True)[:300]) for r in results
    ]
    return sorted(r.status_code for r in results)


def callers(world: World, username: str, n: int) -> list[Caller]:
    """``n`` clients of one person (their token made before the race)."""
    world.token(username)
    return [world.as_(username) for _ in range(n)]


def audits(world: World, case_id: int, action: str) -> int:
    with world.factory() as s:
        return s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.instance_id == case_id, AuditEntry.action == action)
        )


def test_concurrent_cancels_of_one_case_one_wins(world):
    for round_no in range(ROUNDS):
        case = world.to_unit("finance", subject=f"撤销 {round_no}")
        admins = callers(world, "admin", RACERS)
        path = f"/instances/{case['case']}/cancel"
        results = race(
            *[lambda a=a, n=n, p=path: a.post(p, json={"reason": f"重复 {n}"}) for n, a in enumerate(admins)]
        )
        assert statuses(results) == [204] + [409] * (RACERS - 1)
        for lost in (r for r in results if r.status_code == 409):
            body = lost.get_json()
            assert body["code"] == "conflict" and body["message"], body
        assert world.as_("admin").get(f"/instances/{case['case']}").get_json()["status"] == "cancelled"
        assert audits(world, case["case"], "cancel") == 1


def test_cancel_racing_a_completion_one_wins(world):
    """Whichever takes the case's lock first wins. A cancel first: the completion is told
    the task is no longer open. A completion first: the case still runs (the next task is
    open), so the cancel that follows is a cancel like any other."""
    for round_no in range(ROUNDS * 2):
        case = world.to_unit("finance", subject=f"撤销或办理 {round_no}")
        [admin], [fin] = callers(world, "admin", 1), callers(world, "fin", 1)
        cancel_path, reply_path = f"/instances/{case['case']}/cancel", f"/tasks/{case['reply']}/complete"
        cancel, complete = race(
            lambda a=admin, p=cancel_path: a.post(p, json={"reason": "不再办理"}),
            lambda f=fin, p=reply_path: f.post(p, json={"data": {"reply_class": "A", "pages": 2}}),
        )
        assert statuses([cancel, complete]) in ([204, 409], [200, 204]), (
            cancel.status_code,
            cancel.get_json(),
            complete.status_code,
            complete.get_json(),
        )
        if complete.status_code == 409:
            assert "no longer open" in complete.get_json()["message"], complete.get_json()
        assert world.as_("admin").get(f"/instances/{case['case']}").get_json()["status"] == "cancelled"
        assert audits(world, case["case"], "cancel") == 1
        assert audits(world, case["case"], "complete") == 1 + (complete.status_code == 200)


def test_concurrent_claims_one_wins(world):
    people = [f"fin_{n}" for n in range(RACERS)]  # finance officers of tests.world.ROSTER
    create_people(world.factory, *people)
    for round_no in range(ROUNDS):
        case = world.to_unit("finance", subject=f"认领 {round_no}")
        clients = [callers(world, username, 1)[0] for username in people]
        results = race(*[lambda c=c, p=f"/tasks/{case['reply']}/claim": c.post(p) for c in clients])
        assert statuses(results) == [200] + [409] * (RACERS - 1)
        [winner] = [r.get_json()["assignee"] for r in results if r.status_code == 200]
        for lost in (r for r in results if r.status_code == 409):
            assert f"already claimed by {winner}" in lost.get_json()["message"], lost.get_json()
        assert audits(world, case["case"], "claim") == 1


def test_the_lock_reads_what_the_previous_writer_committed(world):
    """A session that read the case before (it stays in its identity map) and then locks
    it must see the other writer's commit, not its own stale copy: else its versioned
    UPDATE finds no row (StaleDataError, a 500) and, worse, it acts on a cancelled case."""
    case = world.to_unit("finance", subject="先读后锁")
    with world.factory() as s:
        seen = s.get(ProcessInstance, case["case"])
        assert seen is not None and seen.status == InstanceStatus.RUNNING
        s.commit()  # the session keeps its copy (expire_on_commit=False)
        with world.factory.begin() as other:
            cases.cancel_instance(other, actor_for(other, "admin"), case["case"], "重复")
        with pytest.raises(Conflict, match="already cancelled"):
            cases.cancel_instance(s, actor_for(s, "admin"), case["case"], "也撤销")
        s.rollback()
    assert audits(world, case["case"], "cancel") == 1


class _PgError(Exception):
    def __init__(self, sqlstate: str):
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    "error",
    [
        StaleDataError("UPDATE statement on table 'process_instances' expected to update 1 row(s); 0 were matched."),
        OperationalError("UPDATE process_instances ...", {}, _PgError("40001")),  # serialization failure
        OperationalError("UPDATE process_instances ...", {}, _PgError("40P01")),  # deadlock detected
    ],
)
def test_a_lost_race_the_locks_did_not_prevent_is_409_with_the_reason(world, monkeypatch, error):
    case = world.to_unit("finance", subject="安全网")

    def lose(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(cases, "cancel_instance", lose)
    response = world.as_("admin").post(f"/instances/{case['case']}/cancel", json={"reason": "重复"})
    assert response.status_code == 409
    assert response.get_json() == {
        "code": "conflict",
        "fields": {},
        "codes": {},
        "message": "this case was changed by someone else meanwhile; reload it and try again",
        "said": {
            "language": "zh_CN",
            "title": "状态已变化",
            "text": "您提交时，此案件正好被他人修改，您的操作没有保存。",
            "hint": "请刷新页面，确认最新内容后再操作一次。",
            "fields": {},
        },
    }


def test_other_database_errors_are_not_passed_off_as_races(world, monkeypatch):
    case = world.to_unit("finance", subject="别的错误")

    def broken(*_args, **_kwargs):
        raise OperationalError("SELECT nope", {}, _PgError("42P01"))  # undefined table: a bug

    monkeypatch.setattr(cases, "cancel_instance", broken)
    with pytest.raises(OperationalError):
        world.as_("admin").post(f"/instances/{case['case']}/cancel", json={"reason": "重复"})
