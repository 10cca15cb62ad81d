"""What the modeler asks while a designer edits (nothing stored): the engine's own deploy checks
on the document as it stands, with deploy's warnings about who holds a task read against this
installation's units and people (and what deploy refused, said the same way), each problem with
the element's name beside its id so that the page can say which element in words; a layout
for a document without a diagram; and the date helpers and deadline settings a due date or a
timer may use, offered as suggestions where a date is expected."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from sqlalchemy.orm import Session

from ..access import Actor
from ..bpmn.camunda import BPMN_NS
from ..bpmn.documents import load_xml, visible
from ..bpmn.layout import with_diagram
from ..bpmn.parsing import parse_bpmn
from ..deadlines.settings import DEFAULTS
from ..errors import InvalidBpmn, Problem
from ..notifications.texts import DEFAULT_LANGUAGE, Translate, chinese
from .definitions import check_size, plain_filename, require_designer
from .holder_checks import holder_warnings

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class CheckedProblem:
    severity: str  # error: deploy refuses the document; warning: deploy goes ahead and says so
    message: str  # the engine's words, as deploy would say them
    line: int | None
    element_id: str | None
    element_name: str  # the element's name in the document; "" when it has none
    element_type: str  # its BPMN element: userTask, sequenceFlow, process...


@dataclass(frozen=True)
class DocumentCheck:
    deployable: bool
    processes: tuple[str, ...]  # the keys deploy would store a version of
    problems: tuple[CheckedProblem, ...]


def check_document(session: Session, actor: Actor, xml: str, file: str) -> DocumentCheck:
    """Run exactly the checks deploy runs (engine.bpmn.parsing.parse_bpmn, the holders'
    warnings) and store nothing: the problems that would refuse the document, then the
    warnings deploy would give."""
    require_designer(actor)
    file = plain_filename(file)
    try:
        check_size(xml, file)
        parsed = parse_bpmn(xml, file)
    except InvalidBpmn as exc:
        return DocumentCheck(False, (), _located(xml, file, exc.problems, ERROR))
    warnings = [w for process in parsed for w in (*process.warnings, *holder_warnings(session, process, file))]
    return DocumentCheck(True, tuple(p.key for p in parsed), _located(xml, file, warnings, WARNING))


@dataclass(frozen=True)
class Drawable:
    xml: str
    laid_out: bool  # the document had no diagram (no BPMNDiagram): a generated one was added


def drawable(xml: str, file: str) -> Drawable:
    """The document as the modeler can show it: bpmn-js draws nothing of a file without a
    diagram (a hand-written file, another tool's), so such a file is given a generated layout
    (engine/bpmn/layout.py), which the modeler then saves with it; a document with a diagram,
    or one that does not even load, as it is. Read safely first (no DOCTYPE, no entities)."""
    try:
        check_size(xml, file)
        load_xml(xml, file)
        shown = with_diagram(xml)
    except (InvalidBpmn, etree.XMLSyntaxError, ValueError):
        return Drawable(xml, False)
    return Drawable(shown, shown != xml)


def refusal(xml: str, file: str, problems: list[Problem]) -> tuple[CheckedProblem, ...]:
    """What deploy refused ``xml`` for (InvalidBpmn's problems, some of which only deploy
    finds: a called process not deployed), as check_document says its problems: errors, each
    with the element's name and kind beside its id, for the designer's one problem list."""
    file = plain_filename(file)
    try:
        check_size(xml, file)
    except InvalidBpmn:  # too large to read again for names: the problems by id alone
        return _located("", file, problems, ERROR)
    return _located(xml, file, problems, ERROR)


def element_names(xml: str, file: str) -> dict[str, str]:
    """id -> name of each named BPMN element of the document: how the designer's pages say an
    element a message names by its id, as the modeler's problem list does; nothing when the
    document is too large or does not even load (the messages then name elements by id)."""
    file = plain_filename(file)
    try:
        check_size(xml, file)
    except InvalidBpmn:
        return {}
    return {element_id: visible(name) for element_id, (name, _kind) in _elements_by_id(xml, file).items() if name}


def _located(xml: str, file: str, problems: list[Problem], severity: str) -> tuple[CheckedProblem, ...]:
    elements = _bpmn_elements(xml, file)
    by_id: dict[str, tuple[str, str]] = {}
    for element_id, _line, described in elements:
        by_id.setdefault(element_id, described)
    # a problem at the line of an element with its id is that element's: of two elements
    # sharing an id (a duplicate id), each problem names its own
    at_line = {(element_id, line): described for element_id, line, described in elements}
    located = []
    for p in problems:
        element_id = p.element_id or ""
        name, kind = at_line.get((element_id, p.line), by_id.get(element_id, ("", "")))
        # shown on the page: a control or direction character quoted as its escape (a name
        # holding U+202E would turn the rest of its row around)
        located.append(CheckedProblem(severity, visible(p.message), p.line, p.element_id, visible(name), kind))
    return tuple(located)


def _elements_by_id(xml: str, file: str) -> dict[str, tuple[str, str]]:
    """id -> (name, BPMN element) of every BPMN element of the document, the first of an id
    written twice; nothing when it does not even load (its problem then names no element)."""
    found: dict[str, tuple[str, str]] = {}
    for element_id, _line, described in _bpmn_elements(xml, file):
        found.setdefault(element_id, described)
    return found


def _bpmn_elements(xml: str, file: str) -> list[tuple[str, int | None, tuple[str, str]]]:
    """(id, line, (name, BPMN element)) of every BPMN element with an id, in document order;
    nothing when the document does not even load."""
    if not xml.strip():
        return []
    try:
        root = load_xml(xml, file)
    except InvalidBpmn:
        return []
    return [
        (node.get("id") or "", node.sourceline, ((node.get("name") or "").strip(), etree.QName(node).localname))
        for node in root.iter()
        if isinstance(node.tag, str) and node.get("id") and etree.QName(node).namespace == BPMN_NS
    ]


@dataclass(frozen=True)
class DateHelper:
    expression: str  # as written in a due date (a timer takes what is inside ${...})
    label: str  # what it gives, in the language asked for


# bpmn/README.md §1 and engine.deadlines.date_functions: counted as the law counts. Each label
# is said by ``_`` (the web's gettext: the Chinese texts are the catalogue's message ids, as in
# engine/notifications/texts.py), so that the page's suggestions follow its reader's language.
def _functions(_: Translate) -> tuple[tuple[str, str], ...]:
    return (
        ("deadline_in_days(15)", _("今天起 15 日（不含当日，期满日 24:00，遇节假日顺延）")),
        ("deadline_in_working_days(10)", _("今天起 10 个工作日")),
        ("deadline_in_months(3)", _("今天起 3 个月")),
        ("deadline_after_days(start, 15)", _("从 start（日期或时刻）起 15 日")),
        ("deadline_after_working_days(start, 10)", _("从 start 起 10 个工作日")),
        ("deadline_after_months(start, 3)", _("从 start 起 3 个月")),
        ("deadline_extended_by_days(deadline, 30)", _("原期限延长 30 日")),
        ("deadline_extended_by_months(deadline, 3)", _("原期限延长 3 个月")),
        ("deadline_on(day)", _("表单填写的日期当日 24:00")),
    )


_COUNTING = {"days": "deadline_in_days", "months": "deadline_in_months", "working days": "deadline_in_working_days"}


def date_helpers(actor: Actor, language: str | None = None, _: Translate = chinese) -> list[DateHelper]:
    """The date functions, then one ready-made deadline per statutory period setting
    (``deadline_in_months(setting('proposal.reply_months'))``), for the modeler's suggestions:
    said by ``_`` (Chinese by default), each setting by what it is called in ``language``
    (engine.deadlines.settings.SettingSpec.label_in; None: Chinese)."""
    require_designer(actor)
    helpers = [DateHelper(f"${{{call}}}", label) for call, label in _functions(_)]
    for name, spec in DEFAULTS.items():
        function = _COUNTING.get(spec.unit)
        if function is not None:
            label = _(
                "%(setting)s（期限设置 %(name)s）", setting=spec.label_in(language or DEFAULT_LANGUAGE), name=name
            )
            helpers.append(DateHelper(f"${{{function}(setting('{name}'))}}", label))
    return helpers
