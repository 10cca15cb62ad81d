"""The timer scheduler: fires every deadline at its due moment, exactly once.

The ``timers`` table is the only record. APScheduler (in-memory job store) is just an
alarm clock: the scheduler keeps one date job per pending timer due within ``window``, at
its exact due time, and re-reads that window from the table every ``refresh_interval``
seconds (the pending timers' index by due time, well under a millisecond), so timers
added or moved by any process are picked up within that interval. Each job hands its timer
to the firing thread (:mod:`engine.scheduling.firing`), which fires it through
:func:`engine.usecases.timers.fire_timer` in its own transaction (a savepoint within a
shared one when a burst is due together); that use case
locks the row and re-checks it, so a duplicate or stale job changes nothing. Late jobs run
once (``misfire_grace_time=None``, ``coalesce=True``), never dropped. On start, everything
already overdue gets a job that is late already: it runs at once, oldest first, on all the
firing threads (a standby taking over catches up in parallel, not one by one, which is what
``fire_due`` does for the ``fire-due`` command). A job that failed is not lost: its timer is
still pending, so a later refresh schedules it again (after a back-off for errors).

:class:`SchedulerService` adds "exactly one active scheduler per database"
(:mod:`engine.scheduling.leadership`): it waits as a standby until it holds the lock, runs the
scheduler while it does, and steps down if it loses it.

A database that cannot be reached, or has no schema yet, is said in one line when it happens
and once more when it is over, not in a traceback a second (:class:`Trouble`, the traceback at
DEBUG): a standby that cannot reach it retries at growing intervals (up to
``unreachable_max_wait``), and says "on standby" only when another process really holds the
lock. A lock lost with its connection (the database restarted) is one ERROR line too.

It leads only on the schema its code expects (:class:`SchemaGate`): on a database not migrated
yet, one migration behind (``congressflow db upgrade`` not run) or ahead (upgraded by a newer
CongressFlow), it does not fire timers with code written for another schema. It says so in one
WARNING line, stays on standby (PostgreSQL; on SQLite it keeps the lock file, so a second
scheduler is still refused) and checks again every ``standby_poll``; the active one checks every
``schema_recheck`` and steps down when the schema is changed under it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage import migrate
from storage import repositories as repo
from storage.backup import describe, first_line
from storage.db import readers_of

from .. import clock
from ..usecases import observers
from .firing import Firer, Outcome
from .health import schema_state
from .leadership import AlreadyRunning, Leadership, leadership_for, refusal_message

log = logging.getLogger(__name__)

FiredCallback = Callable[[int, float], None]  # timer id, time.time() when its firing committed


@dataclass(frozen=True)
class SchedulerConfig:
    window: timedelta = timedelta(minutes=10)  # how far ahead date jobs are kept
    refresh_interval: float = 1.0  # seconds between reads of the window
    max_jobs: int = 20_000  # date jobs held at most (nearest first)
    batch_max: int = 25  # timers due together fired per transaction at most
    standby_poll: float = 1.0  # a standby tries the lock this often
    check_interval: float = 1.0  # the active one checks it still holds the lock
    mail_interval: float = 2.0  # the e-mail outbox is sent this often
    retry_after: float = 5.0  # first back-off after a timer failed to fire
    max_retry_after: float = 600.0
    unreachable_max_wait: float = 30.0  # a standby that cannot reach the database waits at most this between tries
    schema_recheck: float = 10.0  # the active one checks the schema is still the one its code expects this often


def _skew(now: datetime) -> timedelta:
    """How far the engine clock is from the wall clock: zero unless a test froze it.

    APScheduler waits in wall-clock time; due times are in engine time. With a frozen
    clock a timer is due once the (moved) engine clock reaches it, so jobs are placed at
    ``due_at - skew`` and re-placed when a test moves the clock."""
    skew = now - datetime.now(UTC)
    return skew if abs(skew) > timedelta(seconds=1) else timedelta(0)


class Trouble:
    """A failure that comes back every round of a loop (the timers' refresh, the e-mails), said
    once: the first time with what to do, again only when it changes, and "working again" when
    it is over. A database that cannot be reached or has no current schema is one line (its
    traceback at DEBUG); any other error gets its traceback once."""

    def __init__(self, what: str, engine: Engine):
        self.what, self.engine = what, engine
        self._said: str | None = None  # the problem last logged; None: none

    def failed(self, exc: Exception) -> None:
        problem, known = self._problem(exc)
        if problem == self._said:
            log.debug("%s failed again: %s", self.what, problem, exc_info=exc)
            return
        self._said = problem
        if known:
            log.warning("%s: %s", self.what, problem)
            log.debug("%s failed", self.what, exc_info=exc)
        else:
            log.error("%s failed: %s", self.what, problem, exc_info=exc)

    def ok(self) -> None:
        if self._said is not None:
            log.info("%s: working again", self.what)
            self._said = None

    def _problem(self, exc: Exception) -> tuple[str, bool]:
        """What went wrong, and whether it is the database's state (known, said in a line)."""
        if isinstance(exc, SQLAlchemyError):
            state = schema_state(self.engine)
            if not state.reachable:
                return f"database unreachable ({state.error}); trying again every round", True
            if state.revision is None:
                return (
                    "the database has no schema: run `congressflow db upgrade` (a new installation: "
                    "`congressflow init`); deadlines fire once it is there",
                    True,
                )
            if not state.current and not migrate.knows(state.revision):
                return f"{state.detail}: a newer version of CongressFlow migrated it; run that version", True
            if not state.current:
                return f"{state.detail}: run `congressflow db upgrade`", True
        return f"{type(exc).__name__}: {first_line(exc)}", False


class LockWait:
    """What a scheduler waiting for the lock says, and how long it waits between tries: while
    the database answers, the standby poll, "on standby" said once; while it cannot be reached,
    one line a try ("database unreachable: retrying in N s") at intervals doubling from the
    standby poll up to ``longest``, and "reachable again" when it answers."""

    def __init__(self, database: str, poll: float, longest: float):
        self.database, self.poll, self.longest = database, poll, max(longest, poll)
        self._next_wait = poll  # after the next failure to reach the database
        self._unreachable = False
        self._standby_said = False

    def held_elsewhere(self) -> float:
        self._reached()
        if not self._standby_said:
            log.info("scheduler on standby: another process holds the lock; trying every %ss", self.poll)
            self._standby_said = True
        return self.poll

    def acquired(self) -> None:
        self._reached()

    def unreachable(self, exc: Exception) -> float:
        wait, self._next_wait = self._next_wait, min(self._next_wait * 2, self.longest)
        log.warning("database unreachable: retrying in %g s (%s: %s)", wait, self.database, first_line(exc))
        log.debug("the scheduler lock could not be tried", exc_info=exc)
        self._unreachable = True
        return wait

    def _reached(self) -> None:
        if self._unreachable:
            log.info("database reachable again: %s", self.database)
            self._unreachable, self._standby_said, self._next_wait = False, False, self.poll


class SchemaGate:
    """Whether the schema lets this scheduler lead: the one its code expects, and nothing else
    (timers fired with new code on an old schema, or old code on a newer one, go wrong). What
    is wrong is said once, in one WARNING line naming the revisions and what to run, again only
    when it changes, and "current" once it is. Asked every second by a standby: one read of
    Alembic's version table (this code's head is read from its migrations once)."""

    _NOTHING_SAID = "-"  # no revision is "-": nothing is wrong, or nothing was said yet

    def __init__(self, engine: Engine, database: str, poll: float):
        self.engine, self.database, self.poll = engine, database, poll
        self.head = migrate.head_revision()
        self._said: str | None = self._NOTHING_SAID  # the revision whose problem was said last

    def allows(self, doing: str = "not taking the lead") -> bool:
        """True on the expected schema, and when the database cannot be reached (the lock's
        try says that, and an active scheduler's refresh); False, said, on any other."""
        try:
            with self.engine.connect() as connection:
                revision = migrate.current_revision(connection)
        except Exception as exc:
            log.debug("the schema could not be read", exc_info=exc)
            return True
        if revision == self.head:
            if self._said != self._NOTHING_SAID:
                log.info("the database %s now has the schema this code expects (%s)", self.database, self.head)
                self._said = self._NOTHING_SAID
            return True
        if revision != self._said:
            log.warning("scheduler %s: %s; checking again every %gs", doing, self.problem(revision), self.poll)
            self._said = revision
        return False

    def problem(self, revision: str | None) -> str:
        if revision is None:
            return (
                f"the database {self.database} has no schema (this code expects {self.head}): run "
                "`congressflow db upgrade` (a new installation: `congressflow init`)"
            )
        if migrate.knows(revision):
            return (
                f"the database {self.database} is at schema {revision}, older than this code's "
                f"{self.head}: run `congressflow db upgrade`"
            )
        return (
            f"{migrate.unknown_revision(f'the database {self.database}', revision)}: a newer version "
            "of CongressFlow migrated it; run that version's scheduler"
        )


def _engine_of(factory: sessionmaker[Session]) -> Engine:
    bind = factory.kw["bind"]
    assert isinstance(bind, Engine)
    return bind


class TimerScheduler:
    """The APScheduler part. Run it only while holding the lock (see SchedulerService)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        config: SchedulerConfig | None = None,
        *,
        on_fired: FiredCallback | None = None,
        mailer: Callable[[], object] | None = None,
    ):
        self.factory, self.config = factory, config or SchedulerConfig()
        self._readers = readers_of(factory)  # the sweep only reads
        self.on_fired, self.mailer = on_fired, mailer
        self._lock = threading.Lock()
        self._scheduled: dict[int, datetime] = {}  # timer id -> wall-clock run time of its job
        self._retry: dict[int, tuple[float, float]] = {}  # timer id -> (not before, next delay)
        self._aps: BackgroundScheduler | None = None
        self._stopping = threading.Event()
        self._loops: list[threading.Thread] = []
        self._firer: Firer | None = None
        self._refresh_trouble = Trouble("reading the timers table", _engine_of(factory))
        self._mail_trouble = Trouble("sending notification e-mails (they stay in the outbox)", _engine_of(factory))

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> int:
        """Schedule every pending timer due within the window and keep up. The overdue ones
        (due while no scheduler ran) are jobs already late: they run at once, oldest first,
        each once, in batches. Returns how many timers were scheduled."""
        self._firer = Firer(self.factory, self._after_firing, self.config.batch_max)
        self._firer.start()
        # The jobs only hand their timer to the firing thread: one executor thread is plenty.
        self._aps = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(1)},
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._aps.add_listener(self._on_skipped, EVENT_JOB_MAX_INSTANCES)
        self._aps.start()
        scheduled = self.refresh()
        self._stopping.clear()
        # Two plain loops, not APScheduler interval jobs: a slow round (a busy database, an
        # SMTP timeout) delays the next one instead of piling up "skipped" runs.
        self._loops = [self._loop(self.refresh, self.config.refresh_interval, "timer-refresh")]
        if self.mailer is not None:
            self._loops.append(self._loop(self._send_mail, self.config.mail_interval, "timer-mail", first=True))
        return scheduled

    def _loop(self, action: Callable[[], object], interval: float, name: str, first: bool = False) -> threading.Thread:
        def guarded() -> None:
            try:
                action()
            except Exception:
                log.exception("%s failed; next round in %ss", name, interval)

        def run() -> None:
            if first:
                guarded()
            while not self._stopping.wait(interval):
                guarded()

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        return thread

    def stop(self, wait: bool = True) -> None:
        self._stopping.set()
        for thread in self._loops:
            if thread is not threading.current_thread():
                thread.join(30 if wait else 0)
        self._loops = []
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=wait)
        self._aps = None
        if self._firer is not None:
            self._firer.stop()
        self._firer = None
        with self._lock:
            self._scheduled.clear()

    @property
    def running(self) -> bool:
        return self._aps is not None and self._aps.running

    # -- the window --------------------------------------------------------------
    def refresh(self) -> int:
        """Bring the date jobs in line with the pending timers due within the window;
        returns how many jobs were added or moved."""
        now = clock.now()
        skew = _skew(now)
        try:
            with self._readers() as session:
                rows = repo.pending_timers_due_by(session, now + self.config.window, self.config.max_jobs)
        except Exception as exc:
            self._refresh_trouble.failed(exc)
            return 0
        self._refresh_trouble.ok()
        aps = self._aps
        if aps is None:
            return 0
        changed = 0
        wall = time.monotonic()
        with self._lock:
            for timer_id, due_at in rows:
                retry = self._retry.get(timer_id)
                if retry is not None and retry[0] > wall:
                    continue
                run_at = due_at - skew
                current = self._scheduled.get(timer_id)
                if current is not None and abs(current - run_at) < timedelta(milliseconds=1):
                    continue
                self._scheduled[timer_id] = run_at
                aps.add_job(
                    self._fire,
                    "date",
                    run_date=run_at,
                    args=(timer_id, run_at),
                    id=f"timer-{timer_id}",
                    replace_existing=True,
                )
                changed += 1
            if len(rows) < self.config.max_jobs:  # the whole window is known: drop what left it
                for timer_id in set(self._scheduled) - {r[0] for r in rows}:
                    try:
                        aps.remove_job(f"timer-{timer_id}")
                    except JobLookupError:
                        pass  # running right now
                    self._scheduled.pop(timer_id, None)
        return changed

    # -- the jobs ----------------------------------------------------------------
    def _fire(self, timer_id: int, run_at: datetime) -> None:
        """The job: the moment came; hand the timer to the firing thread."""
        firer = self._firer
        if firer is not None:
            firer.submit(timer_id, run_at)

    def _after_firing(self, results: dict[int, tuple[Outcome, datetime]], committed: float) -> None:
        now = time.monotonic()
        with self._lock:
            for timer_id, (outcome, run_at) in results.items():
                if outcome == Outcome.FAILED:
                    _, delay = self._retry.get(timer_id, (0.0, self.config.retry_after))
                    self._retry[timer_id] = (now + delay, min(delay * 2, self.config.max_retry_after))
                    log.warning("timer %s: trying again in %.0fs", timer_id, delay)
                else:
                    self._retry.pop(timer_id, None)
                    if outcome == Outcome.CONFLICT:
                        log.info("timer %s: its case changed meanwhile; firing again", timer_id)
                if self._scheduled.get(timer_id) == run_at:
                    del self._scheduled[timer_id]  # still pending? the next refresh schedules it again
        for timer_id, (outcome, run_at) in results.items():
            if outcome == Outcome.FIRED:
                # run_at is the due moment on the wall clock (see _skew): how late it fired
                observers.timer_fired(max(0.0, committed - run_at.timestamp()))
                if self.on_fired is not None:
                    self.on_fired(timer_id, committed)

    def _on_skipped(self, event: JobSubmissionEvent) -> None:
        """A job replaced while its previous run was still going was skipped: forget it,
        so the next refresh schedules the timer again (it is still pending)."""
        if event.job_id.startswith("timer-"):
            with self._lock:
                self._scheduled.pop(int(event.job_id[6:]), None)

    def _send_mail(self) -> None:
        assert self.mailer is not None
        try:
            self.mailer()
        except Exception as exc:
            self._mail_trouble.failed(exc)
            return
        self._mail_trouble.ok()

    def scheduled_ids(self) -> set[int]:
        with self._lock:
            return set(self._scheduled)


class SchedulerService:
    """One active scheduler per database: wait for the lock, run, step down on losing it."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        url: str,
        config: SchedulerConfig | None = None,
        *,
        on_fired: FiredCallback | None = None,
        mailer: Callable[[], object] | None = None,
        leadership: Leadership | None = None,
    ):
        self.factory, self.config = factory, config or SchedulerConfig()
        self.on_fired, self.mailer = on_fired, mailer
        self.leadership = leadership or leadership_for(url)
        self.database = describe(url)
        self.schema = SchemaGate(_engine_of(factory), self.database, self.config.standby_poll)
        self.active = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.scheduler: TimerScheduler | None = None

    def acquire_or_refuse(self) -> bool:
        """Try the lock once. Where a second scheduler must refuse (SQLite), raise
        AlreadyRunning; where it waits (PostgreSQL), return False."""
        if self.leadership.try_acquire():
            return True
        if not self.leadership.waits:
            raise AlreadyRunning(refusal_message(self.leadership))  # type: ignore[arg-type]
        return False

    def run(self) -> None:
        """Block until stop(): standby, active, and back to standby if the lock is lost."""
        try:
            while not self._stop.is_set():
                if not self._wait_for_lock():
                    return
                self._run_active()
        finally:
            self.leadership.dispose()

    def _wait_for_lock(self) -> bool:
        """Until this process holds the lock on the schema its code expects (True), or stop()
        (False). PostgreSQL: on another schema it stays a standby, the lock left to a scheduler
        whose code fits. SQLite: the lock first, so a second scheduler is refused at once, then
        the schema, waited for holding it."""
        waiting = LockWait(self.database, self.config.standby_poll, self.config.unreachable_max_wait)
        while not self._stop.is_set():
            try:
                wait = self.config.standby_poll
                if self.leadership.waits and not self.schema.allows():
                    pass
                elif not self.acquire_or_refuse():
                    wait = waiting.held_elsewhere()
                else:
                    waiting.acquired()
                    if self.schema.allows():
                        return True
                    if self.leadership.waits:
                        self.leadership.release()
            except AlreadyRunning:
                raise
            except Exception as exc:
                wait = waiting.unreachable(exc)
            self._stop.wait(wait)
        return False

    def _run_active(self) -> None:
        scheduler = self.scheduler = TimerScheduler(
            self.factory, self.config, on_fired=self.on_fired, mailer=self.mailer
        )
        log.info("this process holds the scheduler lock")
        try:
            scheduled = scheduler.start()
            self.active.set()
            observers.leadership_changed(True)
            log.info(
                "scheduler active: %d timer(s) due within %s scheduled, the overdue ones at once",
                scheduled,
                self.config.window,
            )
            schema_checked = time.monotonic()
            while not self._stop.wait(self.config.check_interval):
                if not self.leadership.still_held():
                    because = self.leadership.lost_because  # one line: an expected event (a database restart)
                    log.error("scheduler lock lost: %s", f"{because}; stepping down" if because else "stepping down")
                    break
                if time.monotonic() - schema_checked >= self.config.schema_recheck:
                    schema_checked = time.monotonic()
                    if not self.schema.allows("stepping down"):
                        break
        finally:
            if self.active.is_set():
                observers.leadership_changed(False)
            self.active.clear()
            scheduler.stop()
            self.leadership.release()

    def start_background(self) -> threading.Thread:
        """Run in a daemon thread (the web app's in-process scheduler). On SQLite, refuse
        here, at once, when another scheduler runs. A database not reachable yet is no reason
        to refuse: the thread waits for it, saying so (``LockWait``). Where a second scheduler
        waits (PostgreSQL) nothing is taken here: the thread takes the lock only on the schema
        its code expects (``SchemaGate``)."""
        try:
            if not self.leadership.waits:
                self.acquire_or_refuse()
        except AlreadyRunning:
            raise
        except Exception as exc:
            log.debug("the scheduler lock could not be tried yet", exc_info=exc)
        self._thread = threading.Thread(target=self.run, name="congressflow-scheduler", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = 30) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
