"""The firing thread: takes the timers whose moment came and fires them through
:func:`engine.usecases.timers.fire_timer`.

When several are due at once (a burst: a hundred suggestions assigned with the same
deadline) they are fired in one transaction of at most ``batch_max`` timers whose writes go
to the database together at the commit: the commit (an fsync on PostgreSQL, the write lock
on SQLite) and most round trips are paid once per batch instead of once per timer. If
anything in a batch fails, none of it is kept and each of its timers is fired again in a
transaction of its own, so a bad timer holds back no other. When timers come one by one,
each gets its own transaction. One thread: SQLite takes one writer at a time anyway, and on
PostgreSQL one batch at a time can never deadlock with another on the cases they lock.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime
from enum import Enum

from sqlalchemy.orm import Session, sessionmaker

from ..errors import Conflict, EngineError
from ..usecases.timers import fire_timer, fire_timers, record_failure

log = logging.getLogger(__name__)


class Outcome(Enum):
    FIRED = "fired"  # fired now, committed
    NOTHING = "nothing"  # not pending (fired or cancelled before) or not due yet
    CONFLICT = "conflict"  # its case changed meanwhile: try again at once
    FAILED = "failed"  # an error: try again after a back-off


Due = tuple[int, datetime]  # timer id, the wall-clock run time of its job
ResultCallback = Callable[[dict[int, tuple[Outcome, datetime]], float], None]


class Firer:
    def __init__(self, factory: sessionmaker[Session], on_results: ResultCallback, batch_max: int = 25):
        self.factory, self.on_results, self.batch_max = factory, on_results, max(1, batch_max)
        self._queue: queue.SimpleQueue[Due] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def submit(self, timer_id: int, run_at: datetime) -> None:
        self._queue.put((timer_id, run_at))

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="timer-firing", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                batch = [self._queue.get(timeout=0.2)]
            except queue.Empty:
                continue
            while len(batch) < self.batch_max:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                results, committed = self.fire(batch)
                self.on_results(results, committed)
            except Exception:
                log.exception("firing %d timer(s) failed unexpectedly", len(batch))

    def fire(self, batch: list[Due]) -> tuple[dict[int, tuple[Outcome, datetime]], float]:
        """Fire a batch; returns each timer's outcome and when it committed.

        Optimistic: all in one transaction, the ORM's writes collected and sent together at
        the commit. If anything in it fails, nothing of it is kept and each timer is fired
        again in a transaction of its own, so one bad timer holds back no other."""
        if len(batch) > 1:
            try:
                with self.factory.begin() as session, session.no_autoflush:
                    fired = fire_timers(session, [timer_id for timer_id, _ in batch])
                results = {
                    timer_id: (Outcome.FIRED if fired[timer_id] else Outcome.NOTHING, run_at)
                    for timer_id, run_at in batch
                }
                return results, time.time()
            except Exception as exc:
                log.info(
                    "a batch of %d timers failed (%s: %s); firing them one by one", len(batch), type(exc).__name__, exc
                )
        results = {}
        for timer_id, run_at in batch:
            results[timer_id] = (self._fire_one(timer_id), run_at)
        return results, time.time()

    def _fire_one(self, timer_id: int) -> Outcome:
        try:
            with self.factory.begin() as session:
                return Outcome.FIRED if fire_timer(session, timer_id) else Outcome.NOTHING
        except Conflict:
            return Outcome.CONFLICT
        except EngineError as exc:
            # the process failed (a script, an expression after the timer): an incident on the
            # case (a timer start event's, which has no case yet: on its process version), and
            # the back-off tries again (a fixed setting lets a later try through)
            log.warning("timer %s could not fire: %s", timer_id, exc)
            record_failure(self.factory, timer_id, exc)
            return Outcome.FAILED
        except Exception:
            log.exception("timer %s could not fire; it stays pending", timer_id)
            return Outcome.FAILED
