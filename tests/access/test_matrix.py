"""The authorization matrix: every person × every action, through each door that offers it
(pages, API, command line). One test per door and person walks every row, so a failure
names them and lists every row that went wrong.

Outcomes: A allowed; D refused (403 / exit 4) although the thing may be seen; H not found
(404 / exit 5): a case or task one may not see answers exactly like a missing one;
L sign in first (pages redirect to /login, the API answers 401); - the door has no way to
ask (the command line knows no anonymous user)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine.usecases import tasks
from storage import repositories as repo
from tests.access.conftest import COLUMNS, MONITOR, Scene, Town
from tests.conftest import FIXTURES
from tests.world import act, deploy
from web import database

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"

pytestmark = pytest.mark.slow  # every door for thirteen people: seconds; left out of make test-fast

Request = Callable[[Town, Scene, Any], Any]


@dataclass(frozen=True)
class Action:
    name: str
    expected: str  # one letter per person of COLUMNS
    page: Request | None = None  # (town, scene, browser client) -> response
    api: Request | None = None  # (town, scene, username) -> response
    cli: Request | None = None  # (town, scene, username) -> (exit code, stdout, error)
    changes: bool = False  # a success uses up the scene: the next action gets a fresh one
    claimed_by: str | None = None  # the finance task is claimed by this person first


def _complete_form() -> dict[str, str]:
    return {"action": "complete", "reply_class": "A", "pages": "1"}


ACTIONS = [
    # action   office_admin office_designer head keeper clerk chair finance civil office_supervisor outsider deputy
    # prometheus anon
    Action(
        "inbox",
        "AAAAAAAAAAAAL",
        page=lambda t, s, c: c.get("/"),
        api=lambda t, s, u: t.api(u, "GET", "/tasks"),
        cli=lambda t, s, u: t.cli(u, "tasks"),
    ),
    Action(
        "every open task",
        "ADADDDDDAADDL",
        api=lambda t, s, u: t.api(u, "GET", "/tasks?scope=all"),
        cli=lambda t, s, u: t.cli(u, "tasks", "--all"),
    ),
    Action(
        "see the finance task",
        "AAAAAAAHAAHHL",
        page=lambda t, s, c: c.get(f"/tasks/{s.reply}"),
        api=lambda t, s, u: t.api(u, "GET", f"/tasks/{s.reply}"),
    ),
    Action(
        "claim it",
        "DDDDDDAHDDHHL",
        changes=True,
        page=lambda t, s, c: c.post(f"/tasks/{s.reply}/claim"),
        api=lambda t, s, u: t.api(u, "POST", f"/tasks/{s.reply}/claim"),
        cli=lambda t, s, u: t.cli(u, "claim", s.reply),
    ),
    Action(
        "complete it",
        "DDDDDDAHDDHHL",
        changes=True,
        page=lambda t, s, c: c.post(f"/tasks/{s.reply}", data=_complete_form()),
        api=lambda t, s, u: t.api(u, "POST", f"/tasks/{s.reply}/complete", json={"data": {"reply_class": "A"}}),
        cli=lambda t, s, u: t.cli(u, "complete", s.reply, "--data", '{"reply_class": "A"}'),
    ),
    Action(
        "save a draft of it",
        "DDDDDDAHDDHHL",
        changes=True,
        page=lambda t, s, c: c.post(f"/tasks/{s.reply}", data={"action": "draft", "reply_class": "A"}),
        api=lambda t, s, u: t.api(u, "PUT", f"/tasks/{s.reply}/draft", json={"data": {"reply_class": "A"}}),
    ),
    Action(
        "give it back when finance holds it",
        "ADADDDAHDDHHL",
        changes=True,
        claimed_by="finance",
        page=lambda t, s, c: c.post(f"/tasks/{s.reply}/unclaim"),
        api=lambda t, s, u: t.api(u, "POST", f"/tasks/{s.reply}/unclaim"),
        cli=lambda t, s, u: t.cli(u, "unclaim", s.reply),
    ),
    Action(
        "hand it to a colleague",
        "ADADDDAHDDHHL",
        changes=True,
        page=lambda t, s, c: c.post(f"/tasks/{s.reply}/handover", data={"colleague": "finance2"}),
        api=lambda t, s, u: t.api(u, "POST", f"/tasks/{s.reply}/hand-over", json={"to": "finance2"}),
    ),
    Action(
        "comment on it",
        "AAAAAAAHAAHHL",
        page=lambda t, s, c: c.post(f"/tasks/{s.reply}/comments", data={"body": "意见"}),
        api=lambda t, s, u: t.api(u, "POST", f"/tasks/{s.reply}/comments", json={"body": "意见"}),
    ),
    Action(
        "attach a file to it",
        "AAAAAAAHAAHHL",
        page=lambda t, s, c: c.post(
            f"/tasks/{s.reply}/attachments", data={"file": (_file(), "a.txt")}, content_type="multipart/form-data"
        ),
        api=lambda t, s, u: t.api(
            u,
            "POST",
            f"/tasks/{s.reply}/attachments",
            data={"file": (_file(), "a.txt")},
            content_type="multipart/form-data",
        ),
    ),
    Action(
        "see the case",
        "AAAAAAAHAAHHL",
        page=lambda t, s, c: c.get(f"/cases/{s.review}"),
        api=lambda t, s, u: t.api(u, "GET", f"/instances/{s.review}"),
        cli=lambda t, s, u: t.cli(u, "instance", str(s.review)),
    ),
    Action(
        "comment on the case",
        "AAAAAAAHAAHHL",
        page=lambda t, s, c: c.post(f"/cases/{s.review}/comments", data={"body": "意见"}),
        api=lambda t, s, u: t.api(u, "POST", f"/instances/{s.review}/comments", json={"body": "意见"}),
    ),
    Action(
        "read its comments", "AAAAAAAHAAHHL", api=lambda t, s, u: t.api(u, "GET", f"/instances/{s.review}/comments")
    ),
    Action(
        "attach a file to the case",
        "AAAAAAAHAAHHL",
        page=lambda t, s, c: c.post(
            f"/cases/{s.review}/attachments", data={"file": (_file(), "a.txt")}, content_type="multipart/form-data"
        ),
        api=lambda t, s, u: t.api(
            u,
            "POST",
            f"/instances/{s.review}/attachments",
            data={"file": (_file(), "a.txt")},
            content_type="multipart/form-data",
        ),
    ),
    Action(
        "list its files", "AAAAAAAHAAHHL", api=lambda t, s, u: t.api(u, "GET", f"/instances/{s.review}/attachments")
    ),
    Action(
        "download its file",
        "AAAAAAAHAAHHL",
        page=lambda t, s, c: c.get(f"/attachments/{s.attachment}"),
        api=lambda t, s, u: t.api(u, "GET", f"/attachments/{s.attachment}"),
    ),
    Action(
        "cancel the case",
        "ADAAADDHDDHHL",
        changes=True,
        page=lambda t, s, c: c.post(f"/cases/{s.review}/cancel", data={"reason": "重复登记"}),
        api=lambda t, s, u: t.api(u, "POST", f"/instances/{s.review}/cancel", json={"reason": "重复登记"}),
        cli=lambda t, s, u: t.cli(u, "cancel", str(s.review), "--reason", "重复登记"),
    ),
    Action("open the start form of a review", "ADAAAAAADDDDL", page=lambda t, s, c: c.get("/start/review")),
    Action(
        "start a review",
        "ADAAAAAADDDDL",
        page=lambda t, s, c: c.post("/start/review", data={"subject": "新意见"}),
        api=lambda t, s, u: t.api(
            u, "POST", "/instances", json={"process_key": "review", "data": {"subject": "新意见"}}
        ),
        cli=lambda t, s, u: t.cli(u, "start", "review", "--var", "subject=新意见"),
    ),
    Action(
        "start a petition",
        "AAAAADDDADDDL",
        page=lambda t, s, c: c.post("/start/petition_min", data={"subject": "道路积水", "unit": "civil_affairs"}),
        api=lambda t, s, u: t.api(
            u,
            "POST",
            "/instances",
            json={"process_key": "petition_min", "data": {"subject": "道路积水", "unit": "civil_affairs"}},
        ),
        cli=lambda t, s, u: t.cli(
            u, "start", "petition_min", "--var", "subject=道路积水", "--var", "unit=civil_affairs"
        ),
    ),
    Action(
        "see the petition",
        "AHAAHAAHAAHHL",
        page=lambda t, s, c: c.get(f"/cases/{s.petition}"),
        api=lambda t, s, u: t.api(u, "GET", f"/instances/{s.petition}"),
        cli=lambda t, s, u: t.cli(u, "instance", str(s.petition)),
    ),
    Action(
        "see the petition's task",
        "AHAAHAAHAAHHL",
        page=lambda t, s, c: c.get(f"/tasks/{s.handle}"),
        api=lambda t, s, u: t.api(u, "GET", f"/tasks/{s.handle}"),
    ),
    Action(
        "read the petitioner's letter",
        "DHAAHDDHDDHHL",
        page=lambda t, s, c: c.get(f"/attachments/{s.letter}"),
        api=lambda t, s, u: t.api(u, "GET", f"/attachments/{s.letter}"),
    ),
    Action("the process diagram", "AAAAAAAAAAAAL", page=lambda t, s, c: c.get("/definitions/1/bpmn.xml")),
    Action(
        "the deployed processes",
        "AAAAAAAAAAAAL",
        page=lambda t, s, c: c.get("/start"),
        api=lambda t, s, u: t.api(u, "GET", "/definitions"),
    ),
    Action(
        "my settings and profile",
        "AAAAAAAAAAAAL",
        page=lambda t, s, c: c.get("/settings"),
        api=lambda t, s, u: t.api(u, "GET", "/me"),
    ),
    Action(
        "my notifications",
        "AAAAAAAAAAAAL",
        page=lambda t, s, c: c.get("/notifications"),
        api=lambda t, s, u: t.api(u, "GET", "/me/notifications"),
    ),
    Action(
        "my API tokens",
        "AAAAAAAAAAAAL",
        page=lambda t, s, c: c.post("/settings/tokens", data={"name": "脚本", "expires_in_days": "90"}),
        cli=lambda t, s, u: t.cli(u, "tokens", "create", "--for", u, "--name", "脚本"),
    ),
    Action(
        "make an API token with an API token",
        "DDDDDDDDDDDDL",
        api=lambda t, s, u: t.api(u, "POST", "/me/tokens", json={"name": "脚本"}),
    ),
    Action(
        "list my API tokens",
        "AAAAAAAAAAAAL",
        api=lambda t, s, u: t.api(u, "GET", "/me/tokens"),
        cli=lambda t, s, u: t.cli(u, "tokens", "list", "--for", u),
    ),
    Action(
        "revoke someone else's token",
        "AHHHHHHHHHHH-",
        changes=True,
        page=lambda t, s, c: c.post(f"/settings/tokens/{t.token_id('finance2')}/revoke"),
        api=lambda t, s, u: t.api(u, "DELETE", f"/me/tokens/{t.token_id('finance2')}"),
        cli=lambda t, s, u: t.cli(u, "tokens", "revoke", str(t.token_id("finance2"))),
    ),
    Action(
        "my time zone",
        "AAAAAAAAAAAAL",
        page=lambda t, s, c: c.post("/settings", data={"timezone": "Asia/Urumqi"}),
        api=lambda t, s, u: t.api(u, "PATCH", "/me", json={"timezone": "Asia/Urumqi"}),
    ),
    Action(
        "mark my notifications read",
        "AAAAAAAAAAAAL",
        page=lambda t, s, c: c.post("/notifications/read"),
        api=lambda t, s, u: t.api(u, "POST", "/me/notifications/read", json={}),
    ),
    Action(
        "open someone else's notification",
        "HHHHHHHHHHHHL",
        page=lambda t, s, c: c.post(f"/notifications/{t.notification_of('finance2')}/open"),
    ),
    Action(
        "every version of a process",
        "AAAAAAAAAAAAL",
        api=lambda t, s, u: t.api(u, "GET", "/definitions/review/versions"),
    ),
    Action("a version's BPMN", "AAAAAAAAAAAAL", api=lambda t, s, u: t.api(u, "GET", "/definitions/1/xml")),
    Action(
        "the case list",
        "AAAAAAAAAAAAL",
        page=lambda t, s, c: c.get("/cases"),
        api=lambda t, s, u: t.api(u, "GET", "/instances"),
    ),
    Action(
        "someone else's API tokens",
        "ADDDDDDDDDDD-",
        cli=lambda t, s, u: t.cli(u, "tokens", "list", "--for", "finance2"),
    ),
    Action("the user list", "ADDDDDDDDDDDL", page=lambda t, s, c: c.get("/admin/users")),
    Action(
        "create a user",
        "ADDDDDDDDDDDL",
        page=lambda t, s, c: c.post(
            "/admin/users",
            data={
                "username": f"new{id(s)}",
                "display_name": "新用户",
                "roles": ["officer"],
                "password": "Xin-yong-hu-2026!",
            },
        ),
        cli=lambda t, s, u: t.cli(
            u, "users", "create", f"cli{id(s)}", "--name=新用户", "--password", "Xin-yong-hu-2026!", "--role", "officer"
        ),
    ),
    Action("a user's page", "ADDDDDDDDDDDL", page=lambda t, s, c: c.get("/admin/users/deputy")),
    Action(
        "change a user",
        "ADDDDDDDDDDDL",
        page=lambda t, s, c: c.post(
            "/admin/users/deputy", data={"display_name": "刘代表", "roles": ["deputy"], "active": "true"}
        ),
    ),
    Action(
        "reset someone's password",
        "ADDDDDDDDDDDL",
        page=lambda t, s, c: c.post("/admin/users/deputy/password", data={"password": "Chong-she-mi-ma-77!"}),
        cli=lambda t, s, u: t.cli(u, "users", "set-password", "finance2", "--password", "Chong-she-mi-ma-77!"),
    ),
    Action(
        "the departments",
        "ADDDDDDDDDDDL",
        page=lambda t, s, c: c.post("/admin/departments", data={"code": "water", "name": "水利站"}),
    ),
    Action("the designer", "AADDDDDDDDDDL", page=lambda t, s, c: c.get("/designer/")),
    Action("open a process in the modeler", "AADDDDDDDDDDL", page=lambda t, s, c: c.get("/designer/1")),
    Action("a new process in the modeler", "AADDDDDDDDDDL", page=lambda t, s, c: c.get("/designer/new")),
    Action(
        "deploy a process",
        "AADDDDDDDDDDL",
        page=lambda t, s, c: c.post(
            "/designer/deploy", data={"filename": "review.bpmn", "xml": (FIXTURES / "review.bpmn").read_text()}
        ),
        cli=lambda t, s, u: t.cli(u, "deploy", str(FIXTURES / "review.bpmn")),
    ),
    Action(
        "the overdue board",
        "DDADDDDDAADDL",
        page=lambda t, s, c: c.get("/board/"),
        api=lambda t, s, u: t.api(u, "GET", "/board"),
    ),
    Action(
        "issue a 督办 on the finance task",
        "DDADDDDDAADDL",
        page=lambda t, s, c: c.post(
            "/board/supervise", data={"instance_id": s.review, "task_id": s.reply, "opinion": "请尽快办理"}
        ),
        api=lambda t, s, u: t.api(
            u, "POST", f"/instances/{s.review}/supervisions", json={"task_id": s.reply, "opinion": "请尽快办理"}
        ),
        changes=True,
    ),
    Action(
        "the statistics",
        "ADADDADDAADDL",
        page=lambda t, s, c: c.get("/statistics/?process=proposal"),
        api=lambda t, s, u: t.api(u, "GET", "/statistics?process=proposal"),
    ),
    Action(
        "download the statistics",
        "ADADDADDAADDL",
        page=lambda t, s, c: c.get("/statistics/export.xlsx?process=petition"),
    ),
    Action(
        "the audit log",
        "ADADDADDAADDL",
        page=lambda t, s, c: c.get("/audit/"),
        api=lambda t, s, u: t.api(u, "GET", "/audit"),
    ),
    Action(
        "the working-day calendar",
        "ADDDDDDDDDDDL",
        page=lambda t, s, c: c.get("/admin/calendar?year=2027"),
        cli=lambda t, s, u: t.cli(u, "calendar", "set", "2027-01-02", "--holiday"),
    ),
    Action(
        "preview a year's schedule",
        "ADDDDDDDDDDDL",
        page=lambda t, s, c: c.post("/admin/calendar/2027", data={"schedule": "2027-01-01 元旦", "action": "preview"}),
    ),
    Action(
        "the deadline settings",
        "ADDDDDDDDDDDL",
        page=lambda t, s, c: c.get("/admin/settings"),
        cli=lambda t, s, u: t.cli(u, "settings", "set", "reminder.working_days_before", "4"),
    ),
    Action(
        "the incidents list",
        "ADADDDDDDDDDL",
        page=lambda t, s, c: c.get("/admin/incidents/"),
        api=lambda t, s, u: t.api(u, "GET", "/incidents"),
    ),
    Action(
        "the external tasks waiting",
        "ADADDDDDDDDDL",
        api=lambda t, s, u: t.api(u, "GET", "/external-tasks"),
        cli=lambda t, s, u: t.cli(u, "external-tasks", "list"),
    ),
    Action(
        "fetch and lock external tasks",
        "ADDDDDDDDDDDL",
        api=lambda t, s, u: t.api(
            u,
            "POST",
            "/external-tasks/fetch-and-lock",
            json={"worker_id": "w1", "topics": [{"topic_name": "sms", "lock_duration": 1000}]},
        ),
    ),
    Action(
        "broadcast a signal",
        "ADDDDDDDDDDDL",
        api=lambda t, s, u: t.api(u, "POST", "/signals", json={"name": "nobody_waits"}),
        cli=lambda t, s, u: t.cli(u, "signal", "nobody_waits"),
    ),
    Action(  # the review case waits at no receive task: who may is told "not found", the others "refused"
        "continue a receive task without a message",
        "HDDDDDDDDDDDL",
        page=lambda t, s, c: c.post(f"/cases/{s.review}/trigger", data={"element": "register"}),
        api=lambda t, s, u: t.api(u, "POST", f"/instances/{s.review}/trigger", json={"element": "register"}),
        cli=lambda t, s, u: t.cli(u, "trigger", str(s.review), "register"),
    ),
    Action(
        "check a diagram before deploying it",
        "AADDDDDDDDDDL",
        api=lambda t, s, u: t.api(u, "POST", "/designer/check", json={"xml": (FIXTURES / "review.bpmn").read_text()}),
    ),
    Action(  # from another machine, as a Prometheus server scrapes: the API token decides
        "read the metrics",
        "ADDDDDDDDDDAL",
        api=lambda t, s, u: t.app.test_client().get(
            "/metrics",
            environ_base={"REMOTE_ADDR": "10.1.2.3"},
            headers={"Authorization": f"Bearer {t.token(u)}"} if u else {},
        ),
    ),
    Action(
        "change a deadline setting",
        "ADDDDDDDDDDDL",
        page=lambda t, s, c: c.post("/admin/settings", data={"name": "reminder.working_days_before", "value": "4"}),
    ),
    # the year's ledger: whoever imports ledgers (the administrator), and whoever reads every case
    # with the petitioner's identity and exports case data (the office head: access.may_export_ledger);
    # not the petition officer, who reads identities but neither every case nor exports
    Action(
        "export the petitions ledger",
        "ADADDDDDDDDDL",
        page=lambda t, s, c: c.get(f"{_ledgers(t)}/admin/imports/ledger/petitions/export.xlsx"),
        api=lambda t, s, u: t.api(u, "GET", f"{_ledgers(t)}/imports/ledger/petitions/export"),
        cli=lambda t, s, u: t.cli(u, "export", "ledger", "petitions", _ledgers(t) + _xlsx()),
    ),
    Action(
        "export the proposals ledger",
        "ADADDDDDDDDDL",
        page=lambda t, s, c: c.get(f"{_ledgers(t)}/admin/imports/ledger/proposals/export.xlsx"),
        api=lambda t, s, u: t.api(u, "GET", f"{_ledgers(t)}/imports/ledger/proposals/export"),
        cli=lambda t, s, u: t.cli(u, "export", "ledger", "proposals", _ledgers(t) + _xlsx()),
    ),
    Action(  # its page, and the template, stay the importer's
        "the ledger's import template",
        "ADDDDDDDDDDDL",
        page=lambda t, s, c: c.get(f"{_ledgers(t)}/admin/imports/ledger/petitions/template.xlsx"),
    ),
]


def _ledgers(town: Town) -> str:
    """The processes the ledgers are of (bpmn/proposal.bpmn, petition.bpmn), deployed in the
    town the first time an action asks: "" (to begin the path the action asks for)."""
    with database.session_factory(town.app)() as s:
        deployed = repo.latest_definition(s, "petition") is not None
    if not deployed:
        deploy(town.app, LIBRARY / "proposal.bpmn", LIBRARY / "petition.bpmn")
    return ""


def _xlsx() -> str:
    """A file to write an export to, in a folder of its own."""
    return str(Path(tempfile.mkdtemp()) / "ledger.xlsx")


def _file():
    from io import BytesIO

    return BytesIO(b"file")


def _page_outcome(response) -> str:
    if response.status_code == 302:
        return "L" if response.headers["Location"].startswith("/login") else "A"
    return {200: "A", 201: "A", 204: "A", 403: "D", 404: "H"}.get(response.status_code, f"?{response.status_code}")


def _api_outcome(response) -> str:
    known = {200: "A", 201: "A", 204: "A", 401: "L", 403: "D", 404: "H"}
    if response.status_code in known:  # (a file's bytes are no text to quote)
        return known[response.status_code]
    return f"?{response.status_code} {response.get_data(as_text=True)[:200]}"


def _cli_outcome(result) -> str:
    code, _out, error = result
    return {0: "A", 4: "D", 5: "H"}.get(code, f"?exit {code} {error}")


def _walk(town: Town, person: str | None, door: str) -> list[str]:
    column = COLUMNS.index(person)
    # a monitoring system's account signs in to no page (access.may_sign_in_to_pages): each
    # page sends it to sign in, whatever its column says of the other doors
    in_person = door != "page" or person != MONITOR
    client = town.browser(person if in_person else None) if door == "page" else None
    scene, fresh = town.scene(), True
    wrong = []
    for action in ACTIONS:
        request = getattr(action, door)
        want = action.expected[column] if in_person else "L"
        if request is None or want == "-":
            continue
        if action.changes and not fresh:
            scene, fresh = town.scene(), True
        if action.claimed_by:
            act(town.app, action.claimed_by, tasks.claim, scene.reply)
            fresh = False
        if door == "page":
            got = _page_outcome(request(town, scene, client))
        elif door == "api":
            got = _api_outcome(request(town, scene, person))
        else:
            got = _cli_outcome(request(town, scene, person))
        if action.changes and got == "A":
            fresh = False
        if got != want:
            wrong.append(f"{door} {action.name}: expected {want}, got {got}")
    return wrong


@pytest.mark.parametrize("person", COLUMNS, ids=lambda p: p or "anonymous")
@pytest.mark.parametrize("door", ["page", "api", "cli"])
def test_matrix(town, door, person):
    if door == "cli" and person is None:
        pytest.skip("the command line always acts as someone")
    wrong = _walk(town, person, door)
    assert not wrong, "\n".join(wrong)


def test_every_action_is_reachable_through_some_door():
    assert all(a.page or a.api or a.cli for a in ACTIONS)
    assert all(len(a.expected) == len(COLUMNS) for a in ACTIONS)


def test_everyone_can_ask_what_they_may_do(town):
    keeper = town.api("keeper", "GET", "/me").get_json()
    assert set(keeper["permissions"]) == {"case.start", "case.cancel", "confidential.read", "case.working_data"}
    assert town.api("deputy", "GET", "/me").get_json()["permissions"] == []
    assert town.api("prometheus", "GET", "/me").get_json()["permissions"] == ["metrics.read"]
    supervisor = town.api("outsider", "GET", "/me").get_json()
    assert "confidential.read" not in supervisor["permissions"] and supervisor["supervises"] is True
