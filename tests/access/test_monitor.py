"""The role ``monitor`` (监控): a monitoring system's account, whose API token a Prometheus
server on another machine keeps to scrape ``/metrics``. It grants ``metrics.read`` and nothing
else: with the cases of a township about, every page a signed-in person may open and every
API resource the token may read shows none of them (their subjects, files, comments, the
petitioner's identity), and what only a permission opens is refused."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from flask import Flask

from engine import access
from engine.access import Actor, Permission
from tests.access.conftest import MONITOR, SECRETS, Scene, Town
from tests.world import PASSWORD, PETITION_SUBJECT

# what a case of the scene lets be read, by whoever sees it
CASE_TEXTS = ("修缮村道", PETITION_SUBJECT, "现场照片", "张某来信", *SECRETS)
REMOTE = {"REMOTE_ADDR": "10.1.2.3"}
SKIPPED = {"code", "filename"}  # /lang/<code> changes the reader's language; static files


def test_the_role_grants_the_metrics_alone():
    monitor = Actor("prometheus", frozenset({"monitor"}), frozenset({"monitor"}))
    assert monitor.permissions == {Permission.METRICS_READ}
    assert access.may_read_metrics(monitor, from_loopback=False, loopback_allowed=False)
    assert not access.may_administer(monitor) and not access.sees_every_case(monitor)
    assert not access.may_start(monitor, ()) and not access.may_read_confidential(monitor)


def _paths(app: Flask, scene: Scene, *, api: bool) -> Iterator[str]:
    """Every GET route of the app (the API's, or the others), its arguments filled with the
    scene's cases, tasks and files (each of both cases), the processes and kinds there are."""
    values = {
        "instance_id": (scene.review, scene.petition),
        "task_id": (scene.reply, scene.handle),
        "attachment_id": (scene.attachment, scene.letter),
        "fmt": ("csv", "xlsx"),
        "kind": ("units", "people", "proposals", "petitions"),
        "key": ("review", "petition_min"),
        "version": (1,),
        "definition_id": (1,),
        "draft_id": (1,),
        "supervision_id": (1,),
        "username": ("keeper",),
        "token_id": (1,),  # a form's address (a revoke's), reopened: it opens its page
        "year": (2026,),  # the calendar's schedule form's address, reopened
    }
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.arguments & SKIPPED or rule.rule.startswith("/api/") != api:
            continue
        names = sorted(rule.arguments)
        for combination in itertools.product(*(values[name] for name in names)):
            try:
                yield app.url_map.bind("localhost").build(rule.endpoint, dict(zip(names, combination, strict=True)))
            except Exception:  # a value the rule's converter refuses (a kind another rule takes)
                continue


def _walk(town: Town, scene: Scene, person: str, *, in_person: bool = True) -> dict[str, tuple[int, str]]:
    """Every GET route, as ``person``: through the pages signed in (``in_person``; else not
    signed in), through the API with a token of theirs. Path → (status, what of CASE_TEXTS the
    answer holds, joined)."""
    browser = town.browser(person if in_person else None)
    headers = {"Authorization": f"Bearer {town.token(person)}"}
    seen = {}
    for api in (False, True):
        for path in _paths(town.app, scene, api=api):
            response = town.app.test_client().get(path, headers=headers) if api else browser.get(path)
            body = response.get_data().decode("utf-8", "replace")
            seen[path] = (response.status_code, ",".join(t for t in CASE_TEXTS if t in body))
    return seen


def test_a_monitor_reads_no_case_anywhere(town: Town):
    scene = town.scene()
    # it signs in to no page (access.may_sign_in_to_pages): its pages are anyone's not signed in
    refused = town.app.test_client().post("/login", data={"username": MONITOR, "password": PASSWORD})
    assert refused.status_code == 403
    walked = _walk(town, scene, MONITOR, in_person=False)
    assert len(walked) > 100  # every route, both cases' of each
    leaks = {path: texts for path, (_status, texts) in walked.items() if texts}
    assert leaks == {}
    assert [path for path, (status, _t) in walked.items() if status >= 500] == []
    # the pages send it to sign in; through its token the cases do not exist for it, and the
    # admin and office areas refuse it
    for path in (f"/cases/{scene.review}", f"/tasks/{scene.handle}", "/admin/users", "/board/"):
        assert walked[path][0] == 302, path
    assert walked[f"/api/v1/instances/{scene.petition}"][0] == 404
    for path in ("/api/v1/audit", "/api/v1/incidents"):
        assert walked[path][0] == 403, path
    assert town.api(MONITOR, "GET", "/instances").get_json()["items"] == []
    assert town.api(MONITOR, "GET", "/tasks").get_json()["items"] == []


def test_the_walk_finds_the_cases_of_whoever_sees_them(town: Town):
    """The walk above would see a case shown: the office's officer who started the review
    reads it, the office head reads the petition with the petitioner's name."""
    scene = town.scene()
    clerk = {texts for _status, texts in _walk(town, scene, "clerk").values()}
    assert any("修缮村道" in t for t in clerk) and not any("张三丰" in t for t in clerk)
    head = {texts for _status, texts in _walk(town, scene, "head").values()}
    assert any(PETITION_SUBJECT in t and "张三丰" in t for t in head)


def test_a_monitors_token_scrapes_the_metrics_from_another_machine(town: Town):
    town.scene()  # two open tasks: the review's reply and the petition's handling, both at finance
    bearer = {"Authorization": f"Bearer {town.token(MONITOR)}"}
    response = town.app.test_client().get("/metrics", headers=bearer, environ_base=REMOTE)
    assert response.status_code == 200, response.text
    lines = response.text.splitlines()
    assert "congressflow_database_up 1.0" in lines and "congressflow_open_tasks 2.0" in lines
    officer = town.app.test_client().get(
        "/metrics", headers={"Authorization": f"Bearer {town.token('clerk')}"}, environ_base=REMOTE
    )
    assert officer.status_code == 403
