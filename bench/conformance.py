"""Conformance runner: deploy BPMN files written by others through the real deploy use case,
run what deploys with an automatic driver, and count what happened, per corpus.

    .venv/bin/python bench/conformance.py                          # every sub-corpus of ../shared/bpmn-corpus
    .venv/bin/python bench/conformance.py --corpora camunda-engine-tests --details
    .venv/bin/python bench/conformance.py --files a.bpmn b.bpmn --json   # just these files

Each file gets a throwaway SQLite database (a copy of one migrated template) and a frozen
clock. It is deployed as the operator with ``definitions.deploy``; every process it deploys is
started with ``cases.start_instance`` (start form: defaults, else a value of the field's type
for the required ones) and driven: an open user task is completed with ``tasks.complete`` by
whoever holds it (its assignee, else a candidate user, else someone in its candidate groups)
with the same kind of form data; when no task is open, the clock is moved one second past the
earliest pending timer and ``timers.fire_due`` fires what is due, as the scheduler would. A
process *ran to an end* when its case is completed within ``--steps`` driver steps (and
``--seconds`` of wall-clock time); otherwise it is *stuck*: waiting for a task nobody can
hold, for something the driver cannot deliver (a message, a signal), failing at run time
with the product's own error, or out of steps. A file counts as ran to an end when every
process it deployed did.

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
from engine.bpmn.forms import FormSpec
from engine.errors import EngineError, InvalidBpmn
from engine.usecases import cases, definitions, tasks, timers
from engine.usecases.context import processes
from storage import migrate
from storage import repositories as repo
from storage.db import make_engine, make_session_factory
from storage.enums import InstanceStatus, TimerState
from storage.models import ProcessInstance, Timer

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


def drive(factory: Any, key: str, steps: int, deadline: float) -> str:
    """Start ``key`` and drive its case; "end", or why it stopped."""
    with factory.begin() as s:
        definition = repo.latest_definition(s, key)
        assert definition is not None
        start_form = processes.get(definition).start_form
        detail = cases.start_instance(s, OPERATOR, key, form_data(start_form, clock.now().date()))
    instance_id = detail.id
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
            ready = repo.ready_item_rows(s, instance_id)
            pending = s.scalars(
                select(Timer.due_at).where(Timer.state == TimerState.PENDING).order_by(Timer.due_at).limit(1)
            ).first()
            process = processes.get_by_id(s, instance.definition_id)
        if ready:
            item = ready[0]
            actor = _holder(item)
            if actor is None:
                return f"stuck: nobody can hold task {item.bpmn_id}"
            meta = process.tasks.get(item.bpmn_id)
            data = form_data(meta.form, clock.now().date()) if meta is not None else {}
            with factory.begin() as s:
                tasks.complete(s, actor, item.task_id, data)
            continue
        if pending is None:
            return "stuck: no open task and no timer (waits for a message, signal or nothing)"
        moment = max(clock.now(), pending.astimezone(UTC)) + timedelta(seconds=1)
        clock.freeze(moment)
        timers.fire_due(factory, moment)
    return f"stuck: not finished after {steps} steps"


# -- one file ---------------------------------------------------------------------------------
def run_file(path: Path, name: str, template: Path, workdir: Path, steps: int, seconds: float) -> Outcome:
    db = workdir / "case.db"
    shutil.copyfile(template, db)
    engine = make_engine(f"sqlite:///{db}")
    factory = make_session_factory(engine)
    clock.freeze(START)
    try:
        try:
            with factory.begin() as s:
                deployed = definitions.deploy(s, path.read_bytes(), name, OPERATOR)
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
        for d in deployed:
            try:
                outcome.processes[d.key] = drive(factory, d.key, steps, deadline)
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
    return sorted(p for p in root.rglob("*.bpmn") if p.is_file())


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
        for corpus, files in groups.items():
            started = time.monotonic()
            done = []
            for i, (path, name) in enumerate(files, 1):
                done.append(run_file(path, name, template, Path(tmp), args.steps, args.seconds))
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
