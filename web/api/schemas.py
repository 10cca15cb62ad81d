"""marshmallow schemas: what the API reads and writes, and what the OpenAPI document says."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, ClassVar

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from engine import clock
from engine.errors import FIELD_ERRORS, FieldError, field_error_params
from engine.notifications.texts import LANGUAGES
from engine.usecases import tokens
from engine.usecases.case_list import Waiting
from engine.usecases.inbox import SORTS as INBOX_SORTS
from engine.usecases.results import MAX_PAGE, MAX_PER_PAGE
from engine.usecases.supervision.issuing import DATE_MAX, MAX_OPINION
from engine.usecases.tasks import HAND_OVER_NOTE_CHARS

from .. import notification_texts
from .common import ReportsAllSchema, said_as

MAX_ID = 2**31 - 1


class Boolean(fields.Boolean):
    """A JSON ``true`` or ``false``, nothing else: marshmallow's own takes "yes", "on", 1 and
    "0" too, so that ``"escalate": "on"`` escalated a 督办 and a typo such as ``"no "`` was
    refused while its neighbours passed. (Every boolean the API reads or writes is one; a
    query string's ``?overdue=true`` is text, read by ``QueryBoolean``.)"""

    truthy: ClassVar[set[object]] = {True}
    falsy: ClassVar[set[object]] = {False}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, truthy=self.truthy, falsy=self.falsy, **kwargs)  # type: ignore[arg-type]

    def _deserialize(self, value: object, attr: object, data: object, **kwargs: object) -> bool:
        if not isinstance(value, bool):  # 1 == True and hash(1) == hash(True): the sets take 1
            raise self.make_error("invalid", input=value)
        return value


class QueryBoolean(fields.Boolean):
    """A query parameter's boolean: the text ``true`` or ``false`` (also 1/0, yes/no)."""


# a float holds every whole number up to 2**53 exactly; past it, the number read may not be the
# one the JSON wrote (9007199254740993.0 reads as 9007199254740992)
_EXACT_IN_A_FLOAT = 2**53
_WHOLE_NUMBER_TEXT = re.compile(r"[+-]?[0-9]+")


class WholeNumber(fields.Integer):
    """A whole number, never one with its fraction cut off: marshmallow's Integer reads the
    JSON number 1.5 as 1, so that ``{"ids": [1.5]}`` marked notification 1 read and a draft's
    revision 2.7 was taken as 2. Every whole number the API reads or writes is one
    (tests/api/test_whole_numbers_api.py walks the schemas).

    Taken: a JSON number without a fraction, ``2`` and ``2.0`` alike (JSON has one kind of
    number, and the OpenAPI document's ``integer`` is, in JSON Schema, any number whose
    fraction is zero); and text of ASCII digits, ``"2"`` (a query string's value is text),
    unless ``strict``: a JSON body's field then takes a number only. Refused, as Integer
    refuses (``not_a_number``): ``1.5``, ``"1.5"``, ``"2.0"``, ``true``, and text ``int()``
    would read (``" 2"``, ``"1_000"``, ``"٢"``)."""

    def _validated(self, value: Any) -> int:
        if type(value) is int:  # not a bool, which is an int too
            return value
        if isinstance(value, float) and value.is_integer():
            if abs(value) > _EXACT_IN_A_FLOAT:
                raise self.make_error("too_large", input=value)
            return int(value)
        if isinstance(value, str) and not self.strict and _WHOLE_NUMBER_TEXT.fullmatch(value):
            try:
                return int(value)
            except ValueError:  # Python reads at most 4300 digits
                raise self.make_error("too_large", input=value) from None
        raise self.make_error("invalid", input=value)


def _field_error_codes() -> str:
    return "; ".join(
        f"{code}({', '.join(sorted(field_error_params(code)))})" if field_error_params(code) else code
        for code in FIELD_ERRORS
    )


class FieldErrorSchema(ma.Schema):
    """What is wrong with one field, as a code to translate and the values it names."""

    code = fields.String(
        required=True,
        validate=validate.OneOf(list(FIELD_ERRORS)),
        metadata={
            "example": "max_length",
            "description": "one of, with its params: " + _field_error_codes() + ". 'invalid': no better code, "
            "params.message is the English message",
        },
    )
    params = fields.Dict(
        required=True,
        keys=fields.String(),
        metadata={"example": {"max": 200}, "description": "the values the message names (numbers, dates, names)"},
    )


class SaidSchema(ma.Schema):
    """The error in the request's language, as the pages say it."""

    language = fields.String(
        required=True,
        metadata={
            "example": "zh_CN",
            "description": "zh_CN or en: the language cookie, else Accept-Language, else zh_CN",
        },
    )
    title = fields.String(required=True, metadata={"example": "内容有误"})
    text = fields.String(required=True, metadata={"description": "what happened"})
    hint = fields.String(required=True, metadata={"description": "what to do, when the error says (else empty)"})
    fields_ = fields.Dict(
        data_key="fields",
        attribute="fields",
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "field name → what is wrong with it (the same fields as 'codes')"},
    )


class BpmnProblemSchema(ma.Schema):
    """One thing wrong with a BPMN document (engine.errors.Problem), located as precisely as known."""

    message = fields.String(required=True)
    file = fields.String(required=True, metadata={"description": "the file's name; empty when none was given"})
    line = WholeNumber(required=True, allow_none=True)
    element_id = fields.String(required=True, allow_none=True)


class ErrorSchema(ma.Schema):
    """Every error: a stable code, a readable message, and per-field errors, as English
    messages (``fields``) and as codes with params to translate (``codes``); and the same
    in the request's language (``said``), as the API's other texts are."""

    code = fields.String(required=True, metadata={"example": "invalid_data"})
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "field name → what is wrong with it (English)"},
    )
    codes = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(FieldErrorSchema),
        metadata={
            "description": "field name → what is wrong with it as a code and params (the same fields as "
            '\'fields\'), e.g. {"title": {"code": "max_length", "params": {"max": 200}}}'
        },
    )
    said = fields.Nested(SaidSchema, required=True)
    problems = fields.List(
        fields.Nested(BpmnProblemSchema),
        metadata={"description": "a BPMN document refused (code invalid_bpmn): each thing wrong with it"},
    )


class PageArgs(ma.Schema):
    page = WholeNumber(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = WholeNumber(load_default=25, validate=validate.Range(1, MAX_PER_PAGE))


def text_arg(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=200), **kwargs)


# What a date argument may say: beyond these, turning it into another time zone (or
# adding to it) overflows Python's datetime, and no case of this product is dated there.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
OUTSIDE_DATES = said_as(
    f"must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)",
    FieldError("date_out_of_range", {"min": f"{EARLIEST:%Y-%m-%d}", "max": f"{LATEST:%Y-%m-%d}"}),
)


def datetime_arg(**kwargs) -> fields.AwareDateTime:
    """An ISO 8601 moment (UTC unless it says its offset) between EARLIEST and LATEST."""
    return fields.AwareDateTime(
        default_timezone=UTC,
        validate=validate.Range(EARLIEST, LATEST, error=OUTSIDE_DATES),
        **kwargs,
    )


# -- definitions -----------------------------------------------------------------------
class DefinitionSchema(ma.Schema):
    id = WholeNumber()
    key = fields.String()
    name = fields.String()
    version = WholeNumber()
    deployed_at = fields.AwareDateTime()
    deployed_by = fields.String()
    source_file = fields.String()
    startable = fields.Boolean(metadata={"description": "whether you may start it"})


# -- forms -------------------------------------------------------------------------------
class OptionSchema(ma.Schema):
    id = fields.String()
    name = fields.String()


class VisibleWhenSchema(ma.Schema):
    field = fields.String(metadata={"description": "the field of the form whose value decides"})
    values = fields.List(fields.String(), metadata={"description": "its values (a boolean's: true / false)"})
    negated = fields.Boolean(metadata={"description": "shown while it has none of the values (field!=a,b)"})


class FormFieldSchema(ma.Schema):
    id = fields.String()
    label = fields.String()
    type = fields.String(metadata={"description": "string, long, boolean, date or enum"})
    default = fields.String(allow_none=True)
    required = fields.Boolean(
        metadata={"description": "with visible_when: required only while the field is shown (else not checked)"}
    )
    readonly = fields.Boolean()
    confidential = fields.Boolean()
    visible_when = fields.Nested(
        VisibleWhenSchema,
        allow_none=True,
        metadata={
            "description": "the form spec's visible_when rule: the field is shown, checked and (when required) "
            "required only while another field has one of the values (none of them when negated); a value sent "
            "for it while hidden is ignored. null: always shown"
        },
    )
    constraints = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "as they apply now, each as text: required, readonly, minlength, maxlength, min, max, "
            "distinct_from, max_total. On an open task's form a number bound known only against the case (a "
            "${...} min or max, a max_total naming a case value) is its value evaluated now; on a start form or a "
            "closed task's a ${...} bound is left out (it applies to nothing). A date's min / max may be today, "
            "today-P1Y, or name another date field or a case value. What the BPMN declares: "
            "constraints_as_declared"
        },
    )
    constraints_as_declared = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "the constraints whose value above is evaluated or left out, as the BPMN declares them "
            "(e.g. max: ${setting('proposal.max_extension_months') - extension_months_total})"
        },
    )
    options = fields.List(fields.Nested(OptionSchema))
    options_source = fields.String(
        allow_none=True,
        metadata={
            "description": "departments or deputies: the options are that run-time list (see the task's `choices`)"
        },
    )
    multiple_source = fields.String(
        allow_none=True,
        metadata={"description": "departments or deputies: the value is a list from that run-time list"},
    )
    options_excluded = fields.List(
        fields.String(),
        data_key="options_exclude",
        metadata={"description": "the codes of its run-time list this field neither offers nor takes"},
    )
    total_of = fields.List(
        fields.String(),
        metadata={"description": "with the constraint max_total: the fields (this one among them) whose sum it bounds"},
    )


class FormSchema(ma.Schema):
    fields_ = fields.List(fields.Nested(FormFieldSchema), data_key="fields", attribute="fields")


class StartFormSchema(ma.Schema):
    key = fields.String()
    name = fields.String()
    version = WholeNumber()
    definition_id = WholeNumber()
    documentation = fields.String(metadata={"description": "the designer's notes on the start event"})
    form = fields.Nested(
        FormSchema,
        metadata={
            "description": "the start form as offered to you: a field that can only hold you (a deputy filing "
            "his own proposal) read-only with you as its default"
        },
    )
    choices = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.String()),
        metadata={"description": "the run-time option lists the form refers to: {source: {value: label}}"},
    )


# -- tasks ---------------------------------------------------------------------------------
class TaskSchema(ma.Schema):
    task_id = fields.String()
    instance_id = WholeNumber()
    bpmn_id = fields.String()
    name = fields.String()
    title = fields.String(metadata={"description": "the case title"})
    process_key = fields.String()
    process_name = fields.String()
    lane = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    candidate_groups = fields.List(fields.String())
    due_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    state = fields.String()
    completed_by = fields.String(allow_none=True)
    overdue = fields.Method("_overdue")

    def _overdue(self, task) -> bool:
        return task.is_overdue(clock.now())


class TaskListArgs(PageArgs):
    scope = fields.String(
        load_default="open",
        validate=validate.OneOf(["mine", "group", "open", "all"]),
        metadata={
            "description": "mine: claimed by me; group: unclaimed, for my groups; "
            "open: both; all: every open task (supervisors)"
        },
    )
    process = text_arg(metadata={"description": "process key"})
    overdue = fields.Boolean(load_default=False)
    due_before = datetime_arg()
    unit = text_arg(metadata={"description": "a unit (candidate group) code"})
    text = text_arg(
        metadata={"description": "names the case: in its title or business key (编号), or its number (2, #2)"}
    )
    sort = fields.String(
        load_default="due",
        validate=validate.OneOf(list(INBOX_SORTS)),
        metadata={
            "description": "due: earliest due first; -due: latest due first; "
            "created: oldest first; -created: newest first "
            "(undated tasks always last)"
        },
    )


class TaskPageSchema(ma.Schema):
    total = WholeNumber()
    page = WholeNumber()
    per_page = WholeNumber()
    items = fields.List(fields.Nested(TaskSchema))


class LedgerRowSchema(ma.Schema):
    file = fields.String(metadata={"description": "the ledger's file, as uploaded"})
    row = WholeNumber(metadata={"description": "its row, as the spreadsheet numbers it"})


class HistorySchema(ma.Schema):
    at = fields.AwareDateTime()
    actor = fields.String(
        metadata={
            "description": "who recorded it: for a step recorded from a ledger, the administrator who imported it"
        }
    )
    action = fields.String()
    bpmn_id = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    task_name = fields.String(
        allow_none=True,
        metadata={
            "description": "the step the entry was for: its task's title as the case's steps show it, with the "
            "round of a task done once per unit or person (评议打分 · 财政所); null for an entry of no user task"
        },
    )
    data = fields.Dict(
        allow_none=True,
        metadata={
            "description": "what the entry recorded, by action; a timer_fired entry of a timer that closes a "
            "period (the deputy's evaluation 逾期未反馈, a review window) names the step it closed, which lapsed "
            "rather than being withdrawn: closed_task, its task id (absent from entries recorded before it was kept); "
            "on a multi-instance activity, the rounds still open that it closed: closed_rounds, their task ids "
            "(to a reader of their own rounds only, those of their rounds)"
        },
    )
    ledger = fields.Nested(
        LedgerRowSchema,
        allow_none=True,
        metadata={
            "description": "a step recorded from this year's ledger (台账) when it was imported: the file and row it "
            "was replayed from; done back then by whoever the ledger says, not by the actor. Null for any other entry"
        },
    )


class CommentSchema(ma.Schema):
    id = WholeNumber()
    instance_id = WholeNumber()
    task_id = fields.String(allow_none=True)
    author = fields.String()
    body = fields.String(metadata={"description": "empty when withheld"})
    created_at = fields.AwareDateTime()
    confidential = fields.Boolean()
    withheld = fields.Boolean(
        metadata={"description": "confidential, and you may not read it (needs confidential.read, or being its author)"}
    )


class AttachmentSchema(ma.Schema):
    id = WholeNumber()
    instance_id = WholeNumber()
    task_id = fields.String(allow_none=True)
    filename = fields.String()
    content_type = fields.String()
    size = WholeNumber()
    sha256 = fields.String()
    uploaded_by = fields.String()
    created_at = fields.AwareDateTime()
    confidential = fields.Boolean()
    withheld = fields.Boolean(
        metadata={
            "description": "confidential, and you may not read it: the file name is "
            "masked and the file cannot be downloaded"
        }
    )


class TaskDetailSchema(ma.Schema):
    task = fields.Nested(TaskSchema)
    form = fields.Nested(FormSchema)
    data = fields.Dict(
        metadata={
            "description": "the case's variables as this task sees them "
            "(confidential fields masked unless you may read them)"
        }
    )
    values = fields.Dict(
        metadata={
            "description": "what the form shows: the values it starts with (a fresh field answered in an earlier "
            "round empty) and over them your own saved draft; a draft is its author's until the task is "
            "submitted, and nobody else's values carry it"
        }
    )
    has_draft = fields.Boolean(metadata={"description": "whether values carry a draft you saved"})
    can_act = fields.Boolean(metadata={"description": "whether you may complete it now"})
    can_claim = fields.Boolean(metadata={"description": "whether you may claim it now"})
    can_give_back = fields.Boolean(metadata={"description": "whether you may give it back to its groups"})
    hidden = fields.List(fields.String(), metadata={"description": "confidential fields shown to you masked"})
    documentation = fields.String(metadata={"description": "the designer's notes (bpmn:documentation)"})
    help = fields.String(metadata={"description": "the help text for officers (camunda:property help)"})
    instance_status = fields.String()
    history = fields.List(fields.Nested(HistorySchema))
    comments = fields.List(fields.Nested(CommentSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))
    colleagues = fields.List(
        fields.Dict(), metadata={"description": "who it can be handed to: [{username, display_name}]"}
    )
    choices = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.String()),
        metadata={"description": "the run-time option lists the form refers to: {source: {value: label}}"},
    )
    draft_revision = WholeNumber(
        metadata={
            "description": "which save of the task's draft this is (0: none saved; whoever saved it): send it "
            "back as the draft save's revision, so that a draft saved since (in another window, or by a "
            "colleague of the unit) is not overwritten unseen"
        }
    )
    holding = WholeNumber(
        metadata={
            "description": "the latest claim, hand-over or give-back of the task (0: none yet): send it back as "
            "the hand-over's or the give-back's seen, so that one since (its holder handed it on or gave it "
            "back, a colleague claimed it) is not overridden unseen"
        }
    )


# what a page or a client read (an audit entry's id, TaskDetailSchema's draft_revision, holding)
SEEN_RANGE = validate.Range(0, 2147483647)


class HandOverSchema(ma.Schema):
    to = fields.String(required=True, validate=validate.Length(min=1, max=64))
    # the limit the use case refuses by (422 ``comment: max_length``), documented from its constant
    comment = fields.String(load_default="", metadata={"maxLength": HAND_OVER_NOTE_CHARS})
    seen = WholeNumber(
        load_default=None,
        validate=SEEN_RANGE,
        metadata={
            "description": "the task's holding as you read it: when someone claimed, handed on or gave back the "
            "task since, 409 holding_changed (said: who did what when) and it is not handed over; "
            "left out, it is handed over as it stands"
        },
    )


class UnclaimSchema(ma.Schema):
    seen = WholeNumber(
        load_default=None,
        validate=SEEN_RANGE,
        metadata={
            "description": "the task's holding as you read it: when someone claimed, handed on or gave back the "
            "task since, 409 holding_changed (said: who did what when) and it is not given back; "
            "left out (or no body at all), it is given back as it stands"
        },
    )


class CompleteSchema(ma.Schema):
    data = fields.Dict(
        keys=fields.String(), load_default=dict, metadata={"description": "the form's values by field id"}
    )


class CompletedSchema(ma.Schema):
    completed = fields.String()
    open_tasks = fields.List(fields.Nested(TaskSchema), metadata={"description": "the case's tasks now open"})
    nobody_to_take = fields.List(
        fields.String(),
        metadata={
            "description": "the task_id of each task this completion opened that no active person can take now "
            "(its assignee deactivated, or none of its candidate users and groups' members active): the "
            "completion stands; put someone in the unit, or have the task handed over (task.reassign). "
            "The task page warns of the same"
        },
    )


class DraftSchema(ma.Schema):
    data = fields.Dict(keys=fields.String(), required=True)
    revision = WholeNumber(
        load_default=None,
        validate=SEEN_RANGE,
        metadata={
            "description": "the task's draft_revision as you read it (or the Draft-Revision of your last save): "
            "when a draft was saved since, 409 task_draft_saved_meanwhile (said: who saved it when) and yours "
            "is not saved; left out, yours is saved over whatever is there"
        },
    )


class CommentInSchema(ma.Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    confidential = Boolean(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "read only by its author and those with confidential.read; "
            "default: true on a case with confidential fields (a petition)"
        },
    )


class AttachmentUploadSchema(ma.Schema):
    """A multipart/form-data body: the file and its form fields."""

    file = Upload(required=True, metadata={"description": "the file (size and type limited)"})
    # a form field is text: "true" / "false" (also 1/0, on/off, as an HTML checkbox sends)
    confidential = QueryBoolean(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "read only by its uploader and those with confidential.read; "
            "default: true on a case with confidential fields (a petition)"
        },
    )


# -- instances ---------------------------------------------------------------------------
class InstanceSchema(ma.Schema):
    id = WholeNumber()
    title = fields.String()
    business_key = fields.String(allow_none=True)
    process_key = fields.String()
    process_name = fields.String()
    version = WholeNumber()
    status = fields.String()
    started_by = fields.String(
        metadata={
            "description": "who started it: for a case started from a ledger (started_from_ledger), the "
            "administrator who imported it"
        }
    )
    started_at = fields.AwareDateTime()
    ended_at = fields.AwareDateTime(allow_none=True)
    started_from_ledger = fields.Boolean(
        metadata={
            "description": "started from a row of this year's ledger (台账) when it was imported: started_by recorded "
            "its start, done back then by whoever the ledger says; the history's start entry names the file and row "
            "(its ledger). False for any other case (and for one imported before this was recorded)"
        }
    )


class InstanceListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["running", "completed", "cancelled"]))
    process = text_arg(metadata={"description": "process key"})
    text = text_arg(metadata={"description": "in the title or business key"})
    mine = fields.Boolean(load_default=False, metadata={"description": "only the cases I started"})


class InstanceListItemSchema(InstanceSchema):
    open_task_count = WholeNumber(metadata={"description": "ready user tasks"})
    overdue_task_count = WholeNumber(metadata={"description": "ready user tasks past their due date"})
    waiting_for = fields.List(
        fields.String(validate=validate.OneOf([w.value for w in Waiting])),
        metadata={
            "description": "a running case with no ready user task: what it waits for, any of which moves it on "
            "(external: an external task, for a worker; message, signal; trigger: a receive task without a message; "
            "timer: a BPMN timer; called_case: a case its call activity started). Empty for a case with a ready "
            "task (open_task_count), one no longer running, or one stalled (an incident)"
        },
    )


class InstancePageSchema(ma.Schema):
    total = WholeNumber()
    page = WholeNumber()
    per_page = WholeNumber()
    items = fields.List(fields.Nested(InstanceListItemSchema))


class StartSchema(ma.Schema):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    data = fields.Dict(
        keys=fields.String(), load_default=dict, metadata={"description": "the start form's values by field id"}
    )
    title = fields.String(validate=validate.Length(min=1, max=500))
    business_key = fields.String(validate=validate.Length(min=1, max=200))


class StartedSchema(ma.Schema):
    id = WholeNumber()
    title = fields.String()
    process_key = fields.String()
    version = WholeNumber()
    status = fields.String()
    open_tasks = fields.List(fields.Nested(TaskSchema))
    nobody_to_take = fields.List(
        fields.String(),
        metadata={
            "description": "the task_id of each task the start opened that no active person can take now: the "
            "case stands; put someone in the unit, or have the task handed over (task.reassign). The start page "
            "warns of the same"
        },
    )


class TimerSchema(ma.Schema):
    bpmn_id = fields.String()
    kind = fields.String()
    due_at = fields.AwareDateTime()


class CallLinkSchema(ma.Schema):
    instance_id = WholeNumber()
    title = fields.String()
    process_name = fields.String()
    status = fields.String()
    bpmn_id = fields.String(metadata={"description": "the call activity"})
    step_name = fields.String()


class InstanceDetailSchema(InstanceSchema):
    definition_id = WholeNumber()
    revision = WholeNumber()
    variables = fields.Dict(
        metadata={
            "description": "confidential fields masked unless you may read them; without those that open rounds "
            "of a multi-instance each hold for themselves (round_local): read them on the rounds' tasks"
        }
    )
    round_local = fields.List(
        fields.String(),
        metadata={"description": "variables left out of variables: each open round holds its own (被评议单位)"},
    )
    labels = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "variable → the label of its form field"}
    )
    hidden = fields.List(fields.String())
    open_tasks = fields.List(fields.Nested(TaskSchema))
    history = fields.List(fields.Nested(HistorySchema))
    completed_bpmn_ids = fields.List(fields.String(), metadata={"description": "diagram: done"})
    active_bpmn_ids = fields.List(fields.String(), metadata={"description": "diagram: active now"})
    overdue_bpmn_ids = fields.List(fields.String(), metadata={"description": "diagram: overdue"})
    pending_timers = fields.List(fields.Nested(TimerSchema))
    element_names = fields.Dict(keys=fields.String(), values=fields.String())
    comments = fields.List(fields.Nested(CommentSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))
    caller = fields.Nested(
        CallLinkSchema, allow_none=True, metadata={"description": "the case whose call activity started this one"}
    )
    called = fields.List(
        fields.Nested(CallLinkSchema), metadata={"description": "the cases this one's call activities started"}
    )


class CancelSchema(ma.Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "why; kept in the case's history"},
    )


# -- me and tokens -----------------------------------------------------------------------
class ProfileSchema(ma.Schema):
    username = fields.String()
    display_name = fields.String()
    email = fields.String(allow_none=True)
    department_code = fields.String(allow_none=True)
    department_name = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    groups = fields.List(fields.String())
    supervises = fields.Boolean()
    permissions = fields.List(
        fields.String(), metadata={"description": "what your roles grant (see the README's permission table)"}
    )
    timezone = fields.String(
        metadata={
            "description": "the IANA time zone the web pages show your dates in "
            "(Asia/Shanghai by default); the API always speaks UTC"
        }
    )
    # what PATCH /api/v1/me changes beside the time zone, answered by GET and PATCH alike
    language = fields.String(
        allow_none=True,
        metadata={
            "enum": [*LANGUAGES, None],
            "description": "the language you read the pages and your notification e-mails in, as 我的设置 "
            "sets it; null: never chosen, the product's default (Chinese, zh_CN)",
        },
    )
    email_notices = Boolean(metadata={"description": "whether your notifications are e-mailed to you too"})


class ProfileUpdateSchema(ma.Schema):
    """What 我的设置 sets, changed together: each field left as it is when not sent, at least one
    sent (an empty object: 422 naming ``json``, the body); every refused field is said at once,
    nothing changed."""

    timezone = fields.String(
        validate=validate.Length(max=64),
        metadata={"description": 'an IANA time zone name, or "" for the default; left as it is when not sent'},
    )
    language = fields.String(
        allow_none=True,
        validate=validate.Length(max=16),
        metadata={
            "enum": [*LANGUAGES, None],
            "description": "the language of the pages and of your notification e-mails: zh_CN or en; null "
            "for the product's default (Chinese); left as it is when not sent. 422 (language) if unknown",
        },
    )
    email_notices = Boolean(
        metadata={
            "description": "whether your notifications are e-mailed to you too; left as it is when not sent. "
            "Turned off, your e-mails still waiting to be sent are not sent"
        }
    )

    @ma.validates_schema
    def _something_sent(self, data: dict, **_kwargs: object) -> None:
        # a body changing nothing is a client's mistake (a field misspelt is refused as unknown
        # already): said as the body's, since no one field is missing
        if not data:
            raise ma.ValidationError(fields.Field.default_error_messages["required"], "json")


class TokenSchema(ma.Schema):
    id = WholeNumber()
    name = fields.String()
    created_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    expires_at = fields.AwareDateTime(allow_none=True, metadata={"description": "null: never expires"})
    expired = fields.Boolean(metadata={"description": "it has expired: it no longer works"})


class TokenInSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=tokens.MAX_NAME_CHARS))
    expires_in_days = WholeNumber(
        strict=True,
        allow_none=True,
        load_default=tokens.DEFAULT_EXPIRY_DAYS,
        validate=validate.Range(min=1, max=tokens.MAX_EXPIRY_DAYS),
        metadata={
            "description": f"the token stops working this many days from now; absent: {tokens.DEFAULT_EXPIRY_DAYS}, "
            "null: never"
        },
    )


class CreatedTokenSchema(ma.Schema):
    token = fields.Nested(TokenSchema)
    secret = fields.String(metadata={"description": "shown only now: keep it"})


# -- notifications (消息) ------------------------------------------------------------------
class NotificationSchema(ma.Schema):
    id = WholeNumber()
    kind = fields.String(
        metadata={
            "description": "task (a new task), reminder (due soon), overdue, supervision (督办), or sent "
            "(another step's submission your open task hears of)"
        }
    )
    # kind_label, subject and message: written for this request as the 消息 page writes them
    # (web/notification_texts.py); what was stored: email_subject and email_message
    kind_label = fields.Function(
        notification_texts.kind_label, metadata={"type": "string", "description": "the kind, in your language"}
    )
    subject = fields.Function(
        notification_texts.subject,
        metadata={
            "type": "string",
            "description": "in your language (the language cookie, else Accept-Language, else Chinese); "
            "a notification made before params were kept: email_subject",
        },
    )
    message = fields.Function(
        notification_texts.message,
        metadata={
            "type": "string",
            "description": "in your language, as subject, its due time in your time zone when you are signed "
            "in (with a token: Beijing time); a notification made before params were kept: email_message",
        },
    )
    # what the row keeps: the e-mail itself is written when it is sent (engine.notifications.outbox),
    # from params in the recipient's language and time zone then; only one without params goes as stored
    email_subject = fields.String(
        attribute="subject",
        metadata={
            "description": "the subject as stored when the notification was made, in Chinese. Not necessarily "
            "what an e-mail says: the e-mail is written when it is sent, in your language (PATCH /api/v1/me "
            "language) from params; only a notification without params is e-mailed as stored"
        },
    )
    email_message = fields.String(
        attribute="message",
        metadata={
            "description": "the message as stored when the notification was made, in Chinese, its due time in your "
            "time zone then. Not necessarily what an e-mail says: as email_subject"
        },
    )
    params = fields.Dict(
        allow_none=True,
        metadata={
            "description": "what subject and message are made of, to write them in another language: task, case; "
            "due_at (UTC) for reminder and overdue; handlers (overdue, to supervisors); event and "
            "interrupting (supervision). null for notifications made before it was kept"
        },
    )
    instance_id = WholeNumber(allow_none=True, metadata={"description": "the case it is about"})
    task_id = fields.String(allow_none=True, metadata={"description": "the task it is about"})
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)


class NotificationListArgs(PageArgs):
    unread = fields.Boolean(load_default=False, metadata={"description": "only the unread ones"})


class NotificationPageSchema(ma.Schema):
    total = WholeNumber(metadata={"description": "notifications matching the filter"})
    unread = WholeNumber(metadata={"description": "all your unread notifications"})
    page = WholeNumber()
    per_page = WholeNumber()
    items = fields.List(fields.Nested(NotificationSchema))


class MarkReadSchema(ma.Schema):
    ids = fields.List(
        WholeNumber(validate=validate.Range(1, MAX_ID)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=1000),
        metadata={
            "description": "the notifications to mark read; left out (or null): all of "
            "yours. Ids that are not yours are ignored."
        },
    )


class MarkedReadSchema(ma.Schema):
    marked = WholeNumber(metadata={"description": "how many were unread and are read now"})


# -- statistics ---------------------------------------------------------------------------
class StatisticsArgs(ma.Schema):
    process = fields.String(
        load_default="proposal",
        validate=validate.OneOf(["proposal", "petition", "inspection", "plan"]),
        metadata={
            "description": "proposal (代表建议), petition (信访), inspection (监督检查: counted per inspected unit) "
            "or plan (the year's plan: reception days, deputies' reports, evaluations, unit reports)"
        },
    )
    start = fields.Date(data_key="from", load_default=None, metadata={"description": "first day; default 1 January"})
    end = fields.Date(data_key="to", load_default=None, metadata={"description": "last day, included; default today"})
    preset = fields.String(
        load_default=None,
        validate=validate.OneOf(["session", "year", "first_half", "second_half", "last_year"]),
        metadata={
            "description": "a period instead of from/to (which win when given): session = from the day the "
            "congress last met (settings congress.session_month / congress.session_day) to the day before it "
            "meets again; year, first_half, second_half of this year; last_year"
        },
    )


class FigureSchema(ma.Schema):
    count = WholeNumber(metadata={"description": "cases of the period that meet the figure's definition"})
    base = WholeNumber(allow_none=True, metadata={"description": "the figure its rate is taken over"})
    rate = fields.Float(allow_none=True, metadata={"description": "count / base in percent, one decimal"})
    label = fields.String(
        metadata={"description": "overall only: the figure's name as the 统计 page shows it, in the request's language"}
    )
    definition = fields.String(
        metadata={
            "description": "overall only: what it counts and over what base, as the 统计 page says beside it, in "
            "the request's language (Chinese; English with the lang=en cookie the pages set)"
        }
    )


class UnitFiguresSchema(ma.Schema):
    unit = fields.String(allow_none=True, metadata={"description": "department code; null: not assigned yet"})
    figures = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(FigureSchema),
        metadata={
            "description": "the unit's cases by the unit that holds them; reassigned (改办) by the unit that "
            "returned them, which may hold none of the period's cases (its other figures 0)"
        },
    )


class StatisticsSchema(ma.Schema):
    process = fields.String(attribute="process_key")
    start = fields.Date(data_key="from", attribute="period.start")
    end = fields.Date(data_key="to", attribute="period.end")
    overall = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(FigureSchema),
        metadata={
            "description": "by figure key, each with its label and definition (engine/usecases/statistics.py "
            "counts them)"
        },
    )
    units = fields.List(fields.Nested(UnitFiguresSchema))
    handling_days = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))


# -- the overdue board and 督办 --------------------------------------------------------------
class BoardArgs(ma.Schema):
    unit = fields.String(load_default=None, metadata={"description": "a unit (department code)"})
    process = fields.String(load_default=None, metadata={"description": "a process key"})
    sort = fields.String(load_default="due", validate=validate.OneOf(["due", "unit", "process", "supervisions"]))
    deputy = fields.String(load_default=None, metadata={"description": "a deputy's proposals (user name)"})
    category = fields.String(load_default=None, metadata={"description": "a proposal's class"})


class UnreportedUnitSchema(ma.Schema):
    unreported = fields.String(
        metadata={"description": "why its head was not told: no_task, no_unit, no_head, head_inactive, head_is_holder"}
    )
    unit = fields.String(allow_none=True, metadata={"description": "the unit's code; null: no unit (no_task)"})
    head = fields.String(allow_none=True, metadata={"description": "its head's user name, when the roster names one"})
    told_instead = WholeNumber(allow_none=True, metadata={"description": "others of it told in the head's stead"})
    told_as_holders = WholeNumber(allow_none=True, metadata={"description": "those of it told as the holders"})


class FollowUpAnswerSchema(ma.Schema):
    field = fields.String(metadata={"description": "the form field's id"})
    label = fields.String(metadata={"description": "its label, as the form says it (the process's words)"})
    value = fields.Raw(
        metadata={
            "description": "the answer as the form shows it: an option by its name, a list joined; a "
            "confidential value inside a text masked for whoever may not read it, as the opinion is"
        }
    )


class FollowUpSchema(ma.Schema):
    task_name = fields.String(metadata={"description": "the task the timer opened for the office (督办)"})
    done_by = fields.String(allow_none=True, metadata={"description": "who completed it, by user name"})
    done_at = fields.AwareDateTime(allow_none=True)
    answers = fields.List(
        fields.Nested(FollowUpAnswerSchema),
        metadata={"description": "what its form answered (督办方式, 督办情况), in form order"},
    )


class SupervisionSchema(ma.Schema):
    id = WholeNumber()
    instance_id = WholeNumber()
    case_title = fields.String()
    task_id = fields.String(allow_none=True)
    task_name = fields.String(allow_none=True)
    issued_by = fields.String(metadata={"description": "a user name, or system for a deadline timer's"})
    issued_at = fields.AwareDateTime(
        metadata={"description": "when it was issued; a deadline timer's, when the period lapsed (its timer's moment)"}
    )
    automatic = fields.Boolean()
    fired_at = fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "a deadline timer's: when it fired and its holders were told, which may be long after the "
            "period lapsed (the scheduler was down, a ledger's row imported after it); null for a person's"
        },
    )
    follow_up = fields.Nested(
        FollowUpSchema,
        allow_none=True,
        metadata={
            "description": "a deadline timer's: what the office recorded in the 督办 task the timer opened "
            "(督办方式, 督办情况), once that task is done; null while it is open, and for a person's"
        },
    )
    opinion = fields.String()
    respond_by = fields.AwareDateTime(allow_none=True, metadata={"description": "24:00 of the day asked (UTC)"})
    escalated = fields.Boolean()
    responded_at = fields.AwareDateTime(allow_none=True)
    state = fields.String(
        metadata={
            "description": "open, overdue (not answered by respond_by), responded (its task done; on the case as "
            "a whole, once every unit it was addressed to has done the task it held then), or ended (never "
            "answered, and the task it pressed on was withdrawn or the case ended)"
        }
    )
    withdrawn = fields.Boolean(
        metadata={
            "description": "ended because its task was taken back: the process withdrew it (or 改办), or its case "
            "was cancelled (cancelled_by); not by the case's end"
        }
    )
    withdrawn_by = fields.String(
        allow_none=True,
        metadata={
            "description": "what event took the task back, by name (退回改办, a deadline); null: not known, or the "
            "case's cancelling (cancelled_by)"
        },
    )
    cancelled_by = fields.String(
        allow_none=True,
        metadata={
            "description": "ended unanswered because its case was cancelled (on its task, or on the case as a "
            "whole): who cancelled it, by user name (system for a called case the system cancelled); null otherwise"
        },
    )
    addressed_units = fields.List(
        fields.String(),
        metadata={
            "description": "on the case as a whole (task_id null): the units' codes it was addressed to, those "
            "holding the case's open tasks when it was issued, whose holders were told; empty: nobody was told "
            "(no unit held one), or not recorded (addressees_recorded false). Empty for a 督办 on a task"
        },
    )
    # what issuing found, kept with the 督办: the same in the answer to issuing it and on every read
    unreported = fields.String(
        allow_none=True,
        metadata={
            "description": "issued with escalate, why no head was told: no_task, no_unit, no_head, head_inactive "
            "or head_is_holder (the head claimed the task himself); null when one was told (escalated), when "
            "escalation was not asked, or when it is not known: a 督办 issued before what issuing found was "
            "kept (told_instead and told_as_holders are null then)"
        },
    )
    unreported_unit = fields.String(allow_none=True, metadata={"description": "that unit's code"})
    told_instead = WholeNumber(
        allow_none=True,
        metadata={
            "description": "how many others of the unit were told in the head's stead; null: not known (issued "
            "before it was kept)"
        },
    )
    told_as_holders = WholeNumber(
        allow_none=True,
        metadata={
            "description": "how many of the unit hold the task and heard as such; null: not known (issued before "
            "it was kept)"
        },
    )
    unreported_units = fields.List(
        fields.Nested(UnreportedUnitSchema),
        metadata={
            "description": "every unit whose head the escalation did not reach, each with its own reason (a 督办 "
            "on the case as a whole escalates to each unit it is addressed to); the first is also unreported, "
            "unreported_unit, told_instead and told_as_holders. Empty: every head was told, or not asked"
        },
    )
    addressees_recorded = fields.Boolean(
        metadata={
            "description": "on the case as a whole: whether whom it was addressed to was recorded when it was "
            "issued; false for one issued before it was, whose addressed_units is empty for not being known, "
            "not for naming nobody. True for a 督办 on a task"
        }
    )


class BoardRowSchema(ma.Schema):
    task_id = fields.String()
    task_name = fields.String()
    instance_id = WholeNumber()
    case_title = fields.String()
    process_key = fields.String()
    process_name = fields.String()
    unit = fields.String(allow_none=True)
    holder = fields.Method(
        "_holder", metadata={"description": "the assignee's user name, else the units' codes joined by 、"}
    )
    assignee = fields.String(allow_none=True)
    candidate_groups = fields.List(fields.String(), attribute="groups")
    holders = fields.List(
        fields.String(), metadata={"description": "who holds it, by name: the assignee's, else the units'"}
    )
    due_at = fields.AwareDateTime()
    days_overdue = WholeNumber()
    overdue = fields.Boolean()
    days_left = WholeNumber(
        metadata={"description": "not yet due: whole days left before the deadline (0: within a day); 0 when overdue"}
    )
    supervisions = WholeNumber()
    open_supervisions = WholeNumber()

    def _holder(self, row) -> str:
        return row.assignee or "、".join(row.groups)


class BoardSchema(ma.Schema):
    rows = fields.List(fields.Nested(BoardRowSchema))
    per_unit = fields.Dict(
        keys=fields.String(),
        values=fields.List(WholeNumber()),
        metadata={"description": "unit → [overdue, due soon]"},
    )
    open_supervisions = fields.List(fields.Nested(SupervisionSchema))


class SupervisionInSchema(ReportsAllSchema):
    """Every wrong field is said at once, this schema's with the use case's (the day, the task)."""

    task_id = fields.String(load_default=None, metadata={"description": "the open task pressed on; none: the case"})
    # the use case refuses a longer one, with the other fields' errors (a schema limit would say it apart)
    opinion = fields.String(required=True, metadata={"maxLength": MAX_OPINION})
    # read as text: whether it is a day of the calendar the use case says, with the rest
    respond_by = fields.String(
        load_default=None,
        metadata={
            "format": "date",
            "description": "the day to answer by (until 24:00), YYYY-MM-DD, from today (the congress's) to "
            f"{DATE_MAX.isoformat()}",
        },
    )
    escalate = Boolean(load_default=False)


class CasesBehindArgs(StatisticsArgs):
    figure = fields.String(
        required=True,
        metadata={
            "description": "a figure's key, e.g. replied_on_time (the keys of /statistics's overall); 404 for "
            "another, its message listing the process's keys"
        },
    )
    unit = fields.String(load_default=None, metadata={"description": "one unit's cases only"})


class MonthFiguresSchema(ma.Schema):
    month = fields.String(metadata={"description": "YYYY-MM, Beijing time"})
    received = WholeNumber(
        metadata={
            "description": "cases of the period received (inspections, plan: started) that month, each once "
            "however many units or items it has"
        }
    )
    replied = WholeNumber(
        allow_none=True, metadata={"description": "of the period's cases, replied that month; null: not counted"}
    )
    replied_on_time = WholeNumber(allow_none=True, metadata={"description": "of those, replied on time"})


class CaseBehindSchema(ma.Schema):
    id = WholeNumber()
    title = fields.String()
    unit = fields.String(allow_none=True)
    status = fields.String()
    received_at = fields.AwareDateTime(allow_none=True)
    replied_at = fields.AwareDateTime(allow_none=True)


class AuditArgs(PageArgs):
    user = fields.String(load_default=None, metadata={"description": "one person's actions"})
    action = fields.String(load_default=None, metadata={"description": "one action, e.g. complete"})
    start = fields.Date(data_key="from", load_default=None)
    end = fields.Date(data_key="to", load_default=None)


class AuditRowSchema(ma.Schema):
    id = WholeNumber()
    at = fields.AwareDateTime()
    actor = fields.String()
    action = fields.String()
    instance_id = WholeNumber(allow_none=True)
    case_title = fields.String(allow_none=True)
    bpmn_id = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    address = fields.String(
        allow_none=True, metadata={"description": "a sign-in's (successful, failed or refused): the client's address"}
    )
    said = fields.String(
        allow_none=True,
        metadata={
            "description": "what the 审计日志 page says of the entry (内容), in the request's language: an "
            "import's file and counts; an administrative entry's target and what it set, before → after "
            "where kept (never a password or a token's secret); null where the page says nothing (an "
            "entry of a case, a successful sign-in)"
        },
    )


class AuditPageSchema(ma.Schema):
    total = WholeNumber()
    page = WholeNumber()
    pages = WholeNumber()
    items = fields.List(fields.Nested(AuditRowSchema), attribute="rows")
