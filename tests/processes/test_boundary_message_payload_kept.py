"""A non-interrupting boundary message starts a path of its own beside the task it is
attached to (SpiffWorkflow gives each path its own copy of the data): what the message
carries is on the new path, and the case shows it at once; the task it is attached to keeps
the copy it was given, as it was before the message. Once both paths ended, the case keeps
what the message brought and what was done after it, whichever path ended last: the path of
the task it is attached to ending last does not bring back its older copy."""

from __future__ import annotations

import pytest

from engine.usecases import cases, definitions, messages, tasks
from engine.usecases.context import SYSTEM
from storage.enums import InstanceStatus
from tests.world import create_people

from .conftest import act, bpmn_process, one, open_ids, status, variables
from .test_delivered_values_win import DECLARED, MESSAGE, boundary


@pytest.fixture
def township(people):
    create_people(people, "admin", "office1")
    body = boundary(MESSAGE, interrupting=False)  # start → draft (the message on it) → end; message → check → end
    with people.begin() as s:
        definitions.deploy(s, bpmn_process("noted", body, DECLARED).encode(), "noted.bpmn", SYSTEM)
    return people


def test_what_a_non_interrupting_message_brought_stays_the_cases_when_the_task_it_is_on_ends_last(township):
    case_id = act(
        township,
        "clerk",
        cases.start_instance,
        "noted",
        {"amount": 100, "note": "原"},
        business_key="K-1",
        validate=False,
    ).id
    act(
        township,
        "admin",
        messages.send_message,
        "reply",
        business_key="K-1",
        variables={"amount": 120, "reason": "追加"},
    )
    assert open_ids(township, case_id) == ["check", "draft"]
    shown = variables(township, case_id)
    assert (shown["amount"], shown["reason"], shown["note"]) == (120, "追加", "原")
    # the task the message is attached to holds the copy it was given before the message
    draft = act(township, "office1", tasks.task_detail, one(township, case_id, "draft").task_id).data
    assert (draft["amount"], "reason" in draft) == (100, False)
    act(township, "office1", tasks.complete, one(township, case_id, "check").task_id, {"amount": 130})
    act(township, "office1", tasks.complete, one(township, case_id, "draft").task_id, {})
    assert status(township, case_id) == InstanceStatus.COMPLETED
    shown = variables(township, case_id)
    assert (shown["amount"], shown["reason"], shown["note"]) == (130, "追加", "原")
