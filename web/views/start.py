"""Start a case: the processes this user may start, and the start form of one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import Conflict, FieldError, InvalidData, NotAllowed
from engine.usecases import cases, offering
from engine.usecases.cases import start_option, start_options
from engine.usecases.given_variables import MAX_BUSINESS_KEY
from engine.usecases.labels import department_names, people_names

from .. import database
from ..auth import current_actor
from ..errors import say
from .formdata import editable, field_messages, read_form
from .tasks import untaken_warning

bp = Blueprint("start", __name__)


@bp.get("/start")
def index():
    return render_template("start/index.html", options=start_options(database.session(), current_actor()))


# The case's own title and 编号 (business key), typed above the start form: named apart from
# the form's fields, which may have a field called title or business_key of their own
TITLE, KEY = "case_title", "case_business_key"


def _render(key: str, values: dict | None = None, errors: dict | None = None, status: int = 200):
    option = start_option(database.session(), current_actor(), key)
    return render_template(
        "start/form.html",
        option=option,
        fields=editable(option.form),
        values=values or {},
        shown=option.form.shown(values or {}),
        errors=field_messages(errors or {}, option.form),
        key_chars=MAX_BUSINESS_KEY,
    ), status


@bp.get("/start/<key>")
def form(key: str):
    return _render(key)


def _stopped(key: str, refusal: NotAllowed):
    """A start refused because the process was stopped while the starter filled in its form:
    the refusal, and what they typed (nothing was started), by label, to copy."""
    form = offering.stopped_start_form(database.session(), current_actor(), key)
    typed = []
    title = request.form.get(TITLE, "").strip()
    if title:
        typed.append((_("案件标题"), title))
    if business_key := request.form.get(KEY, "").strip():
        typed.append((_("编号"), business_key))
    for f in form.fields:
        names = {o.id: o.name for o in f.options}
        values = [v for v in request.form.getlist(f.id) if v.strip()]
        if values:
            typed.append((f.label or f.id, "、".join(names.get(v, v) for v in values)))
    return render_template("start/stopped.html", said=say(refusal), typed=typed), 403


@bp.post("/start/<key>")
def submit(key: str):
    actor = current_actor()
    try:
        with database.session_factory(read_only=True)() as s:  # a reader, as for a task's form (views.tasks)
            spec = start_option(s, actor, key).form
    except NotAllowed as exc:
        if exc.reason == "process_stopped":
            return _stopped(key, exc)
        raise
    data = read_form(spec, request.form)
    title = request.form.get(TITLE, "").strip()[:500] or None
    # left empty: none (a case needs no 编号); the use case takes it without the spaces around it
    business_key = request.form.get(KEY, "").strip() or None
    typed = {**data, TITLE: title or "", KEY: business_key or ""}
    try:
        with database.session_factory().begin() as s:
            case = cases.start_instance(s, actor, key, data, title=title, business_key=business_key)
            untaken = [t for t in case.open_tasks if t.nobody_to_take]
            units = department_names(s) if untaken else {}
            people = people_names(s, [t.assignee for t in untaken if t.assignee])
    except NotAllowed as exc:
        if exc.reason == "process_stopped":  # stopped between reading the form and starting
            return _stopped(key, exc)
        raise
    except InvalidData as exc:
        errors = dict(exc.field_errors)
        if title and "title" in errors and spec.field("title") is None:  # the title typed in above the form
            errors[TITLE] = errors.pop("title")
        if business_key and "business_key" in errors and spec.field("business_key") is None:
            errors[KEY] = errors.pop("business_key")
        return _render(key, typed, errors, 422)
    except Conflict as exc:
        if exc.reason != "business_key_held":
            raise
        # a running case of the process has it (taken by a colleague's start a moment ago, two
        # starts at once queueing on it: engine.usecases.cases.key_holder): said beside the
        # 编号, naming that case, everything typed kept to give another 编号
        said = _(
            "编号 %(key)s 已由在办案件 #%(case)s 使用：同一流程在办的案件不能共用一个编号，请换一个。",
            key=exc.params["key"],
            case=exc.params["case"],
        )
        return _render(key, typed, {KEY: FieldError("invalid", {"message": said})}, 409)
    flash(_("已发起：%(title)s", title=case.title), "success")
    warning = untaken_warning(untaken, units, people)
    if warning is not None:
        flash(warning, "warning")
    mine = [t for t in case.open_tasks if t.assignee == actor.username]
    if mine:
        return redirect(url_for("tasks.show", task_id=mine[0].task_id))
    return redirect(url_for("cases.show", instance_id=case.id))
