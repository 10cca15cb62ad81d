"""``congressflow tokens``: the secret is printed once, only its hash is stored, revoking works."""

import hashlib
import json

import pytest
from sqlalchemy import select

from storage.models import ApiToken
from tests.world import create_people


@pytest.fixture
def runner(make_app, session_factory, db_url, frozen_clock):
    create_people(session_factory, "clerk")
    return make_app(db_url).test_cli_runner()


def run(runner, *args):
    return runner.invoke(args=list(args), catch_exceptions=False)


def test_create_list_revoke(runner, session_factory):
    made = run(runner, "tokens", "create", "--for", "clerk", "--name", "报表脚本", "--operator", "--json")
    assert made.exit_code == 0, made.output
    out = json.loads(made.output)
    assert out["user"] == "clerk" and out["token"].startswith("cf_") and len(out["token"]) > 40
    with session_factory() as s:
        row = s.scalars(select(ApiToken)).one()
    assert row.token_hash == hashlib.sha256(out["token"].encode()).hexdigest()
    assert out["token"] not in (row.token_hash, row.name)

    listed = run(runner, "tokens", "list", "--for", "clerk", "--user", "clerk")
    assert "报表脚本" in listed.output and "active" in listed.output and out["token"] not in listed.output

    assert run(runner, "tokens", "revoke", str(out["id"]), "--user", "clerk").exit_code == 0
    assert "REVOKED" in run(runner, "tokens", "list", "--for", "clerk", "--operator").output
    again = runner.invoke(args=["tokens", "revoke", str(out["id"]), "--operator"])
    assert again.exit_code == 3 and "already revoked" in again.output  # a conflict


def test_who_acts_must_be_said_and_obeys_the_policy(runner):
    neither = runner.invoke(args=["tokens", "create", "--for", "clerk", "--name", "x"])
    assert neither.exit_code == 2 and "--user NAME" in neither.output and "--operator" in neither.output
    both = runner.invoke(args=["tokens", "create", "--for", "clerk", "--name", "x", "--user", "clerk", "--operator"])
    assert both.exit_code == 2
    # an officer makes their own tokens, not someone else's
    assert runner.invoke(args=["tokens", "create", "--for", "clerk", "--name", "x", "--user", "clerk"]).exit_code == 0
    other = runner.invoke(args=["tokens", "create", "--for", "fin", "--name", "x", "--user", "clerk", "--json"])
    assert other.exit_code == 4 and json.loads(other.stderr)["code"] == "not_allowed"


def test_unknown_user_and_empty_name_are_refused(runner):
    nobody = runner.invoke(args=["tokens", "create", "--for", "nobody", "--name", "x", "--operator"])
    assert nobody.exit_code == 5 and "no active user 'nobody'" in nobody.output
    blank = runner.invoke(args=["tokens", "create", "--for", "clerk", "--name", "  ", "--operator"])
    assert blank.exit_code == 1 and "name: required" in blank.output


def test_an_expiry_may_be_given_and_is_listed(runner, frozen_clock):
    made = run(runner, "tokens", "create", "--for", "clerk", "--name", "一周", "--expires-in-days", "7", "--operator")
    assert made.exit_code == 0 and "expires 2026-12-14 01:00 UTC" in made.output
    forever = run(runner, "tokens", "create", "--for", "clerk", "--name", "长期", "--operator", "--json")
    assert json.loads(forever.output)["expires_at"] is None  # the operator's default: never, as before
    listed = run(runner, "tokens", "list", "--for", "clerk", "--operator").output
    assert "expires 2026-12-14 01:00" in listed and "never expires" in listed
    too_long = runner.invoke(
        args=["tokens", "create", "--for", "clerk", "--name", "x", "--expires-in-days", "3651", "--operator"]
    )
    assert too_long.exit_code == 1 and "expires_in_days: at most 3650" in too_long.output
