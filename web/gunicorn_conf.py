"""gunicorn's configuration for CongressFlow: what ``congressflow serve --workers N`` (N > 1)
runs, and what to give gunicorn when running it yourself::

    gunicorn --config web/gunicorn_conf.py --bind 127.0.0.1:5000 --workers 4 'web:create_app()'

(a file path, not ``python:web.gunicorn_conf``: importing the ``web`` package would load the
whole app in the arbiter). Command-line options win over the values here; each value here can
also be set in the environment:

* ``bind`` (``CONGRESSFLOW_BIND``, default ``127.0.0.1:5000``): behind a reverse proxy on the
  same machine, loopback is right, or a Unix socket (``unix:/run/congressflow-web/web.sock``;
  see deploy/nginx.conf): made with mode 0660 (``umask``), for the service's group only (nginx's
  user joins it). A socket file a crashed server left is replaced; one a server still answers
  on, a missing folder or another kind of file there stops the start in one line.
* ``workers`` (``CONGRESSFLOW_WORKERS``, default 2), ``threads`` (``CONGRESSFLOW_THREADS``,
  default 2): each worker a process with that many request threads, gunicorn's gthread
  worker taking only its share of the keep-alive connections (``EvenThreadWorker``). A
  worker's threads share one interpreter lock: on 2 cores, 2 workers of 2 threads served
  12-18 % more completions a second than of 4 (bench/README.md).
* ``timeout`` 60 s: a worker silent that long (a request stuck) is killed and replaced;
  ``graceful_timeout`` 30 s for requests under way at a restart or stop.
* ``preload_app`` off: each worker imports and builds the app itself after the fork, so no
  database connection or scheduler thread is ever shared by two processes, and a HUP reloads
  the code.
* ``worker_tmp_dir``: ``/dev/shm`` where there is one (the workers' heartbeat files; a disk
  that stalls would otherwise get healthy workers killed).
* Metrics: ``PROMETHEUS_MULTIPROC_DIR`` is set (to a new temporary folder unless given) before
  any worker starts, emptied at start, and a dead worker's live gauges are dropped
  (``child_exit``), as prometheus_client's multiprocess mode needs (see web/metrics.py).
* The scheduler (``CONGRESSFLOW_SCHEDULER_IN_SERVER``, ``1`` by default here; ``congressflow
  serve --no-scheduler`` sets ``0``): never in the workers (that would be N schedulers); once
  gunicorn is ready, the arbiter starts ONE child process running ``congressflow scheduler``,
  restarts it if it dies, and stops it with the server. The scheduler's leadership still
  holds across processes and machines: one active per database, others standing by
  (PostgreSQL) or refused (SQLite), see engine/scheduling/leadership.py. With the scheduler
  as a service of its own (deploy/congressflow-scheduler.service), set it to ``0``.

Only the standard library and gunicorn are imported here: this file runs in gunicorn's arbiter.
"""

from __future__ import annotations

import gc
import glob
import logging
import os
import shutil
import signal
import socket
import stat
import sys
import tempfile
import threading
import time
from multiprocessing.sharedctypes import RawArray, RawValue
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

log = logging.getLogger("gunicorn.error")


def _whole(variable: str, default: int) -> int:
    """A whole number, 1 or more, from the environment. A value it is not stops gunicorn in one
    line (SystemExit: gunicorn prints a traceback for any other error of its config file)."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    if text.isdigit() and int(text) >= 1:
        return int(text)
    print(f"Error: {variable} is {text!r}: it takes a whole number, 1 or more", file=sys.stderr, flush=True)
    raise SystemExit(1)


bind = os.environ.get("CONGRESSFLOW_BIND", "127.0.0.1:5000")
workers = _whole("CONGRESSFLOW_WORKERS", 2)
threads = _whole("CONGRESSFLOW_THREADS", 2)
# a Unix socket's mode: 0660, the service's user and group (gunicorn's own default, 0, would
# let every user of the machine connect); its other files (the workers' heartbeats) are 0600
umask = 0o117
timeout = 60
graceful_timeout = 30
preload_app = False
# gunicorn's control socket (gunicornc) is not used; one path per user would be shared by
# every server of that user on the machine
control_socket_disable = True
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Set here, before any worker (or the scheduler child) starts and imports prometheus_client,
# which picks its multiprocess mode from the environment when first imported. gunicorn reads
# this file again at a reload (HUP), the folder set by then: which one this server made is
# kept in the environment too, for on_exit to remove it.
_MADE_METRICS_DIR = "CONGRESSFLOW_METRICS_DIR_MADE"
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="congressflow-metrics-")
    os.environ[_MADE_METRICS_DIR] = os.environ["PROMETHEUS_MULTIPROC_DIR"]
METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"]
_OWN_METRICS_DIR = os.environ.get(_MADE_METRICS_DIR) == METRICS_DIR

SCHEDULER_COMMAND = [
    sys.executable,
    "-c",
    "from web.cli import main; main(['scheduler', '--exit-with-parent'], prog_name='congressflow')",
]


def on_starting(server: Any) -> None:
    """Figures of an earlier run must not be added to this one's. Before gunicorn makes its
    sockets: a Unix socket's path is made ready (``_clear_socket_path``)."""
    # sockets handed over (a USR2 upgrade's new arbiter, systemd's socket activation) are open
    # already, and listened on by design
    inherited = "GUNICORN_FD" in os.environ or "LISTEN_FDS" in os.environ
    for address in [] if inherited else server.cfg.bind:
        if address.startswith("unix:"):
            problem = _clear_socket_path(address[len("unix:") :])
            if problem:
                print(f"Error: cannot listen on {address}: {problem}", file=sys.stderr, flush=True)
                if _OWN_METRICS_DIR:
                    shutil.rmtree(METRICS_DIR, ignore_errors=True)
                raise SystemExit(1)
    os.makedirs(METRICS_DIR, exist_ok=True)
    for stale in glob.glob(os.path.join(METRICS_DIR, "*.db")):
        os.unlink(stale)


def _clear_socket_path(path: str) -> str | None:
    """web/scheduling.py's ``clear_socket_path`` (this file imports no ``web``), saying what is
    wrong instead of raising: a stale socket file (nobody listens) is removed, as gunicorn would
    remove it; but gunicorn would also remove a live server's socket, take a missing folder for
    a busy address (five tries, then "Can't connect"), and show a traceback for another kind of
    file at the path."""
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        return f"the folder {folder} does not exist"
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if not stat.S_ISSOCK(mode):
        return "a file that is not a socket is in the way"
    with socket.socket(socket.AF_UNIX) as probe:
        probe.settimeout(2)
        try:
            probe.connect(path)
        except ConnectionRefusedError:
            os.unlink(path)
            log.info("removed %s, a socket a server left behind (none listens on it)", path)
            return None
        except (TimeoutError, BlockingIOError):
            pass
        except PermissionError:
            return f"permission denied (the folder {folder} must be writable by this user)"
        except OSError as exc:
            return (exc.strerror or str(exc)).lower()
    return "a server listens on that socket (another server?)"


# web/scheduling.py's WARNED_BY_STARTER (this file imports no ``web``): set, the app's warnings
# about its configuration are not said again by a process building it (web/configuration.py)
WARNED_BY_STARTER = "CONGRESSFLOW_WARNED_BY_STARTER"


def _first_app_started(server: Any) -> None:
    """gunicorn run directly (``serve`` sets WARNED_BY_STARTER itself, having said the warnings):
    the first process started that builds the app says them (the scheduler child, started
    before the workers, else the first worker); every one started after it inherits the
    variable from the arbiter's environment, set from then on, and says them no more."""
    if getattr(server, "congressflow_app_started", False):
        os.environ[WARNED_BY_STARTER] = "1"
    server.congressflow_app_started = True


def pre_fork(server: Any, worker: Any) -> None:
    _first_app_started(server)
    shares = getattr(server, "congressflow_shares", None)
    if shares is None:  # made before the first fork, kept by the arbiter across reloads (HUP)
        shares = server.congressflow_shares = ConnectionShares()
    worker.congressflow_shares, worker.congressflow_slot = shares, shares.reserve()


def post_worker_init(worker: Any) -> None:
    """This worker has loaded the app: what it made is set aside from the garbage collector's
    full passes, as web/scheduling.py's ``settle_memory`` does for waitress (the web package
    is not imported here, so its two lines are repeated)."""
    gc.collect()
    gc.freeze()


def when_ready(server: Any) -> None:
    if os.environ.get("CONGRESSFLOW_SCHEDULER_IN_SERVER", "1") == "1":
        _first_app_started(server)
        server.congressflow_scheduler = SchedulerChild()
        server.congressflow_scheduler.start()
    else:
        log.info("no scheduler in this server: run `congressflow scheduler` as a service of its own")


def on_reload(server: Any) -> None:
    """A reload (HUP, the web unit's ExecReload, after an upgrade of the code): gunicorn starts
    new workers with the code now installed; the scheduler child is started again as well,
    once the running one has stopped (gracefully), so that it does not go on running the old."""
    child = getattr(server, "congressflow_scheduler", None)
    if child is not None:
        child.restart()


def child_exit(server: Any, worker: Any) -> None:
    _mark_dead(worker.pid)
    shares = getattr(server, "congressflow_shares", None)
    if shares is not None:
        shares.release(getattr(worker, "congressflow_slot", None))


# -- keep-alive connections spread evenly over the workers ---------------------------------
# A worker accepts a new connection when its main loop gets there first, and one just woken by
# the first of a burst of connections gets to most of the burst: 16 clients connecting at once
# split 12 / 4 over two workers, and as a keep-alive connection stays with its worker, the
# clients of the busier one waited three times as long (p95 of a completion 120 ms against
# 80 ms split evenly, bench/README.md). Each worker publishes how many connections it holds
# and takes a new one only while it holds no more than any other live worker.
_SLOTS = 256  # workers alive at once (more are served, just not counted in the balance)
_STALE_AFTER = 3.0  # seconds without a heartbeat: a worker stuck or gone no longer counts
_RECHECK = 0.05  # how often a worker that stopped accepting looks whether it may again


class ConnectionShares:
    """Per worker slot: its open connections and its last heartbeat (0: slot free), in memory
    shared by the arbiter and every worker it forks. The arbiter hands out and frees the slots
    (``pre_fork``, ``child_exit``); each worker writes only its own."""

    def __init__(self) -> None:
        self._connections = RawArray("l", _SLOTS)
        self._heartbeat = RawArray("d", _SLOTS)
        self._end = RawValue("l", 0)  # the slots ever handed out: the ones a worker looks at
        self._taken = [False] * _SLOTS  # the arbiter's own bookkeeping

    def reserve(self) -> int | None:
        for slot, taken in enumerate(self._taken):
            if not taken:
                self._taken[slot] = True
                self._connections[slot], self._heartbeat[slot] = 0, 0.0
                self._end.value = max(self._end.value, slot + 1)
                return slot
        log.warning("more than %d workers: the newest are left out of the connection balance", _SLOTS)
        return None

    def release(self, slot: int | None) -> None:
        if slot is not None:
            self._heartbeat[slot] = 0.0
            self._taken[slot] = False

    def publish(self, slot: int, connections: int) -> None:
        self._connections[slot] = connections
        self._heartbeat[slot] = time.monotonic()  # system-wide on Linux, and never set back

    def may_take(self, slot: int, connections: int) -> bool:
        """Whether the worker in ``slot`` holds no more connections than every other live one."""
        fresh = max(time.monotonic() - _STALE_AFTER, 0.0)  # 0.0 marks a slot nobody has published in
        return all(
            connections <= self._connections[other]
            for other in range(self._end.value)
            if other != slot and self._heartbeat[other] > fresh
        )


class EvenThreadWorker(ThreadWorker):
    """gunicorn's threaded worker (gthread) taking its share of the connections, no more
    (see ``ConnectionShares``; ``pre_fork`` gives it its slot). gthread's loop accepts while
    ``nr_conns < worker_connections`` and reads both at every turn: both are properties here."""

    _open = 0
    _limit = 1000
    congressflow_shares: ConnectionShares | None = None
    congressflow_slot: int | None = None

    @property
    def nr_conns(self) -> int:
        return self._open

    @nr_conns.setter
    def nr_conns(self, value: int) -> None:
        self._open = value
        self._publish()

    @property
    def worker_connections(self) -> int:
        shares, slot = self.congressflow_shares, self.congressflow_slot
        if shares is None or slot is None or shares.may_take(slot, self._open):
            return self._limit
        return self._open  # not now: another worker holds fewer

    @worker_connections.setter
    def worker_connections(self, value: int) -> None:
        self._limit = value

    def notify(self) -> None:
        super().notify()
        self._publish()

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        # a worker that stopped accepting may take connections again as soon as another one
        # took its share, not only when one of its own connections wakes it
        super().wait_for_and_dispatch_events(timeout if self._accepting else min(timeout, _RECHECK))

    def _publish(self) -> None:
        # in the worker's process: the arbiter's copy of the worker never changes its count
        shares, slot = self.congressflow_shares, self.congressflow_slot
        if shares is not None and slot is not None:
            shares.publish(slot, self._open)


worker_class = EvenThreadWorker


def on_exit(server: Any) -> None:
    child = getattr(server, "congressflow_scheduler", None)
    if child is not None:
        child.stop()
    if _OWN_METRICS_DIR:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)


def _mark_dead(pid: int) -> None:
    from prometheus_client import multiprocess  # the environment is set by now

    multiprocess.mark_process_dead(pid, METRICS_DIR)


class SchedulerChild:
    """One ``congressflow scheduler`` process beside the workers. Started by the arbiter
    when gunicorn is ready (before the first worker is forked), kept running by a thread of
    the arbiter: restarted after a pause when it ends (the pause doubles, up to a minute,
    while it keeps ending early: a SQLite database whose scheduler runs elsewhere refuses a
    second one), stopped with SIGTERM when the server stops.

    ``os.posix_spawn``, not ``subprocess``: Popen waits on a pipe that every worker forked
    meanwhile would inherit, and would then return only when those workers end. The arbiter
    reaps any child that ends, so the child is watched by polling ``waitpid``.

    ``restart`` (at a reload) stops the child with SIGTERM and starts the next one as soon as
    it ended, without the pause (SIGKILL if it has not stopped after ``RESTART_GRACE``)."""

    RESTART_GRACE = 30.0

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # no child is started once stop() began
        self._pid: int | None = None
        self._restarting: tuple[int, float] | None = None  # the child asked to stop, and when
        self._thread = threading.Thread(target=self._watch, name="congressflow-scheduler-child", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> bool:
        with self._lock:
            if self._stopping.is_set():
                return False
            self._pid = os.posix_spawn(SCHEDULER_COMMAND[0], SCHEDULER_COMMAND, os.environ)
        log.info("scheduler started in its own process (pid %s)", self._pid)
        return True

    def restart(self) -> None:
        with self._lock:
            pid = self._pid
            if self._stopping.is_set() or pid is None:
                return
            self._restarting = (pid, time.monotonic())
        log.info("reloading: stopping the scheduler process (pid %s) to start it again", pid)
        _signal(pid, signal.SIGTERM)

    def _watch(self) -> None:
        pause = 1.0
        while True:
            started = time.monotonic()
            pid = self._pid
            while pid is not None and _alive(pid) and not self._stopping.wait(0.5):
                restarting = self._restarting
                if (
                    restarting is not None
                    and restarting[0] == pid
                    and time.monotonic() - restarting[1] > self.RESTART_GRACE
                ):
                    log.warning(
                        "the scheduler process (pid %s) did not stop in %.0f s: killing it", pid, self.RESTART_GRACE
                    )
                    _signal(pid, signal.SIGKILL)
            if self._stopping.is_set():
                return
            if pid is not None:
                _mark_dead(pid)
            restarting, self._restarting = self._restarting, None
            if restarting is not None and restarting[0] == pid:
                pause = 1.0
                log.info("the scheduler process (pid %s) stopped for the reload: starting it again", pid)
                if not self._spawn():
                    return
                continue
            pause = 1.0 if time.monotonic() - started > 60 else min(pause * 2, 60.0)
            log.warning("the scheduler process (pid %s) ended; starting it again in %.0f s", pid, pause)
            if self._stopping.wait(pause) or not self._spawn():
                return

    def stop(self, wait: float = 30.0) -> None:
        with self._lock:
            self._stopping.set()
            pid = self._pid
        self._thread.join(wait)
        if pid is None or not _alive(pid):
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + wait
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        _mark_dead(pid)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:  # ended (and reaped) meanwhile
        pass


def _alive(pid: int) -> bool:
    """Whether our child ``pid`` still runs; reaps it when it ended (the arbiter may have)."""
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # reaped already, by the arbiter
        return False
    return done == 0
