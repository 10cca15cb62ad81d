"""Deploy's warnings about who holds a process's user tasks, checked against the people and
units of this installation: a candidate group that is no unit (by code or name) and no role,
or a user name with no account, is offered to no one, and the first case to reach the task
would wait there unseen. A warning, not a refusal: the unit or the account may be created
after the process (an installation's setup deploys first); the engine's own checks that a
task names someone at all are in engine.bpmn.task_checks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.enums import Role

from ..bpmn.camunda import is_expression
from ..bpmn.parsing import ParsedProcess
from ..errors import Problem


def holder_warnings(session: Session, process: ParsedProcess, file: str) -> tuple[Problem, ...]:
    """One warning per user task and group or person named literally (an expression is
    worked out per case: not checked here) that no one here is."""
    units = repo.department_choices(session)
    # a monitoring system's account (Role.MONITOR) reads the metrics and is no one to hand work to
    groups = {role.value for role in Role if role != Role.MONITOR} | set(units) | set(units.values())
    named = {
        name
        for meta in process.tasks.values()
        for name in (*meta.candidate_users, *((meta.assignee,) if meta.assignee else ()))
        if not is_expression(name)
    }
    people = repo.existing_usernames(session, named)
    warnings = []
    for meta in process.tasks.values():
        for group in meta.candidate_groups:
            if group == Role.MONITOR.value:
                warnings.append(
                    Problem(
                        f"user task '{meta.bpmn_id}' is offered to the group {group!r}: that role is a monitoring "
                        "system's account, which reads the metrics and takes no task",
                        file,
                        None,
                        meta.bpmn_id,
                    )
                )
            elif not is_expression(group) and group not in groups:
                warnings.append(
                    Problem(
                        f"user task '{meta.bpmn_id}' is offered to the group {group!r}, which is no unit "
                        "(code or name) or role here: no one would get it",
                        file,
                        None,
                        meta.bpmn_id,
                    )
                )
        for user in (*meta.candidate_users, *((meta.assignee,) if meta.assignee else ())):
            if not is_expression(user) and user not in people:
                warnings.append(
                    Problem(
                        f"user task '{meta.bpmn_id}' names the user {user!r}, who has no account here: "
                        "no one would get it",
                        file,
                        None,
                        meta.bpmn_id,
                    )
                )
    return tuple(warnings)
