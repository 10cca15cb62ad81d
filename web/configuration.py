"""The app's configuration, checked in one place when the app is made (``create_app``).

Every setting below comes from the environment (``CONGRESSFLOW_`` prefix, read by Flask's
``from_prefixed_env``, which turns ``"3"`` into 3 and leaves ``"abc"`` as text) or from a test's
configuration. A value the app cannot use refuses the start in one line naming the variable,
the value and what it takes (``BadSetting``), rather than a traceback later, or worse a setting
quietly ignored: a mistyped sign-in limit made Flask-Limiter count nothing at all. A value taken
is put back normalised (a number as a number), so that the code reading it later cannot fail.

The database URL (``DATABASE_URL``) is checked here too, before an engine is made of it: a
text that is no URL (a port that is no number), a database CongressFlow does not run on, the
old ``postgres://`` form, a driver that is not installed and an option (``?name=value``) its
driver does not take or cannot read are each one line (``DatabaseUrlRefused``, exit 6 on the
command line, as for any database it cannot use), never with the password.

Also here: the one warning at start about the settings of a site several machines serve
(``warn_of_a_generated_key``)."""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import click
from limits import parse_many
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SAWarning

from .config import HOW_TO_MAKE_A_SECRET_KEY

log = logging.getLogger(__name__)

PREFIX = "CONGRESSFLOW_"


def _app_load_errors() -> tuple[type[Exception], ...]:
    """gunicorn's error for an app that cannot be loaded, where gunicorn is installed: a worker
    whose app raises it prints its message, one line and no traceback, and the server stops
    ("App failed to load"); any other exception is a traceback from every worker."""
    try:
        from gunicorn.errors import AppImportError
    except ImportError:  # Windows, or installed without it: waitress only
        return ()
    return (AppImportError,)


class StartRefused(click.ClickException, *_app_load_errors()):  # type: ignore[misc]
    """A configuration the app must not run with. The command line prints it as one line
    (``Error: …``, exit status 1, ``exit_code``) instead of a traceback, and lists its commands
    in ``--help`` all the same (web/cli); gunicorn run on ``web:create_app()`` prints it in one
    line from each worker and stops (it is gunicorn's ``AppImportError`` as well)."""


class BadSetting(StartRefused, ValueError):
    """A setting whose value the app does not take (a ValueError as well: what reading it
    raised before it was checked here)."""


class DatabaseUrlRefused(BadSetting):
    """``CONGRESSFLOW_DATABASE_URL`` names no database the app can use: exit 6 on the command
    line, the code of a database that cannot be used (web/cli/common.py's EXIT_DATABASE)."""

    exit_code = 6


@dataclass(frozen=True)
class Number:
    """A whole number (``whole``) or any number, from ``minimum`` (excluded when ``above``) up
    to ``maximum``; ``optional``: unset or empty leaves the code's own default."""

    about: str
    whole: bool = True
    minimum: float = 0
    maximum: float | None = None
    above: bool = False
    optional: bool = False

    @property
    def takes(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        if self.maximum is not None:
            bounds = f"from {_shown(self.minimum)} to {_shown(self.maximum)}"
        elif self.above:
            bounds = f"above {_shown(self.minimum)}"
        else:
            bounds = f"{_shown(self.minimum)} or more"
        return f"{kind}, {bounds} ({self.about})"

    def parse(self, value: Any) -> int | float:
        if isinstance(value, bool):  # from_prefixed_env reads "true" as True, an int to Python
            raise ValueError(value)
        number: int | float
        if isinstance(value, int | float):
            number = value
        elif isinstance(value, str):
            number = int(value.strip()) if self.whole else float(value.strip())
        else:
            raise ValueError(value)
        if not math.isfinite(number):
            raise ValueError(value)
        if self.whole:
            if number != int(number):
                raise ValueError(value)
            number = int(number)
        too_low = number <= self.minimum if self.above else number < self.minimum
        if too_low or (self.maximum is not None and number > self.maximum):
            raise ValueError(value)
        return number


@dataclass(frozen=True)
class RateLimits:
    """Limits in the notation of the ``limits`` library (Flask-Limiter's), each allowing at
    least one: what Flask-Limiter could not parse, it would not apply (failing open)."""

    about: str

    @property
    def takes(self) -> str:
        return f"limits such as '5 per minute; 20 per hour', each of 1 or more ({self.about})"

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(value)
        if any(limit.amount < 1 for limit in parse_many(value)):  # ValueError when unparsable
            raise ValueError(value)
        return value


@dataclass(frozen=True)
class Flag:
    """Yes or no: true/false, 1/0, yes/no, on/off in any case. Anything else is refused, not
    read as no: ``SESSION_COOKIE_SECURE=ture`` would send the session cookie in clear."""

    about: str

    @property
    def takes(self) -> str:
        return f"true or false ({self.about})"

    def parse(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in ("1", "true", "yes", "on"):
                return True
            if word in ("0", "false", "no", "off", ""):
                return False
        raise ValueError(value)


@dataclass(frozen=True)
class PublicUrl:
    """The site's address as its users reach it (``https://renda.example.gov.cn``, maybe with
    the path a proxy serves it under): http or https, a host, no query or fragment; kept
    without its trailing slash. Empty: none (e-mails carry no link)."""

    about: str

    @property
    def takes(self) -> str:
        return f"an http:// or https:// address with a host and no ?query or #fragment ({self.about})"

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(value)
        text = value.strip()
        if not text:
            return ""
        parts = urlsplit(text)
        if (
            parts.scheme.lower() not in ("http", "https")
            or not parts.hostname
            or parts.query
            or parts.fragment
            or "?" in text
            or "#" in text
            or any(c.isspace() for c in text)
        ):
            raise ValueError(value)
        try:
            parts.port  # noqa: B018 (a port out of range or not a number raises)
        except ValueError:
            raise ValueError(value) from None
        return text.rstrip("/")


Kind = Number | RateLimits | Flag | PublicUrl

SETTINGS: dict[str, Kind] = {
    "PROXY_HOPS": Number("how many reverse proxies stand in front; 0: none"),
    "WORKFLOW_CACHE_SIZE": Number("workflows of recently moved cases each process keeps; 0: none"),
    "SIGNIN_CONCURRENT_HASHES": Number("password checks at once", minimum=1),
    "SIGNIN_LIMITS_PER_ACCOUNT": RateLimits("wrong passwords allowed per account"),
    "SIGNIN_LIMITS_PER_ADDRESS": RateLimits("wrong passwords allowed per client address"),
    "SESSION_MAX_HOURS": Number("hours a sign-in lasts at most", whole=False, above=True),
    "SCHEDULER_WINDOW_MINUTES": Number("minutes ahead the scheduler keeps its jobs", whole=False, above=True),
    "SCHEDULER_REFRESH_SECONDS": Number("seconds between the scheduler's reads", whole=False, above=True),
    "SCHEDULER_BATCH_MAX": Number("timers fired in one transaction at most", minimum=1),
    "SCHEDULER_STANDBY_POLL_SECONDS": Number("seconds between a standby's tries", whole=False, above=True),
    "SCHEDULER_SCHEMA_RECHECK_SECONDS": Number(
        "seconds between the active scheduler's checks that the schema is still current", whole=False, above=True
    ),
    "SMTP_PORT": Number("the SMTP server's port", minimum=1, maximum=65535, optional=True),
    "SESSION_COOKIE_SECURE": Flag("true behind HTTPS: the session cookie is never sent in clear"),
    "METRICS_ALLOW_LOOPBACK": Flag("a scrape of /metrics from this machine needs no token"),
    "SMTP_SSL": Flag("the SMTP server speaks TLS from the start"),
    "SMTP_STARTTLS": Flag("the SMTP connection is upgraded to TLS"),
    "PUBLIC_URL": PublicUrl("the site's address, which notification e-mails link to; unset: no link"),
}


def check(config: MutableMapping[str, Any]) -> None:
    """Refuse the first setting of ``SETTINGS`` the app cannot use, or a database URL it cannot
    use (``check_database_url``); put the others back normalised. A setting not in ``config``
    keeps the default of the code that reads it (an empty DATABASE_URL: the instance folder's
    SQLite file)."""
    if config.get("DATABASE_URL"):
        check_database_url(config["DATABASE_URL"])
    for name, kind in SETTINGS.items():
        if name not in config:
            continue
        value = config[name]
        if isinstance(kind, Number) and kind.optional and (value is None or value == ""):
            continue
        try:
            config[name] = kind.parse(value)
        except ValueError:
            raise BadSetting(f"{PREFIX}{name} is {value!r}: it takes {kind.takes}") from None


DATABASE_URL = f"{PREFIX}DATABASE_URL"
# the databases CongressFlow runs on (its migrations, its prepared statements, backup and restore)
SUPPORTED_DATABASES = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}
DATABASE_URL_TAKES = "sqlite:///PATH (a SQLite file) or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"


def check_database_url(value: str | URL) -> None:
    """Refuse a database URL the app cannot make an engine of, naming the variable and what is
    wrong (``DatabaseUrlRefused``): SQLAlchemy would say it in a traceback from every command,
    or from every worker. The URL is shown without its password. A URL taken here may still
    name a database that does not answer: that is said when it is used (web/cli)."""
    try:
        url = make_url(value)
    except (ArgumentError, ValueError) as error:  # ValueError: a port that is no number
        shown = _without_password(str(value))
        what = "its port is not a number" if isinstance(error, ValueError) else "not a database URL"
        raise DatabaseUrlRefused(f"{DATABASE_URL} is {shown!r}: {what}; it takes {DATABASE_URL_TAKES}") from None
    shown = _url_shown(url)
    if url.port is not None and not 0 < url.port < 65536:
        raise DatabaseUrlRefused(f"{DATABASE_URL} is {shown!r}: its port {url.port} is not one from 1 to 65535")
    backend = url.get_backend_name()
    if backend == "postgres":
        fixed = _url_shown(url.set(drivername=SUPPORTED_DATABASES["postgresql"]))
        raise DatabaseUrlRefused(
            f"{DATABASE_URL} is {shown!r}: postgres:// is an old name SQLAlchemy no longer reads;"
            f" write postgresql+psycopg:// instead ({fixed})"
        )
    if backend not in SUPPORTED_DATABASES:
        raise DatabaseUrlRefused(
            f"{DATABASE_URL} is {shown!r}: CongressFlow does not support {backend} (it supports SQLite"
            f" and PostgreSQL); it takes {DATABASE_URL_TAKES}"
        )
    fixed = _url_shown(url.set(drivername=SUPPORTED_DATABASES[backend]))
    driver = url.get_driver_name() or "(none)"
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        raise DatabaseUrlRefused(
            f"{DATABASE_URL} is {shown!r}: SQLAlchemy knows no driver {driver!r} for {backend};"
            f" write {SUPPORTED_DATABASES[backend]}:// ({fixed})"
        ) from None
    if dialect.is_async:
        raise DatabaseUrlRefused(
            f"{DATABASE_URL} is {shown!r}: {driver} is an asyncio driver, which CongressFlow does not use;"
            f" write {SUPPORTED_DATABASES[backend]}:// ({fixed})"
        )
    try:
        dbapi = dialect.import_dbapi()
    except ImportError:
        raise DatabaseUrlRefused(
            f"{DATABASE_URL} is {shown!r}: its driver {driver} is not installed; write"
            f" {SUPPORTED_DATABASES[backend]}:// ({fixed}), whose driver CongressFlow installs"
        ) from None
    options = _sqlite_options_problem(url, dialect()) if backend == "sqlite" else _server_options_problem(url, dbapi)
    if options is not None:
        raise DatabaseUrlRefused(f"{DATABASE_URL} is {shown!r}: {options}")


# What SQLite itself reads of a file: URI's query (https://www.sqlite.org/uri.html), with
# ``uri=true``; SQLite passes over any other name, so that a mistyped one would go unsaid.
SQLITE_URI_PARAMETERS = ("vfs", "mode", "cache", "psow", "nolock", "immutable")


def _sqlite_options_problem(url: URL, dialect: Dialect) -> str | None:
    """What is wrong with a SQLite URL's options, read as its driver reads them when it first
    connects (SQLAlchemy would pass over an unknown one with a warning, or fail then with a
    traceback): one it does not take, a value it cannot read; with ``uri=true``, an option
    SQLite does not read, or options on a path that is no ``file:`` URI, which SQLite would take
    as part of the file's name. None: nothing is."""
    uri = {name: value for name, value in url.query.items() if name == "uri"}
    for name, value in url.query.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error", SAWarning)  # the driver's "not accepted ... ignored"
            try:
                dialect.create_connect_args(url.set(query={**uri, name: value}))
            except SAWarning:
                return (
                    f"SQLite takes no option {name!r}; remove it (SQLite's own options, such as mode=ro,"
                    " go in a file: URI with uri=true)"
                )
            except (ArgumentError, TypeError, ValueError) as error:
                return f"its option {name}={value!r} is not one SQLite's driver reads ({error})"
    [filename], _params = dialect.create_connect_args(url)
    path, _, query = filename.partition("?")
    passed = [name for name, _value in parse_qsl(query, keep_blank_values=True)]  # to SQLite, with uri=true
    if unknown := [name for name in passed if name not in SQLITE_URI_PARAMETERS]:
        return f"SQLite reads no option {unknown[0]!r} of a file: URI (it reads {', '.join(SQLITE_URI_PARAMETERS)})"
    if passed and not path.startswith("file:"):
        return f"with uri=true and options, the database is a file: URI (sqlite:///file:{path}?{query}&uri=true)"
    return None


def _server_options_problem(url: URL, dbapi: Any) -> str | None:
    """An option of a PostgreSQL URL that is no connection option of libpq's (psycopg passes
    each to the server's client library, which refuses an unknown one only when it connects);
    None when there is none. What it makes of a value is said when it connects (web/cli)."""
    for name, value in url.query.items():
        try:
            dbapi.conninfo.make_conninfo("", **{name: value})
        except dbapi.ProgrammingError:
            return (
                f"PostgreSQL takes no connection option {name!r} (libpq's options, such as sslmode or connect_timeout)"
            )
    return None


def _url_shown(url: URL) -> str:
    """``url`` as a refusal shows it: without its password, one given as an option
    (``?password=``, a libpq connection option) included."""
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url.render_as_string(hide_password=True))


def _without_password(text: str) -> str:
    """A text that is no URL, shown with what stands where a URL's password would (between
    the user's ``:`` and the ``@``) hidden, as SQLAlchemy shows a URL's; the ``:`` after a
    scheme (``postgresql://cf@h:port``) is none of a password's."""
    return re.sub(r"(^|[/:])([^:/@]*):(?!//)[^@]*@", r"\1\2:***@", text)


def warn_of_a_generated_key(config: MutableMapping[str, Any], key_file: Path) -> None:
    """The secret key was made into the instance folder, while the configuration shows a site
    several machines may serve (a database server, or proxies in front): each machine would
    make a key of its own, and a user sent to another one would be signed out.

    Once per start: not in the processes ``serve --workers N`` starts (``WARNED_BY_STARTER``,
    web/scheduling.py), which build the app again from the same configuration after the
    command's own process built it and said so (gunicorn's workers, its scheduler child)."""
    if config.get("WARNED_BY_STARTER"):
        return
    reasons = []
    if not str(config.get("DATABASE_URL", "")).startswith("sqlite"):
        reasons.append("the database is not SQLite")
    if config.get("PROXY_HOPS"):
        reasons.append(f"{PREFIX}PROXY_HOPS is set")
    if reasons:
        log.warning(
            "the secret key was generated into %s while %s: every other machine serving this site"
            " makes a key of its own, and its users are signed out whenever they reach another;"
            " set %sSECRET_KEY to one long random value, the same on every machine (made with %s)",
            key_file,
            " and ".join(reasons),
            PREFIX,
            HOW_TO_MAKE_A_SECRET_KEY,
        )


def _shown(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)
