"""Running the timer scheduler for an app: standalone (``congressflow scheduler``) or inside
the web server process (``congressflow serve``, the single-machine default).

The web server is waitress: a production WSGI server in pure Python, multi-threaded, with
no reloader. Flask's development server is for development only, and its reloader runs
the app twice — two schedulers in one deployment. With several worker processes
(``serve --workers N``) it is gunicorn (web/gunicorn_conf.py), whose arbiter runs the
scheduler in one child process of its own, never in the workers.

Configuration (``CONGRESSFLOW_`` prefix in the environment): ``SCHEDULER_WINDOW_MINUTES``,
``SCHEDULER_REFRESH_SECONDS``, ``SCHEDULER_BATCH_MAX``, ``SCHEDULER_STANDBY_POLL_SECONDS``
and the ``SMTP_*`` keys of :mod:`engine.notifications.outbox`.
"""

from __future__ import annotations

import errno
import gc
import importlib.util
import logging
import os
import signal
import sys
import threading
import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

from flask import Flask

from engine.notifications.outbox import SmtpSettings, send_outbox
from engine.scheduling.service import SchedulerConfig, SchedulerService

from .database import session_factory

log = logging.getLogger(__name__)


def scheduler_config(app: Flask) -> SchedulerConfig:
    """The numbers are numbers by now, in their bounds (web/configuration.py checks them)."""
    config = app.config
    defaults = SchedulerConfig()
    return SchedulerConfig(
        window=timedelta(minutes=float(config.get("SCHEDULER_WINDOW_MINUTES", defaults.window.total_seconds() / 60))),
        refresh_interval=float(config.get("SCHEDULER_REFRESH_SECONDS", defaults.refresh_interval)),
        batch_max=int(config.get("SCHEDULER_BATCH_MAX", defaults.batch_max)),
        standby_poll=float(config.get("SCHEDULER_STANDBY_POLL_SECONDS", defaults.standby_poll)),
        check_interval=float(config.get("SCHEDULER_STANDBY_POLL_SECONDS", defaults.check_interval)),
    )


def make_service(app: Flask) -> SchedulerService:
    factory = session_factory(app)
    smtp = SmtpSettings.from_config(app.config)
    mailer = partial(send_outbox, factory, smtp) if smtp is not None else None
    if smtp is None:
        log.info("no SMTP_HOST configured: notifications are stored, not e-mailed")
    return SchedulerService(factory, app.config["DATABASE_URL"], scheduler_config(app), mailer=mailer)


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s")
        for noisy in ("apscheduler", "spiff"):  # they log every job run / task state change
            logging.getLogger(noisy).setLevel(logging.WARNING)


def run_standalone(
    app: Flask, *, metrics_address: tuple[str, int] | None = None, exit_with_parent: bool = False
) -> None:
    """Block until SIGTERM / Ctrl-C. Raises AlreadyRunning when refused (SQLite).
    ``metrics_address``: serve this process's metrics (timer lateness, leadership) there;
    ``exit_with_parent``: stop when the process that started this one is gone (the child of
    a gunicorn arbiter killed outright must not go on holding the leadership)."""
    _configure_logging()
    service = make_service(app)
    signal.signal(signal.SIGTERM, lambda *_: service.stop())
    if metrics_address is not None:
        from .metrics import serve_scheduler_metrics

        try:
            serve_scheduler_metrics(*metrics_address)
        except OSError as exc:
            raise CannotListen(*metrics_address, exc) from None
    if exit_with_parent:
        _stop_when_orphaned(service)
    try:
        service.run()
    except KeyboardInterrupt:
        service.stop()
    # run() returns (or was interrupted) after its lock was released: an operator reading the
    # journal tells a stop from a hang
    log.info("scheduler stopped; lock released")


def _stop_when_orphaned(service: SchedulerService, poll: float = 1.0) -> None:
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        log.warning("the process that started this scheduler (pid %s) is gone: stopping", parent)
        service.stop(timeout=0)

    threading.Thread(target=watch, name="congressflow-parent-watch", daemon=True).start()


class CannotListen(Exception):
    """A server's address cannot be listened on: in one line, for the command to say."""

    def __init__(self, host: str, port: int, error: OSError):
        if error.errno == errno.EADDRINUSE:
            why = "the address is in use (another server?)"
        elif error.errno == errno.EACCES:
            why = "permission denied (a port below 1024 needs privileges)"
        elif error.errno == errno.EADDRNOTAVAIL:
            why = "this machine has no such address"
        else:
            why = (error.strerror or str(error)).lower()
        super().__init__(f"cannot listen on {_address(host, port)}: {why}")


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


DEFAULT_BIND = "127.0.0.1:5000"
BIND_VARIABLE = "CONGRESSFLOW_BIND"


def bind_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[IPv6]:PORT``), as CONGRESSFLOW_BIND holds it; ValueError otherwise."""
    host, colon, port_text = text.strip().rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    port = int(port_text) if colon and port_text.strip().isdigit() else 0
    if not host or (":" in host and not text.strip().startswith("[")) or not 1 <= port <= 65535:
        raise ValueError(f"{BIND_VARIABLE} is {text!r}: it takes HOST:PORT, such as {DEFAULT_BIND} or [::1]:5000")
    return host, port


GUNICORN_CONF = Path(__file__).with_name("gunicorn_conf.py")
# waitress's request threads: its one process serves all of the machine's requests. A gunicorn
# worker takes gunicorn_conf.py's 2 instead: its threads share one interpreter lock, and 2
# served 12-18 % more completions a second than 4 (bench/README.md)
WAITRESS_THREADS = 8


def serve_workers(host: str, port: int, workers: int, threads: int | None, with_scheduler: bool) -> NoReturn:
    """Become gunicorn (exec: this process is replaced, and signals reach the arbiter) with
    ``workers`` processes, configured by web/gunicorn_conf.py (``threads`` None: its number
    of request threads); the scheduler, when asked for, in one child process of the arbiter,
    never in the workers. The workers build the app from the same environment as this
    command did."""
    if sys.platform == "win32" or importlib.util.find_spec("gunicorn") is None:
        raise RuntimeError(
            "several worker processes need gunicorn, which does not run on Windows and is not installed "
            "here: use --workers 1 (waitress), or install CongressFlow's dependencies (make setup)"
        )
    address = _address(host, port)
    os.environ["CONGRESSFLOW_SCHEDULER_IN_SERVER"] = "1" if with_scheduler else "0"
    argv = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF), "--bind", address]
    argv += ["--workers", str(workers)] + (["--threads", str(threads)] if threads else []) + ["web:create_app()"]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


def waitress_options(threads: int) -> dict[str, Any]:
    """How waitress serves the app (tests serve it the same way).

    Waitress by default drops a request's X-Forwarded-* and Forwarded headers unless it is
    told which proxies to trust; the app already trusts exactly ``PROXY_HOPS`` of them
    (``web._trust_proxies``), and without the headers a proxy's clients would all be the
    proxy's one address (one client's wrong passwords would lock everyone out of signing
    in) and a forwarded scrape of /metrics would look local. Kept, they reach the app as
    they reach it under gunicorn, which passes them on."""
    return {"threads": threads, "clear_untrusted_proxy_headers": False}


def settle_memory() -> None:
    """Once the app is loaded, before the first request: what was made so far (modules, the
    app, its templates' and SQLAlchemy's tables) is set aside from the garbage collector's
    full passes, which would otherwise walk those few hundred thousand objects again and
    again (bench/README.md: half the collector's time a request)."""
    gc.collect()
    gc.freeze()


def serve(app: Flask, host: str, port: int, threads: int, with_scheduler: bool) -> None:
    """The web app on waitress, with the scheduler in a background thread. The address is
    taken first: CannotListen (and no scheduler started) when it cannot be."""
    import waitress

    _configure_logging()
    try:
        server = waitress.create_server(app, host=host, port=port, **waitress_options(threads))
    except OSError as exc:
        raise CannotListen(host, port, exc) from None
    settle_memory()
    service: Any = None
    try:
        if with_scheduler:
            service = make_service(app)
            service.start_background()  # refuses at once on SQLite if another scheduler runs
        server.print_listen("Serving on http://{}:{}")
        server.run()
    finally:
        server.close()
        if service is not None:
            service.stop()
