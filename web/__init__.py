"""The web app and the command line: Flask app factory, blueprints per area, the CLI."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from pathlib import Path
from types import FunctionType
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from engine.usecases import workflow_cache

from . import api, auth, cli, configuration, database, errors, i18n, metrics, security
from .config import HOW_TO_MAKE_A_SECRET_KEY, secret_key_weakness
from .configuration import StartRefused as StartRefused  # its home before; still imported from here


class CongressFlowApp(Flask):
    """Flask, asking once per function whether it must be run as a coroutine: Flask asks
    (through ``inspect``, ~1 µs each) at every call of every request hook and view, about
    fifteen times a request. The answer is Flask's own, kept for plain functions (a bound
    method or a partial is asked each time, as before: keeping those could keep their
    objects alive)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._runnable: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        runnable = self._runnable.get(func)
        if runnable is None:
            runnable = super().ensure_sync(func)
            if type(func) is FunctionType:
                self._runnable[func] = runnable
        return runnable


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = CongressFlowApp(__name__, instance_path=_instance_path(), instance_relative_config=True)
    app.config.from_object("web.config.Defaults")
    app.config.from_object("web.security.Defaults")
    app.config.from_prefixed_env("CONGRESSFLOW")
    if test_config:
        app.config.update(test_config)
    configuration.check(app.config)  # one line naming a setting the app cannot use
    # its own only (0700, when made here): it holds the database and the secret key
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'congressflow.db'}"
    app.config["SECRET_KEY"] = _secret_key(app)
    _trust_proxies(app)
    app.url_map.converters["int"] = RowId  # before any route is added
    _size_workflow_cache(app)
    _collect_garbage_less_often()
    database.init_app(app)
    metrics.init_app(app)  # first: a request's time counts from its first hook
    cli.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    _register_views(app)
    api.init_app(app)
    security.throttle_password_checks(app)
    return app


def _instance_path() -> str | None:
    """``CONGRESSFLOW_INSTANCE_PATH``, a relative one taken from the working directory (Flask
    wants it absolute); unset: Flask's own ``instance/`` folder."""
    configured = os.environ.get("CONGRESSFLOW_INSTANCE_PATH")
    return os.path.abspath(configured) if configured else None


def _secret_key(app: Flask) -> str | bytes:
    """The configured key (``SECRET_KEY``), else the instance folder's. A placeholder or a
    short key is refused, except under TESTING: whoever knows it signs an administrator's
    session cookie."""
    made_with = f"made with {HOW_TO_MAKE_A_SECRET_KEY}"
    configured = app.config.get("SECRET_KEY")
    if configured:
        key, source = configured, "CONGRESSFLOW_SECRET_KEY"
        remedy = f"set it to a long random value (the same on every machine), {made_with}"
    else:
        key, source = _instance_secret(Path(app.instance_path)), str(Path(app.instance_path) / "secret_key")
        remedy = "delete the file to have a new key made (signing everyone out), or set CONGRESSFLOW_SECRET_KEY"
        remedy += f" to one {made_with}"
    weakness = None if app.testing else secret_key_weakness(key)
    if weakness:
        raise StartRefused(f"{source} {weakness}: whoever knows the secret key can sign in as anyone; {remedy}")
    if not configured and not app.testing:
        configuration.warn_of_a_generated_key(app.config, Path(source))
    return key


class RowId(IntegerConverter):
    """``<int:…>`` in a URL: a number no larger than a key column holds (PostgreSQL's
    ``integer``), so that ``/cases/99999999999999999999`` is a 404 like any unknown case
    instead of an overflow in the driver (a 500). The API's rules say so themselves."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _trust_proxies(app: Flask) -> None:
    """Behind ``PROXY_HOPS`` reverse proxies, a request's address, scheme and host are the
    ones the nearest proxies pass on (``X-Forwarded-For``, ``-Proto``, ``-Host``: Werkzeug's
    ProxyFix, trusting exactly that many hops): else every request would come from the proxy,
    and its per-address sign-in limits would count every client together. 0 (the default):
    the connection's own, as with no proxy; a client could otherwise forge its address.
    (A whole number, 0 or more: ``configuration.check``.)"""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _size_workflow_cache(app: Flask) -> None:
    """How many recently moved cases' workflows this process keeps (``WORKFLOW_CACHE_SIZE``, a
    whole number, 0 or more: ``configuration.check``)."""
    workflow_cache.configure(int(app.config["WORKFLOW_CACHE_SIZE"]))


# Python's cycle collector runs after every 700 net new objects, every tenth run over the
# older objects too, every hundredth over all of them. A task completion leaves a few
# hundred, and the workflow cache keeps hundreds of workflows' objects alive, which the
# older runs walk: measured over 600 completions in one process, 1 ms a completion on
# average and two pauses of about 200 ms. Run a thirtieth as often (0.15 ms a completion,
# no pause), the same garbage goes a little later; nothing else changes.
GC_THRESHOLDS = (20_000, 20, 20)


def _collect_garbage_less_often() -> None:
    """For the whole process (every process of the product builds its app here)."""
    if gc.get_threshold()[0] < GC_THRESHOLDS[0]:
        gc.set_threshold(*GC_THRESHOLDS)


def _register_views(app: Flask) -> None:
    from .views import register

    register(app)


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, made on first start (not in the repo).

    Several processes may start together (gunicorn's workers, the scheduler beside them): the
    key is written whole to a file of its own and then linked into place, which succeeds for
    exactly one of them; the others read the winner's. No process ever reads a half-written
    key or keeps one of its own (which signed its sessions and CSRF tokens alone).

    An empty file (emptied by hand: this function never leaves one) is refused, not replaced:
    processes already running keep the old key in memory, and one starting now with a new key
    would sign sessions and CSRF tokens the others reject."""
    import os
    import secrets
    import tempfile

    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd, candidate = tempfile.mkstemp(dir=instance, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
            os.link(candidate, path)  # atomic; fails when another process was first
        except FileExistsError:
            pass
        finally:
            os.unlink(candidate)
    key = path.read_text().strip()
    if not key:
        raise StartRefused(
            f"{path} is empty, so there is no secret key to sign sessions with: stop every process"
            " of this instance, delete the file and start again to have a new key made (signing"
            " everyone out), or set CONGRESSFLOW_SECRET_KEY"
        )
    return key
