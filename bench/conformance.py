"""Conformance runner: deploy BPMN files written by others through the real deploy use case,
run what deploys with an automatic driver, and count what happened, per corpus.

    .venv/bin/python bench/conformance.py                          # every sub-corpus of ../shared/bpmn-corpus
    .venv/bin/python bench/conformance.py --corpora camunda-engine-tests --details
    .venv/bin/python bench/conformance.py --files a.bpmn b.bpmn --json   # just these files

The files are ``*.bpmn`` and ``*.bpmn20.xml``. Each gets a throwaway SQLite database (a copy of
one migrated template holding the units an installation starts with) and a frozen clock. It is
deployed as the operator with ``definitions.deploy``, together with the files of the corpus that
declare the processes its call activities call (the one in its own folder first), as a designer
deploys them in one command. Every process it deploys is started with ``cases.start_instance``
(start form: defaults, else a value of the field's type for the required ones; a process only a
message or a signal starts, by delivering it) and driven, with the cases it calls: an open user
task of any running case is completed with ``tasks.complete`` by whoever holds it (its assignee,
else a candidate user, else someone in its candidate groups) with the same kind of form data;
when none is open, the external tasks waiting are done as a worker would
(``external_tasks.fetch_and_lock``, then ``complete`` without variables); then a message or
signal a case waits for is delivered (``messages``, by the case's business key); then a case
waiting at a receive task without a message is continued (``messages.trigger_task``); when
nothing else is left, the clock is moved one second past the earliest pending timer and
``timers.fire_due`` fires what is due, as the scheduler would. A process *ran to an end* when
its case is completed within ``--steps`` driver steps (and ``--seconds`` of wall-clock time);
otherwise it is *stuck*: waiting for a task nobody can hold, failing at run time with the
product's own error or with an incident on a case (its message is the reason given), or out of
steps. A file counts as ran to an end when every process it deployed did.

Columns: ``files``; ``deployed``; ``refused (element named)``: the deploy refused the file and
every problem names an element id; ``refused (unclear)``: some problem names none;
``crashed``: an exception that is not one of the product's own errors (engine.errors), at
deploy or at run time; ``ran to an end``; ``stuck``, and of those, the files stuck at a user
task that names no assignee, candidates or lane (nobody can ever hold it). The table goes to stdout (``--json``:
the figures and every file's outcome as JSON), progress to stderr. The corpus files are only
read.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import logging

from sqlalchemy import select

from engine import clock
from engine.access import OPERATOR, Actor
from engine.bpmn.camunda import BPMN_NS
from engine.bpmn.documents import load_xml
from engine.bpmn.forms import FormSpec
from engine.bpmn.start_events import only_started_by_events, started_by_events
from engine.errors import EngineError, InvalidBpmn
from engine.usecases import (
    cases,
    definitions,
    external_task_answers,
    external_tasks,
    messages,
    people,
    tasks,
    timers,
)
from engine.usecases.context import processes
from engine.usecases.external_tasks import MAX_FETCH, TopicRequest
from storage import migrate
from storage import repositories as repo
from storage.db import make_engine, make_session_factory
from storage.enums import InstanceStatus, SubscriptionKind, TimerState
from storage.models import ExternalTask, Incident, ProcessInstance, Subscription, Timer

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "bpmn-corpus"
START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday
COLUMNS = ("files", "deployed", "refused_named", "refused_unclear", "crashed", "ran_to_end", "stuck", "stuck_no_holder")
HEADERS = (
    "files",
    "deployed",
    "refused (element named)",
    "refused (unclear)",
    "crashed",
    "ran to an end",
    "stuck",
    "of which: a task nobody can hold",
)


def log(message: str) -> None:
    print(f"[conformance] {message}", file=sys.stderr, flush=True)


@dataclass
class Outcome:
    file: str
    result: str  # refused_named | refused_unclear | crashed | ran_to_end | stuck
    detail: str = ""
    processes: dict[str, str] = field(default_factory=dict)  # key -> "end" or why it is stuck
    warnings: list[str] = field(default_factory=list)


# -- form data -------------------------------------------------------------------------------
def form_data(form: FormSpec, today: date) -> dict[str, Any]:
    """What a hurried officer submits: every default, and a value of the field's type for a
    required field without one."""
    data: dict[str, Any] = {}
    for f in form.fields:
        if f.readonly:
            continue
        value: Any = f.initial
        if value in (None, "") and f.required:
            if f.type == "enum":
                value = f.options[0].id if f.options else None
            elif f.type == "long":
                value = f.constraints.get("min") or 1
            elif f.type == "boolean":
                value = "false"
            elif f.type == "date":
                value = today.isoformat()
            else:
                value = "x" * max(1, int(f.constraints.get("minlength") or 1))
        if value not in (None, ""):
            data[f.id] = value
    return data


# -- driving one case --------------------------------------------------------------------------
def _holder(item: Any) -> Actor | None:
    """Someone who may complete ``item`` (an ItemRow), or None when nobody ever may."""
    groups = frozenset(item.candidate_groups or ())
    if item.assignee:
        return Actor(item.assignee, frozenset(), groups)
    users = list(item.candidate_users or ())
    if users:
        return Actor(users[0], frozenset(), groups)
    if groups:
        return Actor("driver", frozenset(), groups)
    return None


def work_external_tasks(factory: Any, topics: list[str]) -> bool:
    """Do the external tasks of these topics as a worker would: fetch and lock, then
    complete each without variables. False when none could be fetched."""
    with factory.begin() as s:
        locked = external_tasks.fetch_and_lock(
            s, OPERATOR, "driver", [TopicRequest(t, 60_000, []) for t in topics], max_tasks=MAX_FETCH
        )
    for task in locked:
        with factory.begin() as s:
            external_task_answers.complete(s, OPERATOR, task.id, "driver")
    return bool(locked)


def start(factory: Any, key: str, number: int) -> int:
    """Start a case of ``key`` as a person would, or, for a process only a message or signal
    starts, by delivering the first of them (``messages``)."""
    with factory.begin() as s:
        definition = repo.latest_definition(s, key)
        assert definition is not None
        process = processes.get(definition)
        if only_started_by_events(process.spec):
            kind, name = started_by_events(process.spec)[0]
            send = messages.send_message if kind == "message" else messages.send_signal
            delivery = send(s, OPERATOR, name, **({"business_key": f"conf-{number}"} if kind == "message" else {}))
            return delivery.started[0]
        form = form_data(process.start_form, clock.now().date())
        return cases.start_instance(s, OPERATOR, key, form, business_key=f"conf-{number}").id


def drive(factory: Any, key: str, number: int, steps: int, deadline: float) -> str:
    """Start ``key`` and drive its case, and the cases it calls; "end", or why it stopped.
    Each step does one thing, in this order: a user task of any running case; the external
    tasks waiting; a message or signal some case waits for; a receive task without a message
    some case waits at (triggered); the earliest timer."""
    instance_id = start(factory, key, number)
    for _ in range(steps):
        if time.monotonic() > deadline:
            return "stuck: out of time"
        with factory() as s:
            instance = s.get(ProcessInstance, instance_id)
            assert instance is not None
            if instance.status == InstanceStatus.COMPLETED:
                return "end"
            if instance.status != InstanceStatus.RUNNING:
                return f"stuck: case {instance.status}"
            # oldest first: the driven case before those its timers or signals started since
            running = list(
                s.scalars(
                    select(ProcessInstance.id)
                    .where(ProcessInstance.status == InstanceStatus.RUNNING)
                    .order_by(ProcessInstance.id)
                )
            )
            ready = [(case_id, item) for case_id in running for item in repo.ready_item_rows(s, case_id)]
            topics = sorted(set(s.scalars(select(ExternalTask.topic))))
            awaited = s.execute(
                select(Subscription.kind, Subscription.name, ProcessInstance.business_key)
                .join(ProcessInstance, ProcessInstance.id == Subscription.instance_id)
                .where(Subscription.kind != SubscriptionKind.TRIGGER)
                .order_by(Subscription.id)
                .limit(1)
            ).first()
            triggered = s.execute(
                select(Subscription.instance_id, Subscription.name)
                .where(Subscription.kind == SubscriptionKind.TRIGGER)
                .order_by(Subscription.id)
                .limit(1)
            ).first()
            pending = s.scalars(
                select(Timer.due_at).where(Timer.state == TimerState.PENDING).order_by(Timer.due_at).limit(1)
            ).first()
        if ready:
            case_id, item = ready[0]
            actor = _holder(item)
            if actor is None:
                return f"stuck: nobody can hold task {item.bpmn_id}"
            with factory() as s:
                definition_id = s.get(ProcessInstance, case_id).definition_id  # type: ignore[union-attr]
                meta = processes.get_by_id(s, definition_id).tasks.get(item.bpmn_id)
            data = form_data(meta.form, clock.now().date()) if meta is not None else {}
            with factory.begin() as s:
                tasks.complete(s, actor, item.task_id, data)
            continue
        if topics and work_external_tasks(factory, topics):
            continue
        if awaited is not None:
            kind, name, business_key = awaited
            with factory.begin() as s:
                if kind.value == "message":
                    messages.send_message(s, OPERATOR, name, business_key=business_key)
                else:
                    messages.send_signal(s, OPERATOR, name)
            continue
        if triggered is not None:
            with factory.begin() as s:
                messages.trigger_task(s, OPERATOR, *triggered)
            continue
        if pending is None:
            with factory() as s:
                failed = s.scalars(select(Incident).where(Incident.resolved_at.is_(None)).order_by(Incident.id)).first()
                if failed is not None:  # the product said why, on the case
                    return f"stuck: incident ({failed.kind.value}) at {failed.bpmn_id or '-'}: {failed.message}"
            return "stuck: no open task, no timer, nothing awaited"
        moment = max(clock.now(), pending.astimezone(UTC)) + timedelta(seconds=1)
        clock.freeze(moment)
        timers.fire_due(factory, moment)
    return f"stuck: not finished after {steps} steps"


# -- one file ---------------------------------------------------------------------------------
def run_file(
    path: Path,
    name: str,
    template: Path,
    workdir: Path,
    steps: int,
    seconds: float,
    callees: list[Path],
    default_group: str = "",
) -> Outcome:
    db = workdir / "case.db"
    shutil.copyfile(template, db)
    engine = make_engine(f"sqlite:///{db}")
    factory = make_session_factory(engine)
    clock.freeze(START)
    try:
        try:
            with factory.begin() as s:
                keys = frozenset(k for p in [*callees, path] for k in _keys(p))
                options: dict[str, Any] = {"also_deploying": keys, "default_group": default_group}
                for callee in callees:  # deployed with it in one command, as a designer would
                    definitions.deploy(s, callee.read_bytes(), callee.name, OPERATOR, **options)
                deployed = definitions.deploy(s, path.read_bytes(), name, OPERATOR, **options)
        except InvalidBpmn as exc:
            named = all(p.element_id for p in exc.problems) and bool(exc.problems)
            first = str(exc.problems[0]) if exc.problems else str(exc)
            return Outcome(name, "refused_named" if named else "refused_unclear", first.splitlines()[0][:300])
        except EngineError as exc:
            return Outcome(name, "refused_unclear", f"{type(exc).__name__}: {exc}"[:300])
        except Exception as exc:  # that is what is counted
            return Outcome(name, "crashed", f"deploy: {type(exc).__name__}: {exc}"[:300])
        outcome = Outcome(name, "ran_to_end", warnings=[w for d in deployed for w in getattr(d, "warnings", ())])
        deadline = time.monotonic() + seconds
        for number, d in enumerate(deployed):
            try:
                outcome.processes[d.key] = drive(factory, d.key, number, steps, deadline)
            except EngineError as exc:
                outcome.processes[d.key] = f"stuck: {type(exc).__name__}: {exc}"[:300]
            except Exception as exc:
                outcome.processes[d.key] = f"crashed: {type(exc).__name__}: {exc}"[:300]
                log(f"{name}: {traceback.format_exc(limit=3)}")
        results = outcome.processes.values()
        if any(r.startswith("crashed") for r in results):
            outcome.result = "crashed"
        elif any(r != "end" for r in results):
            outcome.result = "stuck"
        outcome.detail = "; ".join(f"{k}: {v}" for k, v in outcome.processes.items() if v != "end")[:300]
        return outcome
    finally:
        clock.unfreeze()
        processes.clear()
        engine.dispose()


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith((".bpmn", ".bpmn20.xml")))


def _keys(path: Path) -> list[str]:
    return definitions.executable_keys(path.read_bytes())


def _called(path: Path) -> set[str]:
    """The processes a file's call activities call (by id; expressions left out)."""
    try:
        root = load_xml(path.read_bytes(), path.name)
    except InvalidBpmn:
        return set()
    return {c.get("calledElement") for c in root.iter(f"{{{BPMN_NS}}}callActivity") if c.get("calledElement")} - {None}


def callees_of(path: Path, index: dict[str, list[Path]]) -> list[Path]:
    """The files declaring the processes ``path`` calls (and theirs), the one in the same
    folder first: deployed with it in one command, as a designer would."""
    found: list[Path] = []
    wanted = sorted(_called(path) - set(_keys(path)))
    while wanted:
        key = wanted.pop()
        candidates = sorted(index.get(key, []), key=lambda p: (p.parent != path.parent, str(p)))
        if not candidates or candidates[0] in found or candidates[0] == path:
            continue
        found.append(candidates[0])
        wanted += sorted(_called(candidates[0]) - set(_keys(candidates[0])))
    return found[:5]


def key_index(files: list[Path]) -> dict[str, list[Path]]:
    index: dict[str, list[Path]] = {}
    for path in files:
        for key in _keys(path):
            index.setdefault(key, []).append(path)
    return index


def summarise(outcomes: list[Outcome]) -> dict[str, int]:
    counts = Counter(o.result for o in outcomes)
    return {
        "files": len(outcomes),
        "deployed": sum(1 for o in outcomes if o.processes),
        "refused_named": counts["refused_named"],
        "refused_unclear": counts["refused_unclear"],
        "crashed": counts["crashed"],
        "ran_to_end": counts["ran_to_end"],
        "stuck": counts["stuck"],
        "stuck_no_holder": sum(1 for o in outcomes if o.result == "stuck" and "nobody can hold" in o.detail),
    }


def table(figures: dict[str, dict[str, int]]) -> str:
    lines = ["| corpus | " + " | ".join(HEADERS) + " |", "|---" * (len(HEADERS) + 1) + "|"]
    for corpus, row in figures.items():
        lines.append(f"| {corpus} | " + " | ".join(str(row[c]) for c in COLUMNS) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of sub-corpora")
    parser.add_argument("--corpora", default="", help="comma-separated sub-corpora (default: every folder)")
    parser.add_argument("--files", nargs="*", type=Path, help="just these files (one corpus named 'files')")
    parser.add_argument("--steps", type=int, default=60, help="driver steps per process")
    parser.add_argument("--seconds", type=float, default=20.0, help="wall-clock time per file")
    parser.add_argument(
        "--default-group",
        default="",
        help="deploy as `congressflow deploy --default-group G` does: user tasks naming nobody are held by G",
    )
    parser.add_argument("--json", action="store_true", help="figures and every outcome as JSON")
    parser.add_argument("--details", action="store_true", help="also list each file that did not run to an end")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)  # the product's own log lines are not the figures

    if args.files:
        groups = {"files": [(p, p.name) for p in args.files]}
    else:
        wanted = [c for c in args.corpora.split(",") if c]
        names = wanted or sorted(p.name for p in args.corpus.iterdir() if p.is_dir())
        groups = {c: [(p, str(p.relative_to(args.corpus / c))) for p in corpus_files(args.corpus / c)] for c in names}
    figures: dict[str, dict[str, int]] = {}
    outcomes: dict[str, list[Outcome]] = {}
    with tempfile.TemporaryDirectory(prefix="cf-conformance-") as tmp:
        template = Path(tmp) / "template.db"
        migrate.upgrade(f"sqlite:///{template}")
        seeding = make_engine(f"sqlite:///{template}")
        with make_session_factory(seeding).begin() as s:
            people.ensure_departments(s)  # the units an installation has: a task offered to one reaches it
        seeding.dispose()  # its write-ahead log back in the file each run copies
        for corpus, files in groups.items():
            started = time.monotonic()
            index = key_index([p for p, _n in files])
            done = []
            for i, (path, name) in enumerate(files, 1):
                callees = callees_of(path, index)
                done.append(
                    run_file(path, name, template, Path(tmp), args.steps, args.seconds, callees, args.default_group)
                )
                if i % 50 == 0:
                    log(f"{corpus}: {i}/{len(files)}")
            outcomes[corpus] = done
            figures[corpus] = summarise(done)
            log(f"{corpus}: {len(files)} files in {time.monotonic() - started:.0f} s")
    if args.json:
        print(
            json.dumps(
                {"figures": figures, "outcomes": {c: [asdict(o) for o in os] for c, os in outcomes.items()}},
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    print(table(figures))
    if args.details:
        for corpus, os in outcomes.items():
            for o in os:
                if o.result != "ran_to_end":
                    print(f"{corpus}/{o.file}: {o.result}: {o.detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
