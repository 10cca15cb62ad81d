"""Running the timer scheduler for an app: standalone (``congressflow scheduler``) or inside
the web server process (``congressflow serve``, the single-machine default).

The web server is waitress: a production WSGI server in pure Python, multi-threaded, with
no reloader. Flask's development server is for development only, and its reloader runs
the app twice — two schedulers in one deployment. With several worker processes
(``serve --workers N``) it is gunicorn (web/gunicorn_conf.py), whose arbiter runs the
scheduler in one child process of its own, never in the workers.

Configuration (``CONGRESSFLOW_`` prefix in the environment): ``SCHEDULER_WINDOW_MINUTES``,
``SCHEDULER_REFRESH_SECONDS``, ``SCHEDULER_BATCH_MAX``, ``SCHEDULER_STANDBY_POLL_SECONDS``,
``SCHEDULER_SCHEMA_RECHECK_SECONDS`` (default 10: how often the active scheduler checks that the
database's schema is still the one its code expects, stepping down when a migration changed it
under it; checked when it checks its lock, so at most every ``SCHEDULER_STANDBY_POLL_SECONDS``)
and the ``SMTP_*`` keys of :mod:`engine.notifications.outbox`. Their defaults are
:class:`~engine.scheduling.service.SchedulerConfig`'s.
"""

from __future__ import annotations

import errno
import gc
import importlib.util
import logging
import os
import signal
import socket
import stat
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
from .notification_texts import mail_languages

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
        schema_recheck=float(config.get("SCHEDULER_SCHEMA_RECHECK_SECONDS", defaults.schema_recheck)),
    )


def make_service(app: Flask) -> SchedulerService:
    factory = session_factory(app)
    smtp = SmtpSettings.from_config(app.config)
    # each notification's e-mail in its recipient's language, from the pages' catalogues
    mailer = partial(send_outbox, factory, smtp, languages=mail_languages()) if smtp is not None else None
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
        path = socket_path(host)
        if path is not None:
            why = _why_not_a_socket(path, error)
        elif error.errno == errno.EADDRINUSE:
            why = "the address is in use (another server?)"
        elif error.errno == errno.EACCES:
            why = "permission denied (a port below 1024 needs privileges)"
        elif error.errno == errno.EADDRNOTAVAIL:
            why = "this machine has no such address"
        else:
            why = (error.strerror or str(error)).lower()
        super().__init__(f"cannot listen on {_address(host, port)}: {why}")


def _why_not_a_socket(path: str, error: OSError) -> str:
    folder = os.path.dirname(path)
    if error.errno == errno.ENOENT:
        return f"the folder {folder} does not exist"
    if error.errno == errno.EADDRINUSE:
        return "a server listens on that socket (another server?)"
    if error.errno == errno.EEXIST:
        return "a file that is not a socket is in the way"
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied (the folder {folder} must be writable by this user)"
    return (error.strerror or str(error)).lower()


def _address(host: str, port: int) -> str:
    if socket_path(host) is not None:
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


DEFAULT_BIND = "127.0.0.1:5000"
BIND_VARIABLE = "CONGRESSFLOW_BIND"
# A Unix socket instead of a port, written as gunicorn and nginx write it (``unix:PATH``): with
# nginx on the same machine there is no port to firewall, and whoever may connect is whoever
# the file's mode lets in: the service's group (nginx's user joins it), no one else.
UNIX_PREFIX = "unix:"
UNIX_SOCKET_MODE = 0o660
_UNIX_PATH_MAX = 107  # bytes of a socket's path on Linux (sun_path less its closing NUL)


def socket_path(host: str) -> str | None:
    """The Unix socket's path when ``host`` is ``unix:PATH`` (how ``bind_address`` gives a
    socket: as the host, with port 0), else None."""
    return host[len(UNIX_PREFIX) :] if host.startswith(UNIX_PREFIX) else None


def bind_address(text: str, name: str = BIND_VARIABLE) -> tuple[str, int]:
    """``HOST:PORT`` (``[IPv6]:PORT``), as CONGRESSFLOW_BIND holds it, or ``unix:PATH`` (an
    absolute path), given back whole as the host with port 0; ValueError otherwise, naming
    ``name``, where the text came from."""
    given, text = text, text.strip()
    if text.startswith(UNIX_PREFIX):
        path = text[len(UNIX_PREFIX) :]
        if not path.startswith("/"):
            raise ValueError(
                f"{name} is {given!r}: a Unix socket takes an absolute path, such as"
                f" {UNIX_PREFIX}/run/congressflow-web/web.sock"
            )
        if len(os.fsencode(path)) > _UNIX_PATH_MAX:
            raise ValueError(f"{name} is {given!r}: a Unix socket's path has {_UNIX_PATH_MAX} bytes at most")
        return UNIX_PREFIX + path, 0
    host, colon, port_text = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    port = int(port_text) if colon and port_text.strip().isdigit() else 0
    if not host or (":" in host and not text.startswith("[")) or not 1 <= port <= 65535:
        raise ValueError(
            f"{name} is {given!r}: it takes HOST:PORT, such as {DEFAULT_BIND} or [::1]:5000,"
            f" or {UNIX_PREFIX}PATH, a Unix socket's absolute path"
        )
    return host, port


def clear_socket_path(path: str) -> None:
    """Make way for a new socket at ``path``: a socket file left by a server that ended without
    removing it (a crash, a kill) is removed; CannotListen, before anything else starts, when
    the folder is missing, a server still answers on the socket, or another kind of file is
    there (waitress and gunicorn would remove a live server's socket, or fail with a traceback).
    web/gunicorn_conf.py repeats this check for gunicorn run on its own (it imports no ``web``)."""
    address = UNIX_PREFIX + path
    if not os.path.isdir(os.path.dirname(path)):
        raise CannotListen(address, 0, FileNotFoundError(errno.ENOENT, "no folder"))
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise CannotListen(address, 0, FileExistsError(errno.EEXIST, "not a socket"))
    with socket.socket(socket.AF_UNIX) as probe:
        probe.settimeout(2)
        try:
            probe.connect(path)
        except ConnectionRefusedError:  # nobody listens: a file a crashed server left
            os.unlink(path)
            log.info("removed %s, a socket a server left behind (none listens on it)", path)
            return
        except (TimeoutError, BlockingIOError):  # a server too busy to accept: it is there
            pass
        except OSError as exc:
            raise CannotListen(address, 0, exc) from None
    raise CannotListen(address, 0, OSError(errno.EADDRINUSE, "in use"))


def try_listening(host: str, port: int) -> None:
    """CannotListen, said in one line as waitress's start says it, when ``host:port`` cannot be
    listened on now (taken by another server, a port below 1024 without privileges, an address
    this machine does not have): gunicorn would retry for five seconds, printing "Connection in
    use" each second, then stop. The socket is made as gunicorn makes its own (SO_REUSEADDR: a
    port whose last connections are still closing is free to it) and closed at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            probe.listen()
    except OSError as exc:
        raise CannotListen(host, port, exc) from None


def _sockets_handed_over() -> bool:
    """gunicorn is handed sockets open already (a USR2 upgrade's new arbiter, systemd's socket
    activation), listened on by design: web/gunicorn_conf.py's ``on_starting`` asks the same."""
    return "GUNICORN_FD" in os.environ or "LISTEN_FDS" in os.environ


GUNICORN_CONF = Path(__file__).with_name("gunicorn_conf.py")
# set for the processes ``serve --workers N`` starts (web/configuration.py reads it)
WARNED_BY_STARTER = "CONGRESSFLOW_WARNED_BY_STARTER"
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
    path = socket_path(host)
    if path is not None:
        clear_socket_path(path)  # CannotListen in one line, before gunicorn starts
    elif not _sockets_handed_over():
        try_listening(host, port)  # CannotListen in one line, where gunicorn tries for 5 s
    os.environ["CONGRESSFLOW_SCHEDULER_IN_SERVER"] = "1" if with_scheduler else "0"
    argv = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF), "--bind", address]
    # this process built the app already (the command's), saying its warnings at start: the
    # workers and the scheduler child, which build it again, say them no more (gunicorn sets
    # the variable in the arbiter's environment, which they inherit)
    argv += ["--env", f"{WARNED_BY_STARTER}=1"]
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
    """The web app on waitress, with the scheduler in a background thread; ``host`` may be
    ``unix:PATH`` (``bind_address``), a Unix socket of mode 0660. The address is taken first:
    CannotListen (and no scheduler started) when it cannot be."""
    import waitress

    _configure_logging()
    path = socket_path(host)
    if path is not None:
        clear_socket_path(path)
        where: dict[str, Any] = {"unix_socket": path, "unix_socket_perms": f"{UNIX_SOCKET_MODE:o}"}
    else:
        where = {"host": host, "port": port}
    try:
        server = waitress.create_server(app, **where, **waitress_options(threads))
    except OSError as exc:
        raise CannotListen(host, port, exc) from None
    made = os.stat(path).st_ino if path is not None else None
    settle_memory()
    service: Any = None
    try:
        if with_scheduler:
            service = make_service(app)
            service.start_background()  # refuses at once on SQLite if another scheduler runs
        server.print_listen("Serving on http://{}:{}" if path is None else "Serving on " + UNIX_PREFIX + "{1}")
        server.run()
    finally:
        server.close()
        if path is not None:
            _remove_own_socket(path, made)
        if service is not None:
            service.stop()


def _remove_own_socket(path: str, made: int | None) -> None:
    """waitress leaves its socket's file behind when it stops; gunicorn removes its own. Only
    the file this server made, not one a server started meanwhile put there."""
    try:
        if os.stat(path).st_ino == made:
            os.unlink(path)
    except OSError:
        pass
