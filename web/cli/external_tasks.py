"""External tasks from the command line: ``external-tasks list`` shows every external task
waiting for a worker (of one ``--topic``), who holds it until when, its retries and the error
last reported (engine/usecases/external_task_list.py), for ``external_task.work`` or
``incident.manage``. Workers themselves use the API (/api/v1/external-tasks)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from engine.usecases import external_task_list
from engine.usecases.context import actor_for

from ..database import session_factory
from .common import counted, emit, json_option, use_case, user_option


@click.group("external-tasks")
def external_tasks_group() -> None:
    """Service tasks waiting for workers outside the product (camunda:type="external")."""


def _line(task: external_task_list.ExternalTaskView) -> str:
    held = f"held by {task.worker_id} until {task.lock_expires_at:%Y-%m-%d %H:%M:%S}" if task.state == "locked" else ""
    retry = f"again at {task.retry_at:%Y-%m-%d %H:%M:%S}" if task.state == "backing_off" and task.retry_at else ""
    retries = "" if task.retries is None else f"{task.retries} retries left"
    facts = "; ".join(part for part in (task.state, held, retry, retries) if part)
    error = f": {task.error_message}" if task.error_message else ""
    return f"#{task.id} [{task.topic}] case {task.instance_id} at {task.bpmn_id} ({facts}){error}"


@external_tasks_group.command("list")
@with_appcontext
@click.option("--topic", default="", help="only this topic")
@user_option
@json_option
@use_case
def list_command(topic: str, username: str, as_json: bool) -> None:
    """Every external task waiting for a worker, by topic (times in UTC)."""
    with session_factory()() as session:
        found = external_task_list.list_external_tasks(session, actor_for(session, username), topic=topic)
    emit(as_json, found, lambda rows: "\n".join([counted(len(rows), "external task"), *map(_line, rows)]))
