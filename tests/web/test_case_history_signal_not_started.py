"""A signal a case threw with its 编号 started no case of a process whose running case holds that
编号 already (engine/usecases/thrown_signals.py: the throw's entry lists it, ``not_started``).
Nobody was refused it then: the case's history says it, on its page and in its download, in
Chinese and in English, the process by its name and the case holding the 编号 by its number."""

from __future__ import annotations

import csv
import html
import io
import re

from sqlalchemy import select

from engine.usecases import cases, definitions, tasks
from engine.usecases.context import SYSTEM
from storage.models import ProcessDefinition, ProcessInstance, WorkItem
from tests.processes.test_thrown_signals import ALARM, ON_RECESS
from tests.web.conftest import text_of
from tests.world import act, session_factory_of

KEY = "2027-05"
NAMED = ON_RECESS.replace('<bpmn:process id="on_recess"', '<bpmn:process id="on_recess" name="休会处理"')


def alarm_decided(app) -> int:
    """An alarm case with the 编号 KEY, started by office1, its 决定 done: its signal thrown."""
    case_id = act(
        app, "office1", cases.start_instance, "alarm", {"reason": "台风", "hours": 1}, business_key=KEY, validate=False
    ).id
    with session_factory_of(app)() as s:
        task_id = s.scalar(select(WorkItem.task_id).where(WorkItem.instance_id == case_id))
    act(app, "office1", tasks.complete, task_id, {})
    return case_id


def the_held(app) -> tuple[int, int]:
    """(the alarm whose throw started no case, the on_recess case holding KEY)."""
    with session_factory_of(app).begin() as s:
        for number, source in enumerate((ALARM, NAMED)):
            definitions.deploy(s, source.encode(), f"p{number}.bpmn", SYSTEM)
    alarm_decided(app)  # starts the on_recess case with KEY, and ends (freeing KEY for an alarm)
    with session_factory_of(app)() as s:
        holder = s.scalar(
            select(ProcessInstance.id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessDefinition.key == "on_recess")
        )
    return alarm_decided(app), holder


def history_items(page: str) -> list[str]:
    part = page.split('id="history"', 1)[1].split("</ol>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in re.findall(r"<li[^>]*>(.*?)</li>", part)]


def test_the_case_page_says_the_case_the_signal_did_not_start(app, as_user):
    alarm, holder = the_held(app)
    client = as_user("office1")
    page = html.unescape(text_of(client.get(f"/cases/{alarm}")))
    [thrown] = [item for item in history_items(page) if "发出信号" in item]
    assert thrown.endswith(f"未发起「休会处理」的新案件：编号 {KEY} 已由在办案件 #{holder} 使用")

    client.get("/lang/en")
    page = html.unescape(text_of(client.get(f"/cases/{alarm}")))
    [thrown] = [item for item in history_items(page) if "Signal sent" in item]
    assert thrown.endswith(
        f"No new case of “休会处理” was started: the number {KEY} was held by the running case #{holder}"
    )


def test_the_history_download_says_it_too(app, as_user):
    alarm, holder = the_held(app)
    text = as_user("office1").get(f"/cases/{alarm}/history.csv").data.decode("utf-8-sig")
    [thrown] = [row for row in csv.reader(io.StringIO(text)) if row[2] == "发出信号"]
    assert thrown[4] == f"未发起「休会处理」的新案件：编号 {KEY} 已由在办案件 #{holder} 使用"


def test_a_throw_that_started_its_case_says_nothing_of_it(app, as_user):
    with session_factory_of(app).begin() as s:
        for number, source in enumerate((ALARM, NAMED)):
            definitions.deploy(s, source.encode(), f"p{number}.bpmn", SYSTEM)
    alarm = alarm_decided(app)
    page = html.unescape(text_of(as_user("office1").get(f"/cases/{alarm}")))
    [thrown] = [item for item in history_items(page) if "发出信号" in item]
    assert "未发起" not in thrown and "休会处理" not in thrown
