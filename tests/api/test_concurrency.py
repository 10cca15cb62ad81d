"""Two officers complete the same task through the API at the same instant: exactly one
200, the other 409 with a message that says who was first. Real threads, real databases."""

import threading

from sqlalchemy import func, select

from storage.models import AuditEntry
from tests.world import start_review

ROUNDS = 3


def _race(world, task_id, users):
    callers = {u: world.as_(u) for u in users}  # tokens made before the race
    barrier = threading.Barrier(len(users))
    results = {}

    def attempt(username):
        barrier.wait()
        results[username] = callers[username].post(
            f"/tasks/{task_id}/complete", json={"data": {"lead_unit": f"unit_of_{username}"}}
        )

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_concurrent_complete_exactly_one_wins(world):
    for round_no in range(ROUNDS):
        case = start_review(world.app, "clerk", f"并发 {round_no}")
        task_id = case.task_id
        results = _race(world, task_id, ["clerk", "clerk2"])
        statuses = sorted(r.status_code for r in results.values())
        assert statuses == [200, 409], {u: (r.status_code, r.get_json()) for u, r in results.items()}
        [winner] = [u for u, r in results.items() if r.status_code == 200]
        [loser] = [r.get_json() for r in results.values() if r.status_code == 409]
        assert loser["code"] in ("already_completed", "conflict")
        assert winner in loser["message"] or "changed by someone else" in loser["message"]
        detail = world.as_("clerk").get(f"/instances/{case.id}").get_json()
        assert detail["variables"]["lead_unit"] == f"unit_of_{winner}"
        with world.factory() as s:
            completions = s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.instance_id == case.id, AuditEntry.action == "complete")
            )
        assert completions == 1
