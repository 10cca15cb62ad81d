"""A timer start event that could not start its case, through every door: the incidents list
(系统管理 → 故障) shows it with the process standing for the case it has not got, the JSON
API and the command line list it, and a retry from each after the fix starts the case."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine import clock
from engine.deadlines.calendar import LOCAL_TZ
from engine.scheduling.firing import Firer, Outcome
from engine.usecases import deadlines, incidents, tokens
from storage.enums import TimerKind
from storage.models import Timer
from tests.world import act, deploy
from web import database

from .conftest import text_of

FIRST_TRY = datetime(2026, 12, 8, 9, 0, 1, tzinfo=LOCAL_TZ).astimezone(UTC)


def failing_start(app) -> int:
    """start_timer_script.bpmn's 8 December occurrence fired into its failing script twice (the
    back-off's second try ten minutes later): the id of its open incident."""
    deploy(app, "start_timer_script.bpmn")
    factory = database.session_factory(app)
    firer = Firer(factory, lambda results, committed: None)
    with factory() as s:
        [timer_id] = s.scalars(select(Timer.id).where(Timer.kind == TimerKind.START)).all()
    clock.freeze(FIRST_TRY)
    assert firer.fire([(timer_id, clock.now())])[0][timer_id][0] == Outcome.FAILED
    clock.advance(timedelta(minutes=10))
    assert firer.fire([(timer_id, clock.now())])[0][timer_id][0] == Outcome.FAILED
    [incident] = act(app, "admin", incidents.list_incidents)
    return incident.id


def test_the_list_shows_the_process_for_the_case_and_a_retry_after_the_fix_starts_it(app, as_user):
    incident_id = failing_start(app)
    client = as_user("admin")
    listing = text_of(client.get("/admin/incidents/?state=open&process=start_timer_script"))
    row = listing[listing.index(f'<tr data-incident="{incident_id}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-definition="' in row and "data-case=" not in row
    assert '<td class="no-case">月度统计（测试） v1 <small>（尚无案件）</small></td>' in row
    assert "<td>定时启动失败</td>" in row
    assert "<td>每月8日 <small><code>monthly</code></small></td>" in row  # the element by name
    assert "2026-12-08 09:10 <small>(共 2 次，首次 2026-12-08 09:00)</small>" in row  # last seen, how often, first
    assert "ZeroDivisionError" in row and "start_timer_script v1" in row
    assert f'action="/admin/incidents/{incident_id}/retry-start"' in row

    failed = client.post(f"/admin/incidents/{incident_id}/retry-start", follow_redirects=True)
    assert failed.status_code == 200 and "重试未成功" in text_of(failed)
    assert "(共 3 次，首次 2026-12-08 09:00)" in text_of(failed)

    act(app, "admin", deadlines.set_setting, "petition.accept_days", 20)  # the fix
    done = client.post(f"/admin/incidents/{incident_id}/retry-start", follow_redirects=True)
    assert "已重试，定时启动已发起案件。" in text_of(done)
    assert f'data-incident="{incident_id}"' not in text_of(done)  # left the open list
    resolved = text_of(client.get("/admin/incidents/?state=resolved"))
    assert f'data-incident="{incident_id}"' in resolved and "已解决" in resolved

    late = client.post(f"/admin/incidents/{incident_id}/retry-start", follow_redirects=True)
    assert "此故障已于 2026-12-08 09:10 由 admin 同志 解决，未再发起案件。" in text_of(late)


def test_an_officer_may_not_see_or_retry_it(app, as_user):
    incident_id = failing_start(app)
    client = as_user("office1")
    assert client.get("/admin/incidents/").status_code == 403
    assert client.post(f"/admin/incidents/{incident_id}/retry-start").status_code == 403


def bearer(app, username: str) -> dict[str, str]:
    secret = act(app, username, tokens.create_token, username, "incidents").secret
    return {"Authorization": f"Bearer {secret}"}


def test_the_api_lists_and_retries_it(app):
    incident_id = failing_start(app)
    client, admin = app.test_client(), bearer(app, "admin")
    [found] = client.get("/api/v1/incidents?state=open", headers=admin).get_json()
    assert {k: found[k] for k in ("id", "instance_id", "case_title", "process_key", "process_version")} == {
        "id": incident_id,
        "instance_id": None,
        "case_title": "",
        "process_key": "start_timer_script",
        "process_version": 1,
    }
    assert (found["kind"], found["bpmn_id"], found["element_name"], found["occurrences"]) == (
        "timer",
        "monthly",
        "每月8日",
        2,
    )
    assert isinstance(found["definition_id"], int)
    again = client.post(f"/api/v1/incidents/{incident_id}/retry-start", headers=admin).get_json()
    assert (again["ok"], again["instance_id"]) == (False, None) and "ZeroDivisionError" in again["error"]
    officer = bearer(app, "office1")
    assert client.post(f"/api/v1/incidents/{incident_id}/retry-start", headers=officer).status_code == 403
    assert client.post("/api/v1/incidents/999999/retry-start", headers=admin).status_code == 404

    act(app, "admin", deadlines.set_setting, "petition.accept_days", 20)
    done = client.post(f"/api/v1/incidents/{incident_id}/retry-start", headers=admin).get_json()
    assert done["ok"] is True and isinstance(done["instance_id"], int)
    assert client.get("/api/v1/incidents", headers=admin).get_json() == []
    case = client.get(f"/api/v1/instances/{done['instance_id']}", headers=admin)
    assert case.status_code == 200


def test_the_command_line_lists_and_retries_it(app, runner):
    incident_id = failing_start(app)
    listed = runner.invoke(args=["incidents", "--open", "--user", "admin"])
    assert listed.exit_code == 0, listed.output
    assert (
        f"#{incident_id} no case, process v1 [start_timer_script] timer at monthly "
        "(open; 2x, first 2026-12-08 01:00, last 2026-12-08 01:10): timer start event 每月8日 (monthly)"
    ) in listed.output
    as_json = runner.invoke(args=["incidents", "--open", "--user", "admin", "--json"])
    assert [(i["id"], i["instance_id"]) for i in json.loads(as_json.output)] == [(incident_id, None)]

    failed = runner.invoke(args=["retry", "--incident", str(incident_id), "--user", "admin"])
    assert failed.exit_code == 1 and "ZeroDivisionError" in failed.output
    assert runner.invoke(args=["retry", "--incident", str(incident_id), "--user", "office1"]).exit_code == 4
    assert runner.invoke(args=["retry", "--user", "admin"]).exit_code == 2  # neither a case nor an incident
    act(app, "admin", deadlines.set_setting, "petition.accept_days", 20)
    done = runner.invoke(args=["retry", "--incident", str(incident_id), "--user", "admin"])
    assert done.exit_code == 0, done.output
    assert f"incident #{incident_id}: case " in done.output and "started; the incident is resolved" in done.output
    assert "0 incidents" in runner.invoke(args=["incidents", "--open", "--user", "admin"]).output
