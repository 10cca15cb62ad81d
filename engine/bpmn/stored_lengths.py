"""What the database keeps of a process's ids and names is as long as its columns
(storage/models.py) allow: SQLite stores a longer text anyway, PostgreSQL refuses the whole
save (a server error at deploy, or at the step that reaches the element). So deploy refuses a
longer one at its element, naming the limit. engine.bpmn imports no database code: the
limits are written here and tests/unit/test_bpmn_check_messages.py holds them to the columns."""

from __future__ import annotations

from lxml import etree

from ..errors import Problem
from .camunda import BPMN_NS, CAMUNDA_NS, NSMAP, is_expression
from .documents import local_name, owner_of, problem_at

# process_definitions.key and every bpmn_id (work items, timers, audit entries, incidents,
# subscriptions, external tasks, a called case's parent_bpmn_id)
ID_LENGTH = 200
# process_definitions.name and work_items.name (what a task is called in every list)
NAME_LENGTH = 500
# work_items.lane and work_item_groups.group (a lane's name is its tasks' group)
LANE_LENGTH = 200
# work_item_groups.group: a candidate group or candidate user written as is
HOLDER_LENGTH = 200
# work_items.assignee
ASSIGNEE_LENGTH = 64
# subscriptions.name (what a case waits for)
WAITED_NAME_LENGTH = 200

_SHOWN = 40  # of a text too long to quote whole, the first characters quoted


def _quoted(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")


def _too_long(file: str, node: etree._Element, what: str, text: str, limit: int) -> list[Problem]:
    if len(text) <= limit:
        return []
    return [
        problem_at(
            file, owner_of(node), f"{what} {_quoted(text)} is {len(text)} characters long: at most {limit} are stored"
        )
    ]


def element_problems(node: etree._Element, file: str) -> list[Problem]:
    """A BPMN element's (or the process's) id and name, a lane's name, and who a user task
    names as they are stored (an external task's topic: engine.bpmn.waiting_checks)."""
    problems: list[Problem] = []
    name = node.get("name") or ""
    if etree.QName(node).namespace != BPMN_NS:
        return problems
    problems += _too_long(file, node, "the id", node.get("id") or "", ID_LENGTH)
    kind = local_name(node.tag)
    if kind == "lane":
        problems += _too_long(file, node, "the name of the lane", name, LANE_LENGTH)
    elif kind in ("message", "signal"):
        problems += _too_long(file, node, f"the name of the {kind}", name, WAITED_NAME_LENGTH)
    else:
        problems += _too_long(file, node, "the name", name, NAME_LENGTH)
    assignee = node.get(f"{{{CAMUNDA_NS}}}assignee") or ""
    if not is_expression(assignee):
        problems += _too_long(file, node, "the assignee", assignee.strip(), ASSIGNEE_LENGTH)
    for attribute, what in (("candidateGroups", "the candidate group"), ("candidateUsers", "the candidate user")):
        for entry in (node.get(f"{{{CAMUNDA_NS}}}{attribute}") or "").split(","):
            if not is_expression(entry.strip()):
                problems += _too_long(file, node, what, entry.strip(), HOLDER_LENGTH)
    return problems


def declared_problems(root: etree._Element, file: str) -> list[Problem]:
    """The messages and signals the document declares: a case waiting for one stores its name."""
    problems: list[Problem] = []
    for node in root.xpath("./bpmn:message | ./bpmn:signal", namespaces=NSMAP):
        problems += element_problems(node, file)
    return problems
