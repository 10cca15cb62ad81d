"""A claimed task through the API: the whole role × action matrix (pages, API and command
line alike) is tests/access/test_matrix.py."""

OK, FORBIDDEN, NOT_FOUND, CONFLICT = 200, 403, 404, 409


def test_other_unit_cannot_touch_a_claimed_task(world):
    case = world.to_unit("finance")
    task = case["reply"]
    assert world.as_("fin").post(f"/tasks/{task}/claim").status_code == OK
    # a colleague sees the task but may not act on it: it was offered to him too, so acting on it
    # is told as a race lost (409, who holds it since when), giving it back as a permission
    # (only its holder does); another unit does not even see it
    for username, refused, taken in (("fin2", FORBIDDEN, CONFLICT), ("landy", NOT_FOUND, NOT_FOUND)):
        caller = world.as_(username)
        assert caller.post(f"/tasks/{task}/unclaim").status_code == refused
        assert caller.post(f"/tasks/{task}/complete", json={"data": {"reply_class": "A"}}).status_code == taken
        assert caller.post(f"/tasks/{task}/hand-over", json={"to": username}).status_code == taken
        assert caller.put(f"/tasks/{task}/draft", json={"data": {}}).status_code == taken
    assert world.as_("landy").get(f"/tasks/{task}").status_code == NOT_FOUND
    seen = world.as_("fin2").get(f"/tasks/{task}").get_json()
    assert (seen["can_act"], seen["can_claim"], seen["can_give_back"]) == (False, False, False)
    assert world.as_("admin").post(f"/tasks/{task}/unclaim").status_code == OK
