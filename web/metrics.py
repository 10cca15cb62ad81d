"""Prometheus metrics (``prometheus_client``) at ``/metrics``, in the text exposition format.

* ``congressflow_http_request_duration_seconds`` (histogram): each request, labelled by its
  route (the URL rule, ``/tasks/<task_id>``, never the raw path: a bounded set of series;
  ``unmatched`` for a path no rule matches), method and status class (``2xx``...).
* ``congressflow_tasks_completed_total`` (counter), by process key: completions that committed.
* ``congressflow_timer_lateness_seconds`` (histogram): from a timer's due moment to its firing
  committed, observed where the scheduler runs.
* ``congressflow_scheduler_leader`` (gauge): 1 while this process (under gunicorn: some live
  process of this server) runs the scheduler.
* ``congressflow_open_tasks``, ``congressflow_overdue_tasks`` (gauges): counted in the
  database at each scrape (one indexed query, ``engine.usecases.monitoring``).
* ``congressflow_mail_waiting``, ``congressflow_mail_oldest_waiting_seconds``,
  ``congressflow_mail_given_up`` (gauges, by ``outbox``: ``notifications`` or ``process``):
  the e-mails still to be sent, how long the oldest of them has waited (0: none waits), and
  those not sent and not tried any more (refused ``MAX_ATTEMPTS`` times, or older than
  ``MAX_AGE``); counted in the database at each scrape (``engine.notifications.outbox``), only
  where SMTP is configured (without it nothing is e-mailed, and nothing waits to be). An
  alert on the oldest waiting (say, over an hour) tells an SMTP server that stopped answering.
* ``congressflow_database_up`` (gauge): 1 when the database answered that count, 0 when it
  could not be reached: the scrape then shows the process's own figures (requests, completions,
  timer lateness, leadership) without the database's counts, so that they do not vanish during
  an outage. A token cannot be checked then: a scrape that needs one answers 503 (plain text);
  one from this machine (while allowed) is served.

The engine tells completions, firings and leadership through ``engine.usecases.observers``;
it imports no metrics library.

**Several processes** (gunicorn, ``congressflow serve --workers N``): each worker counts its
own requests, so prometheus_client's multiprocess mode is used: with
``PROMETHEUS_MULTIPROC_DIR`` set in the environment before the processes start (web/gunicorn_conf.py
does it), every process writes its figures to files in that folder and a scrape of any worker
adds them up. The folder must be empty when the server starts (gunicorn_conf empties it) and a
dead worker's live gauges are dropped (gunicorn_conf's ``child_exit``).

**Who may read them**: ``engine.access.may_read_metrics``: an API token of someone with
``metrics.read``, or a scrape from this machine itself while ``METRICS_ALLOW_LOOPBACK`` is true
(the default). A request that a reverse proxy passed on (it carries ``X-Forwarded-For``,
``Forwarded`` or ``X-Real-IP``) does not count as from this machine.
"""

from __future__ import annotations

import ipaddress
import os
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from engine import clock
from engine.errors import NotAllowed
from engine.notifications.outbox import OutboxStatus, outbox_status
from engine.usecases import monitoring, observers, tokens
from storage.backup import first_line

from . import database
from .errors import database_unavailable

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
# A timer is normally fired within milliseconds of its moment; minutes and hours mean the
# scheduler was down or stepped down, which the upper buckets show.
LATENESS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600)


@dataclass(frozen=True)
class Instruments:
    registry: CollectorRegistry  # this process's own figures (scraped as they are in one process)
    requests: Histogram
    completions: Counter
    lateness: Histogram
    leader: Gauge


@cache
def instruments() -> Instruments:
    """This process's metrics, made once (a test starts again from zero with
    ``instruments.cache_clear()``)."""
    registry = CollectorRegistry(auto_describe=True)
    if not multiprocess():
        ProcessCollector(registry=registry)  # memory, CPU, open files: one process's own
    return Instruments(
        registry=registry,
        requests=Histogram(
            "congressflow_http_request_duration_seconds",
            "Time to answer a request, by route (the URL rule), method and status class.",
            ("route", "method", "status"),
            registry=registry,
        ),
        completions=Counter(
            "congressflow_tasks_completed",
            "Tasks completed by people (committed; not a ledger's replays), by process key.",
            ("process",),
            registry=registry,
        ),
        lateness=Histogram(
            "congressflow_timer_lateness_seconds",
            "From a timer's due moment to its firing committed.",
            buckets=LATENESS_BUCKETS,
            registry=registry,
        ),
        leader=Gauge(
            "congressflow_scheduler_leader",
            "1 while this process (several: one of them) runs the timer scheduler.",
            registry=registry,
            multiprocess_mode="livemax",
        ),
    )


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def init_app(app: Flask) -> None:
    """Count this app's requests, the engine's completions, firings and leadership, and
    serve ``/metrics``. Call it before other ``before_request`` hooks: the time a request
    takes is counted from the first."""
    instruments()
    observers.on_task_completed(_count_completion)
    observers.on_timer_fired(_observe_lateness)
    observers.on_leadership_changed(_set_leader)
    app.before_request(_start_clock)
    app.after_request(_observe_request)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])


# -- what is counted ------------------------------------------------------------------------
def _count_completion(process_key: str) -> None:
    instruments().completions.labels(process=process_key).inc()


def _observe_lateness(late_by: float) -> None:
    instruments().lateness.observe(late_by)


def _set_leader(active: bool) -> None:
    instruments().leader.set(1 if active else 0)


def _start_clock() -> None:
    g.metrics_started = time.perf_counter()


def _observe_request(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None:
        rule = request.url_rule
        instruments().requests.labels(
            route=rule.rule if rule is not None else "unmatched",
            method=request.method,
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
    return response


# -- /metrics ------------------------------------------------------------------------------
def metrics_view() -> Response:
    # every answer here is in plain text, not the product's error page: the reader is a
    # scraper, and one that sent no credentials is told how to (401, WWW-Authenticate)
    secret = _bearer_secret()
    from_loopback = _from_loopback()
    # a boolean, "yes" or "off" read as one at start (web/configuration.py)
    loopback_allowed = bool(current_app.config.get("METRICS_ALLOW_LOOPBACK", True))
    mail: OutboxStatus | None = None
    try:
        try:
            result = monitoring.scrape(
                database.session(), secret, from_loopback=from_loopback, loopback_allowed=loopback_allowed
            )
            if current_app.config.get("SMTP_HOST"):  # let in: the outboxes' figures too
                mail = outbox_status(database.session())
        except DBAPIError as exc:
            if not database_unavailable(exc):
                raise
            _outages.began(database.engine(), exc)
            result = monitoring.scrape_without_database(
                secret, from_loopback=from_loopback, loopback_allowed=loopback_allowed
            )
        else:
            _outages.ended(database.engine())
    except NotAllowed as exc:
        if secret is None:
            return Response(f"{exc.message}\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}, "text/plain")
        return Response(f"{exc.message}\n", 403, mimetype="text/plain")
    except monitoring.TokenUnchecked as exc:
        return Response(f"{exc}\n", 503, {"Retry-After": "30"}, "text/plain")
    if result.token_to_record is not None:
        tokens.record_use(database.session_factory(), result.token_to_record)
    body = generate_latest(_Exposition(_sources(), result, mail))
    # as the exposition format names it, charset included (a mimetype would get Flask's own
    # charset added again, and Prometheus refuses a parameter given twice)
    return Response(body, 200, content_type=CONTENT_TYPE_LATEST)


class _Outages:
    """Whether the database was down at the last scrape, for each engine (each app's
    database): an outage is logged when it begins and when it ends, not at every scrape
    (Prometheus scrapes every 15 s; ``congressflow_database_up`` says it at each)."""

    def __init__(self) -> None:
        self._down: weakref.WeakSet[Engine] = weakref.WeakSet()
        self._lock = threading.Lock()

    def began(self, engine: Engine, exc: DBAPIError) -> None:
        with self._lock:
            if engine in self._down:
                return
            self._down.add(engine)
        current_app.logger.warning(
            "metrics: database unavailable, serving this process's figures until it answers again: %s",
            first_line(exc),
        )

    def ended(self, engine: Engine) -> None:
        with self._lock:
            if engine not in self._down:
                return
            self._down.discard(engine)
        current_app.logger.info("metrics: the database answers again; its counts are served again")


_outages = _Outages()


def _bearer_secret() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def _from_loopback() -> bool:
    if any(request.headers.get(name) for name in FORWARDING_HEADERS):
        return False  # passed on by a proxy on this machine: from elsewhere in truth
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:  # no address, or a unix socket's path
        return False


def _sources() -> list[Collector]:
    """What this scrape reads: the files of every process (multiprocess mode), or this
    process's own registry."""
    if multiprocess():
        return [MultiProcessCollector(None)]
    return [instruments().registry]


class _Exposition:
    """One scrape: the counted figures and, for ``/metrics`` (``scrape``), whether the
    database answered and the figures it counted just now. The scheduler's own server
    (``scrape`` None) asks the database nothing, and says nothing of it."""

    def __init__(
        self, sources: Iterable[Collector], scrape: monitoring.Scrape | None, mail: OutboxStatus | None = None
    ):
        self.sources, self.scrape, self.mail = list(sources), scrape, mail

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            yield from source.collect()
        if self.scrape is None:
            return
        figures = self.scrape.figures
        yield GaugeMetricFamily(
            "congressflow_database_up",
            "1 when the database answered this scrape's counts, 0 when it could not be reached.",
            value=0 if figures is None else 1,
        )
        if figures is not None:
            yield GaugeMetricFamily(
                "congressflow_open_tasks", "Tasks waiting for someone (ready).", value=figures.open_tasks
            )
            yield GaugeMetricFamily(
                "congressflow_overdue_tasks", "Open tasks past their due date.", value=figures.overdue_tasks
            )
        if self.mail is not None:
            yield from _mail_figures(self.mail)


def _mail_figures(mail: OutboxStatus) -> Iterator[Metric]:
    """The outboxes' gauges, by outbox (``notifications``, ``process``)."""
    waiting = GaugeMetricFamily(
        "congressflow_mail_waiting", "E-mails waiting to be sent, by outbox.", labels=("outbox",)
    )
    given_up = GaugeMetricFamily(
        "congressflow_mail_given_up",
        "E-mails not sent and not tried any more (refused too often, or too old), by outbox.",
        labels=("outbox",),
    )
    for outbox in sorted(mail.waiting):
        waiting.add_metric((outbox,), mail.waiting[outbox])
        given_up.add_metric((outbox,), mail.given_up.get(outbox, 0))
    age = mail.age(clock.now())
    yield waiting
    yield GaugeMetricFamily(
        "congressflow_mail_oldest_waiting_seconds",
        "How long the oldest e-mail still waiting to be sent has waited (0: none waits).",
        value=age.total_seconds() if age is not None else 0,
    )
    yield given_up


def serve_scheduler_metrics(host: str, port: int) -> None:
    """The scheduler run as a service of its own (``congressflow scheduler --metrics-port``):
    its timer lateness and leadership on a small HTTP server of prometheus_client's, in a
    daemon thread. Bind it to loopback (the default) or a private network: it asks no token."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Exposition(_sources(), None))
    start_http_server(port, addr=host, registry=registry)
