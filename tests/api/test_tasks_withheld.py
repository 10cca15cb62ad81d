"""The API's task list offers a reader only the tasks he may take: the office's petition task,
offered where the petition officer reads the petitioner's identity, is not in the list of a
supervisor who sits in the office and may not read it (claiming it is refused), nor in its
total; a case without confidential fields offered to the office still is. The command line's
``tasks`` reads the same list."""

from __future__ import annotations

import json

import pytest

from tests.world import start_petition, start_review

# the office's petition officer, a supervisor of the office who may not read the identity, and
# an officer of the office to start the review case
PEOPLE = ("keeper", "office_supervisor", "clerk")


@pytest.fixture
def world_people() -> tuple[str, ...]:
    return PEOPLE


def _listed(world, person: str, scope: str) -> tuple[set[str], int]:
    answer = world.as_(person).get(f"/tasks?scope={scope}").get_json()
    return {t["task_id"] for t in answer["items"]}, answer["total"]


def test_the_task_list_leaves_out_what_the_reader_may_not_take(world):
    petition = start_petition(world.app, "keeper", unit="office")
    review = start_review(world.app, "clerk")
    for scope in ("group", "open"):
        assert _listed(world, "office_supervisor", scope) == ({review.task_id}, 1), scope
        assert _listed(world, "keeper", scope) == ({petition.task_id, review.task_id}, 2), scope
    assert _listed(world, "office_supervisor", "all") == ({petition.task_id, review.task_id}, 2)
    refused = world.as_("office_supervisor").post(f"/tasks/{petition.task_id}/claim")
    assert refused.status_code == 403  # what the list no longer offers


def test_the_command_lines_task_list_leaves_it_out_too(world):
    start_petition(world.app, "keeper", unit="office")
    review = start_review(world.app, "clerk")
    result = world.app.test_cli_runner().invoke(args=["tasks", "--user", "office_supervisor", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert listed["total"] == 1 and [t["task_id"] for t in listed["tasks"]] == [review.task_id]
