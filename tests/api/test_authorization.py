"""The authorization matrix: each role × each API action on a task of the finance unit
(a review case the office registered and sent to finance). A user of another unit can
neither see nor act on it."""
import pytest

OK, CREATED, FORBIDDEN = 200, 201, 403

ACTIONS = ("in_my_inbox", "list_all", "task", "case", "comment", "start", "claim", "complete")

# user: expected outcome of each action, in ACTIONS order
MATRIX = {
    "fin":      (True, FORBIDDEN, OK, OK, CREATED, CREATED, OK, OK),                    # finance officer
    "fin2":     (True, FORBIDDEN, OK, OK, CREATED, CREATED, OK, OK),                    # finance officer
    "landy":    (False, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED, FORBIDDEN, FORBIDDEN),  # other unit
    "clerk":    (False, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, CREATED, FORBIDDEN, FORBIDDEN),     # started the case
    "chair":    (False, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED, FORBIDDEN, FORBIDDEN),
    "boss":     (False, OK, OK, OK, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN),           # supervisor: sees, acts not
    "admin":    (False, OK, OK, OK, CREATED, CREATED, FORBIDDEN, FORBIDDEN),
    "designer": (False, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "deputy":   (False, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
}


def _outcomes(world, username):
    case = world.to_unit("finance")
    task, caller = case["reply"], world.as_(username)
    inbox = caller.get("/tasks").get_json()
    return {
        "in_my_inbox": task in {t["task_id"] for t in inbox["items"]},
        "list_all": caller.get("/tasks?scope=all").status_code,
        "task": caller.get(f"/tasks/{task}").status_code,
        "case": caller.get(f"/instances/{case['case']}").status_code,
        "comment": caller.post(f"/tasks/{task}/comments", json={"body": "意见"}).status_code,
        "start": caller.post("/instances", json={"process_key": "review", "data": {"subject": "新案"}}).status_code,
        "claim": caller.post(f"/tasks/{task}/claim").status_code,
        "complete": caller.post(f"/tasks/{task}/complete", json={"data": {"reply_class": "A"}}).status_code,
    }


@pytest.mark.parametrize("username", sorted(MATRIX))
def test_matrix(world, username):
    assert _outcomes(world, username) == dict(zip(ACTIONS, MATRIX[username]))


def test_other_unit_cannot_touch_a_claimed_task(world):
    case = world.to_unit("finance")
    task = case["reply"]
    assert world.as_("fin").post(f"/tasks/{task}/claim").status_code == OK
    for username in ("fin2", "landy"):
        caller = world.as_(username)
        assert caller.post(f"/tasks/{task}/unclaim").status_code == FORBIDDEN
        assert caller.post(f"/tasks/{task}/complete", json={"data": {"reply_class": "A"}}).status_code == FORBIDDEN
        assert caller.post(f"/tasks/{task}/hand-over", json={"to": username}).status_code == FORBIDDEN
        assert caller.put(f"/tasks/{task}/draft", json={"data": {}}).status_code == FORBIDDEN
    assert world.as_("landy").get(f"/tasks/{task}").status_code == FORBIDDEN
    assert world.as_("fin2").get(f"/tasks/{task}").status_code == FORBIDDEN  # claimed: only the holder
    assert world.as_("admin").post(f"/tasks/{task}/unclaim").status_code == OK
