"""The incidents of a process that was never deployed (a typo: ``--process nope``): said so,
not answered with an empty list that reads as "no incidents" (QA walk B). The command line
calls it a usage error, exit code 2 (README: a bad argument), naming ``--process``; the API a
422 naming ``process``."""

from __future__ import annotations

import json

from tests.world import create_people
from web.cli import main

from .conftest import text_of
from .test_incidents_page import bearer, failing_case


def test_the_command_line_says_there_is_no_such_process(app, runner):
    create_people(app, "head")
    said = runner.invoke(args=["incidents", "--process", "nope", "--user", "head"])
    assert said.exit_code == 2, said.output
    assert "Invalid value for --process: no process 'nope'; deployed: petition_min, review" in said.output
    # with --json, one JSON object as every usage error (the entry point's group says it so)
    as_json = runner.invoke(main, args=["incidents", "--process", "nope", "--user", "head", "--json"])
    assert (as_json.exit_code, as_json.stdout) == (2, "")
    assert json.loads(as_json.stderr)["fields"] == {"--process": "no process 'nope'; deployed: petition_min, review"}
    # a process deployed, with no incident: the empty list, as before
    listed = runner.invoke(args=["incidents", "--process", "review", "--user", "head"])
    assert (listed.exit_code, listed.output) == (0, "0 incidents\n")


def test_the_api_refuses_an_unknown_process_naming_the_field(app):
    case_id = failing_case(app)
    client, admin = app.test_client(), bearer(app, "admin")
    refused = client.get("/api/v1/incidents?process=nope", headers=admin)
    assert refused.status_code == 422
    assert refused.get_json()["codes"] == {
        "process": {"code": "not_one_of", "params": {"value": "nope", "choices": "petition_min、review、timer_script"}}
    }
    [found] = client.get("/api/v1/incidents?process=timer_script", headers=admin).get_json()
    assert found["instance_id"] == case_id


def test_the_page_lists_every_process_saying_the_unknown_one_above(app, as_user):
    """A link to a process no longer deployed, or a typed address: the page lists the incidents
    of every process and says above them that there is no such process (it was the general
    422 error page, in place of every incident)."""
    case_id = failing_case(app)
    page = as_user("head").get("/admin/incidents/?state=open&process=nope")
    assert page.status_code == 422
    html = text_of(page)
    assert "没有这个流程：nope，已显示全部流程的故障。" in html
    assert f'data-case="{case_id}"' in html and 'id="incident-filters"' in html
