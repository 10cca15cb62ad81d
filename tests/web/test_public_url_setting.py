"""``CONGRESSFLOW_PUBLIC_URL``, the site's address that notification e-mails link to: checked
at start like the other settings (web/configuration.py): an http(s) address with a host, kept
without its trailing slash; anything else refuses the start in one line naming it. Unset, the
e-mails carry no link (tests/integration/test_mail_outbox_state.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.notifications.smtp import SmtpSettings
from tests.world import AppFactory
from web.cli import main

TAKES = (
    "it takes an http:// or https:// address with a host and no ?query or #fragment"
    " (the site's address, which notification e-mails link to; unset: no link)"
)


@pytest.mark.parametrize(
    "value",
    [
        "renda.example.cn",
        "ftp://renda.example.cn",
        "https://",
        "https://renda.example.cn/?a=1",
        "https://renda.example.cn/#top",
        "http://renda.example.cn:99999",
        "https://renda example.cn",
    ],
)
def test_an_address_the_app_cannot_link_to_refuses_the_start(tmp_path: Path, value: str):
    environment = {
        "CONGRESSFLOW_INSTANCE_PATH": str(tmp_path / "instance"),
        "CONGRESSFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'settings.db'}",
        "CONGRESSFLOW_PUBLIC_URL": value,
    }
    result = CliRunner().invoke(main, ["settings", "list"], env=environment)
    assert (result.exit_code, result.output) == (1, f"Error: CONGRESSFLOW_PUBLIC_URL is {value!r}: {TAKES}\n")


def test_an_address_taken_is_kept_without_its_trailing_slash(make_app: AppFactory, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'settings.db'}"
    app = make_app(url, SMTP_HOST="mail.example", PUBLIC_URL=" https://renda.example.cn/congress/ ")
    assert app.config["PUBLIC_URL"] == "https://renda.example.cn/congress"
    settings = SmtpSettings.from_config(app.config)
    assert settings is not None and settings.public_url == "https://renda.example.cn/congress"
    unset = SmtpSettings.from_config(make_app(url, instance="other", SMTP_HOST="mail.example", PUBLIC_URL="").config)
    assert unset is not None and unset.public_url is None
