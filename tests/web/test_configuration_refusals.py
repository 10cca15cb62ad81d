"""The configuration is checked once, when the app is made (web/configuration.py): a value the
app cannot use refuses the start in one line naming the variable, the value and what it takes
(a mistyped sign-in limit used to switch that limit off, a word for a number gave a traceback);
a value taken is a number by the time the code reads it. ``congressflow serve`` takes its
address from CONGRESSFLOW_BIND and its workers and threads from CONGRESSFLOW_WORKERS and
_THREADS. At start, a generated secret key on a site several machines may serve is warned of,
and so, once per process, is a request over HTTPS while the session cookie is not Secure."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.notifications.smtp import SmtpSettings
from tests.world import AppFactory
from web import StartRefused, scheduling, security
from web.cli import main
from web.configuration import BadSetting


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'settings.db'}"


@pytest.fixture
def environment(tmp_path: Path, url: str) -> dict[str, str]:
    return {"CONGRESSFLOW_INSTANCE_PATH": str(tmp_path / "instance"), "CONGRESSFLOW_DATABASE_URL": url}


REFUSED = [
    (
        "CONGRESSFLOW_SIGNIN_LIMITS_PER_ACCOUNT",
        "abc",
        "CONGRESSFLOW_SIGNIN_LIMITS_PER_ACCOUNT is 'abc': it takes limits such as '5 per minute; 20 per hour',"
        " each of 1 or more (wrong passwords allowed per account)",
    ),
    (
        "CONGRESSFLOW_SIGNIN_LIMITS_PER_ADDRESS",
        "20 per minut",
        "CONGRESSFLOW_SIGNIN_LIMITS_PER_ADDRESS is '20 per minut': it takes limits such as '5 per minute; 20 per"
        " hour', each of 1 or more (wrong passwords allowed per client address)",
    ),
    (
        "CONGRESSFLOW_SIGNIN_LIMITS_PER_ACCOUNT",
        "0 per minute",
        "CONGRESSFLOW_SIGNIN_LIMITS_PER_ACCOUNT is '0 per minute': it takes limits such as '5 per minute; 20 per"
        " hour', each of 1 or more (wrong passwords allowed per account)",
    ),
    (
        "CONGRESSFLOW_PROXY_HOPS",
        "one",
        "CONGRESSFLOW_PROXY_HOPS is 'one': it takes a whole number, 0 or more (how many reverse proxies stand in"
        " front; 0: none)",
    ),
    (
        "CONGRESSFLOW_SIGNIN_CONCURRENT_HASHES",
        "abc",
        "CONGRESSFLOW_SIGNIN_CONCURRENT_HASHES is 'abc': it takes a whole number, 1 or more (password checks at once)",
    ),
    (
        "CONGRESSFLOW_WORKFLOW_CACHE_SIZE",
        "abc",
        "CONGRESSFLOW_WORKFLOW_CACHE_SIZE is 'abc': it takes a whole number, 0 or more (workflows of recently"
        " moved cases each process keeps; 0: none)",
    ),
    (
        "CONGRESSFLOW_SCHEDULER_WINDOW_MINUTES",
        "abc",
        "CONGRESSFLOW_SCHEDULER_WINDOW_MINUTES is 'abc': it takes a number, above 0 (minutes ahead the scheduler"
        " keeps its jobs)",
    ),
    (
        "CONGRESSFLOW_SCHEDULER_REFRESH_SECONDS",
        "0",
        "CONGRESSFLOW_SCHEDULER_REFRESH_SECONDS is 0: it takes a number, above 0 (seconds between the scheduler's"
        " reads)",
    ),
    (
        "CONGRESSFLOW_SCHEDULER_BATCH_MAX",
        "2.5",
        "CONGRESSFLOW_SCHEDULER_BATCH_MAX is 2.5: it takes a whole number, 1 or more (timers fired in one"
        " transaction at most)",
    ),
    (
        "CONGRESSFLOW_SCHEDULER_STANDBY_POLL_SECONDS",
        "soon",
        "CONGRESSFLOW_SCHEDULER_STANDBY_POLL_SECONDS is 'soon': it takes a number, above 0 (seconds between a"
        " standby's tries)",
    ),
    (
        "CONGRESSFLOW_SCHEDULER_SCHEMA_RECHECK_SECONDS",
        "0",
        "CONGRESSFLOW_SCHEDULER_SCHEMA_RECHECK_SECONDS is 0: it takes a number, above 0 (seconds between the active"
        " scheduler's checks that the schema is still current)",
    ),
    (
        "CONGRESSFLOW_SESSION_MAX_HOURS",
        "twelve",
        "CONGRESSFLOW_SESSION_MAX_HOURS is 'twelve': it takes a number, above 0 (hours a sign-in lasts at most)",
    ),
    (
        "CONGRESSFLOW_SMTP_PORT",
        "smtp",
        "CONGRESSFLOW_SMTP_PORT is 'smtp': it takes a whole number, from 1 to 65535 (the SMTP server's port)",
    ),
    (
        "CONGRESSFLOW_SMTP_PORT",
        "70000",
        "CONGRESSFLOW_SMTP_PORT is 70000: it takes a whole number, from 1 to 65535 (the SMTP server's port)",
    ),
    (
        "CONGRESSFLOW_SESSION_COOKIE_SECURE",
        "ture",
        "CONGRESSFLOW_SESSION_COOKIE_SECURE is 'ture': it takes true or false (true behind HTTPS: the session"
        " cookie is never sent in clear)",
    ),
    (
        "CONGRESSFLOW_METRICS_ALLOW_LOOPBACK",
        "nope",
        "CONGRESSFLOW_METRICS_ALLOW_LOOPBACK is 'nope': it takes true or false (a scrape of /metrics from this"
        " machine needs no token)",
    ),
]


@pytest.mark.parametrize(("variable", "value", "said"), REFUSED, ids=[f"{v}={x}" for v, x, _ in REFUSED])
def test_a_setting_the_app_cannot_use_refuses_the_start_in_one_line(
    environment: dict[str, str], variable: str, value: str, said: str
):
    result = CliRunner().invoke(main, ["settings", "list"], env={**environment, variable: value})
    assert (result.exit_code, result.output) == (1, f"Error: {said}\n")


def test_the_refusal_is_a_start_refused_and_a_value_error(make_app: AppFactory, url: str):
    with pytest.raises(StartRefused, match=r"^CONGRESSFLOW_SIGNIN_LIMITS_PER_ACCOUNT is 'abc': ") as refused:
        make_app(url, SIGNIN_LIMITS_PER_ACCOUNT="abc")
    assert isinstance(refused.value, BadSetting) and isinstance(refused.value, ValueError)
    with pytest.raises(ValueError, match=r"^CONGRESSFLOW_SIGNIN_LIMITS_PER_ADDRESS is 5: "):
        make_app(url, SIGNIN_LIMITS_PER_ADDRESS=5)  # what from_prefixed_env makes of "5"


def test_values_taken_are_numbers_when_read(make_app: AppFactory, url: str):
    app = make_app(
        url,
        PROXY_HOPS="1",
        SCHEDULER_WINDOW_MINUTES="2.5",
        SCHEDULER_REFRESH_SECONDS=0.2,
        SCHEDULER_BATCH_MAX="7",
        SCHEDULER_STANDBY_POLL_SECONDS="3",
        SESSION_MAX_HOURS="1.5",
        SIGNIN_CONCURRENT_HASHES=" 3 ",
        SMTP_HOST="mail.example",
        SMTP_PORT="587",
        SIGNIN_LIMITS_PER_ACCOUNT="3/minute; 10 per hour",
    )
    taken = {
        name: app.config[name]
        for name in (
            "PROXY_HOPS",
            "SCHEDULER_WINDOW_MINUTES",
            "SCHEDULER_BATCH_MAX",
            "SESSION_MAX_HOURS",
            "SIGNIN_CONCURRENT_HASHES",
            "SMTP_PORT",
            "SIGNIN_LIMITS_PER_ACCOUNT",
        )
    }
    assert taken == {
        "PROXY_HOPS": 1,
        "SCHEDULER_WINDOW_MINUTES": 2.5,
        "SCHEDULER_BATCH_MAX": 7,
        "SESSION_MAX_HOURS": 1.5,
        "SIGNIN_CONCURRENT_HASHES": 3,
        "SMTP_PORT": 587,
        "SIGNIN_LIMITS_PER_ACCOUNT": "3/minute; 10 per hour",
    }
    config = scheduling.scheduler_config(app)
    assert (config.window.total_seconds(), config.refresh_interval, config.batch_max, config.standby_poll) == (
        150.0,
        0.2,
        7,
        3.0,
    )
    assert SmtpSettings.from_config(app.config) == SmtpSettings(host="mail.example", port=587)


def test_the_schedulers_schema_recheck_is_a_setting(make_app: AppFactory, url: str):
    """How often the active scheduler checks that a migration did not change the schema under it
    (engine/scheduling/service.py): 10 seconds unless set."""
    assert scheduling.scheduler_config(make_app(url)).schema_recheck == 10.0
    app = make_app(url, SCHEDULER_SCHEMA_RECHECK_SECONDS="2.5")
    assert app.config["SCHEDULER_SCHEMA_RECHECK_SECONDS"] == 2.5
    assert scheduling.scheduler_config(app).schema_recheck == 2.5


def test_an_empty_smtp_port_is_the_protocols_own(make_app: AppFactory, url: str):
    app = make_app(url, SMTP_HOST="mail.example", SMTP_PORT="", SMTP_SSL="true")
    settings = SmtpSettings.from_config(app.config)
    assert settings is not None and settings.port == 465


def test_smtp_settings_read_elsewhere_say_a_bad_port_in_one_line():
    with pytest.raises(
        ValueError, match=r"^CONGRESSFLOW_SMTP_PORT is 'abc': it takes a whole number, from 1 to 65535$"
    ):
        SmtpSettings.from_config({"SMTP_HOST": "mail.example", "SMTP_PORT": "abc"})


# -- congressflow serve: its address, workers and threads from the environment ---------------
@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> dict:
    """What ``serve`` would start, without starting it: gunicorn's command line, or waitress's
    address and threads."""
    seen: dict = {}

    def execv(_path, argv):
        seen["gunicorn"] = argv
        raise SystemExit(0)

    monkeypatch.setattr(scheduling.os, "execv", execv)
    monkeypatch.setattr(
        scheduling, "serve", lambda _app, host, port, threads, _with: seen.update(waitress=(host, port, threads))
    )
    monkeypatch.setenv("CONGRESSFLOW_SCHEDULER_IN_SERVER", "0")  # serve_workers sets it: put back after
    for variable in ("CONGRESSFLOW_BIND", "CONGRESSFLOW_WORKERS", "CONGRESSFLOW_THREADS"):
        monkeypatch.delenv(variable, raising=False)
    return seen


def _option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def test_serve_listens_where_congressflow_bind_says(make_app: AppFactory, url: str, launched: dict):
    runner = make_app(url).test_cli_runner()
    assert runner.invoke(args=["serve", "--no-scheduler"]).exit_code == 0
    assert launched["waitress"] == ("127.0.0.1", 5000, 8)
    bound = {"CONGRESSFLOW_BIND": "127.0.0.2:5124"}
    assert runner.invoke(args=["serve", "--no-scheduler"], env=bound).exit_code == 0
    assert launched["waitress"] == ("127.0.0.2", 5124, 8)
    assert runner.invoke(args=["serve", "--port", "5200", "--no-scheduler"], env=bound).exit_code == 0
    assert launched["waitress"] == ("127.0.0.2", 5200, 8)  # the command line's port, the variable's host
    assert runner.invoke(args=["serve", "--host", "::1", "--no-scheduler"], env=bound).exit_code == 0
    assert launched["waitress"] == ("::1", 5124, 8)
    v6 = {"CONGRESSFLOW_BIND": "[::1]:5300"}
    assert runner.invoke(args=["serve", "--no-scheduler"], env=v6).exit_code == 0
    assert launched["waitress"] == ("::1", 5300, 8)


def test_serve_takes_workers_and_threads_from_the_environment(make_app: AppFactory, url: str, launched: dict):
    runner = make_app(url).test_cli_runner()
    env = {"CONGRESSFLOW_BIND": "127.0.0.1:5124", "CONGRESSFLOW_WORKERS": "3", "CONGRESSFLOW_THREADS": "4"}
    assert runner.invoke(args=["serve", "--no-scheduler"], env=env).exit_code == 0
    argv = launched["gunicorn"]
    assert (_option(argv, "--bind"), _option(argv, "--workers"), _option(argv, "--threads")) == (
        "127.0.0.1:5124",
        "3",
        "4",
    )
    assert runner.invoke(args=["serve", "--workers", "2", "--no-scheduler"], env=env).exit_code == 0
    assert _option(launched["gunicorn"], "--workers") == "2"  # the command line wins
    assert runner.invoke(args=["serve", "--no-scheduler"], env={"CONGRESSFLOW_THREADS": "3"}).exit_code == 0
    assert launched["waitress"] == ("127.0.0.1", 5000, 3)


@pytest.mark.parametrize(
    ("env", "said"),
    [
        (
            {"CONGRESSFLOW_BIND": "localhost"},
            "Error: CONGRESSFLOW_BIND is 'localhost': it takes HOST:PORT, such as 127.0.0.1:5000 or [::1]:5000,"
            " or unix:PATH, a Unix socket's absolute path\n",
        ),
        (
            {"CONGRESSFLOW_BIND": "0.0.0.0:http"},
            "Error: CONGRESSFLOW_BIND is '0.0.0.0:http': it takes HOST:PORT, such as 127.0.0.1:5000 or [::1]:5000,"
            " or unix:PATH, a Unix socket's absolute path\n",
        ),
        (
            {"CONGRESSFLOW_WORKERS": "two"},
            "Error: Invalid value for '--workers' (env var: 'CONGRESSFLOW_WORKERS'): 'two' is not a valid integer"
            " range.\n",
        ),
        (
            {"CONGRESSFLOW_THREADS": "0"},
            "Error: Invalid value for '--threads' (env var: 'CONGRESSFLOW_THREADS'): 0 is not in the range x>=1.\n",
        ),
    ],
)
def test_a_bad_serve_variable_is_one_error_naming_it(
    make_app: AppFactory, url: str, launched: dict, env: dict[str, str], said: str
):
    result = make_app(url).test_cli_runner().invoke(args=["serve", "--no-scheduler"], env=env)
    assert result.exit_code in (1, 2) and result.output.endswith(said) and not launched
    assert [line for line in result.output.splitlines() if line.startswith("Error")] == [said.rstrip("\n")]


def test_serve_help_says_where_the_defaults_come_from(make_app: AppFactory, url: str):
    shown = " ".join(make_app(url).test_cli_runner().invoke(args=["serve", "--help"]).output.split())
    for said in (
        "[default: the host of CONGRESSFLOW_BIND (HOST:PORT), else 127.0.0.1]",
        "[default: the port of CONGRESSFLOW_BIND, else 5000]",
        "[env var: CONGRESSFLOW_WORKERS; default: 1; x>=1]",
        "[env var: CONGRESSFLOW_THREADS; x>=1]",
    ):
        assert said in shown


# -- warnings at start and at the first request over HTTPS ------------------------------------
GENERATED = "the secret key was generated into "


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name.startswith("web")]


def test_a_generated_key_behind_a_proxy_or_with_a_database_server_is_warned_of(
    make_app: AppFactory, url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    key_file = tmp_path / "instance" / "secret_key"
    make_app(url, TESTING=False, SECRET_KEY="", PROXY_HOPS=1)
    [said] = _warnings(caplog)
    assert said == (
        f"the secret key was generated into {key_file} while CONGRESSFLOW_PROXY_HOPS is set: every other machine"
        " serving this site makes a key of its own, and its users are signed out whenever they reach another;"
        " set CONGRESSFLOW_SECRET_KEY to one long random value, the same on every machine (made with"
        " python3 -c 'import secrets; print(secrets.token_hex(32))')"
    )
    caplog.clear()
    make_app("postgresql+psycopg://nobody@127.0.0.1:1/nothing", TESTING=False, SECRET_KEY="")
    [said] = _warnings(caplog)
    assert said.startswith(f"{GENERATED}{key_file} while the database is not SQLite: ")


def test_no_warning_for_one_sqlite_machine_a_configured_key_or_under_testing(
    make_app: AppFactory, url: str, caplog: pytest.LogCaptureFixture
):
    make_app(url, TESTING=False, SECRET_KEY="")  # one machine on SQLite: its own key is right
    make_app(url, TESTING=False, SECRET_KEY="k" * 40, PROXY_HOPS=1)
    make_app(url, SECRET_KEY="", PROXY_HOPS=1)  # under TESTING
    assert not [said for said in _warnings(caplog) if said.startswith(GENERATED)]


COOKIE_IN_CLEAR = (
    "a request came over HTTPS, but the session cookie is set without Secure and a browser would send it over"
    " plain HTTP too: set CONGRESSFLOW_SESSION_COOKIE_SECURE=true"
)


@pytest.fixture
def unsaid(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process has not said it yet (it says it once per process)."""
    monkeypatch.setattr(security, "_SAID_COOKIE_NOT_SECURE", threading.Event(), raising=False)


def test_https_with_a_cookie_not_secure_is_warned_of_once(
    make_app: AppFactory, url: str, unsaid: None, caplog: pytest.LogCaptureFixture
):
    client = make_app(url, PROXY_HOPS=1).test_client()
    assert client.get("/healthz").status_code == 200  # plain HTTP: nothing to say
    assert COOKIE_IN_CLEAR not in _warnings(caplog)
    forwarded = {"X-Forwarded-Proto": "https"}
    assert client.get("/healthz", headers=forwarded).status_code == 200
    assert client.get("/login", headers=forwarded).status_code == 200
    assert _warnings(caplog).count(COOKIE_IN_CLEAR) == 1


def test_https_with_a_secure_cookie_is_not_warned_of(
    make_app: AppFactory, url: str, unsaid: None, caplog: pytest.LogCaptureFixture
):
    client = make_app(url, PROXY_HOPS=1, SESSION_COOKIE_SECURE="true").test_client()
    assert client.get("/healthz", headers={"X-Forwarded-Proto": "https"}).status_code == 200
    assert client.get("/healthz", base_url="https://localhost").status_code == 200
    assert COOKIE_IN_CLEAR not in _warnings(caplog)


@pytest.mark.parametrize(
    ("value", "secure"), [("True", True), ("yes", True), ("1", True), ("Off", False), ("0", False)]
)
def test_a_flag_is_read_in_the_usual_spellings(make_app: AppFactory, url: str, value: str, secure: bool):
    assert make_app(url, SESSION_COOKIE_SECURE=value).config["SESSION_COOKIE_SECURE"] is secure
