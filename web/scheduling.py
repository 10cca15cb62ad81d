"""Running the timer scheduler for an app: standalone (``congressflow scheduler``) or inside
the web server process (``congressflow serve``, the single-machine default).

The web server is waitress: a production WSGI server in pure Python, multi-threaded, with
no reloader. Flask's development server is for development only, and its reloader runs
the app twice — two schedulers in one deployment.

Configuration (``CONGRESSFLOW_`` prefix in the environment): ``SCHEDULER_WINDOW_MINUTES``,
``SCHEDULER_REFRESH_SECONDS``, ``SCHEDULER_BATCH_MAX``, ``SCHEDULER_STANDBY_POLL_SECONDS``
and the ``SMTP_*`` keys of :mod:`engine.notifications.outbox`.
"""

from __future__ import annotations

import logging
import signal
from datetime import timedelta
from functools import partial
from typing import Any

from flask import Flask

from engine.notifications.outbox import SmtpSettings, send_outbox
from engine.scheduling.service import SchedulerConfig, SchedulerService

from .database import session_factory

log = logging.getLogger(__name__)


def scheduler_config(app: Flask) -> SchedulerConfig:
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


def run_standalone(app: Flask) -> None:
    """Block until SIGTERM / Ctrl-C. Raises AlreadyRunning when refused (SQLite)."""
    _configure_logging()
    service = make_service(app)
    signal.signal(signal.SIGTERM, lambda *_: service.stop())
    try:
        service.run()
    except KeyboardInterrupt:
        service.stop()


def serve(app: Flask, host: str, port: int, threads: int, with_scheduler: bool) -> None:
    """The web app on waitress, with the scheduler in a background thread."""
    import waitress

    _configure_logging()
    service: Any = None
    if with_scheduler:
        service = make_service(app)
        service.start_background()  # refuses at once on SQLite if another scheduler runs
    try:
        waitress.serve(app, host=host, port=port, threads=threads)
    finally:
        if service is not None:
            service.stop()
