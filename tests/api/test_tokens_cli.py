"""``congressflow tokens``: the secret is printed once, only its hash is stored, revoking works."""
import hashlib
import json

import pytest
from sqlalchemy import select

from storage.models import ApiToken
from tests.conftest import make_user


@pytest.fixture
def runner(session_factory, db_url, tmp_path, monkeypatch, frozen_clock):
    from web import create_app

    monkeypatch.setenv("CONGRESSFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    make_user(session_factory, "clerk", ("officer",), "office")
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": "test"})
    return app.test_cli_runner()


def run(runner, *args):
    return runner.invoke(args=list(args), catch_exceptions=False)


def test_create_list_revoke(runner, session_factory):
    made = run(runner, "tokens", "create", "--user", "clerk", "--name", "报表脚本", "--json")
    assert made.exit_code == 0, made.output
    out = json.loads(made.output)
    assert out["user"] == "clerk" and out["token"].startswith("cf_") and len(out["token"]) > 40
    with session_factory() as s:
        row = s.scalars(select(ApiToken)).one()
    assert row.token_hash == hashlib.sha256(out["token"].encode()).hexdigest()
    assert out["token"] not in (row.token_hash, row.name)

    listed = run(runner, "tokens", "list", "--user", "clerk")
    assert "报表脚本" in listed.output and "active" in listed.output and out["token"] not in listed.output

    assert run(runner, "tokens", "revoke", str(out["id"])).exit_code == 0
    assert "REVOKED" in run(runner, "tokens", "list", "--user", "clerk").output
    again = runner.invoke(args=["tokens", "revoke", str(out["id"])])
    assert again.exit_code == 1 and "already revoked" in again.output


def test_unknown_user_and_empty_name_are_refused(runner):
    nobody = runner.invoke(args=["tokens", "create", "--user", "nobody", "--name", "x"])
    assert nobody.exit_code == 1 and "no active user 'nobody'" in nobody.output
    blank = runner.invoke(args=["tokens", "create", "--user", "clerk", "--name", "  "])
    assert blank.exit_code == 1 and "name: required" in blank.output
