"""What the product reads from a BPMN file beyond what SpiffWorkflow executes.

SpiffWorkflow 3.2's CamundaParser drops ``camunda:assignee``, ``candidateGroups``,
``candidateUsers``, ``dueDate`` and start-event forms. Rather than patching its task specs
(and teaching every serializer about them), we read these once per definition version
into plain :class:`TaskMeta` records, stored beside the spec and keyed by BPMN id.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from lxml import etree

from .forms import FormField, FormSpec, Option, date_default

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NSMAP = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}
# the scriptFormat values that mean Python (absent means Python too)
PYTHON_FORMATS = frozenset({"python", "python3", "text/x-python", "application/x-python"})


@dataclass(frozen=True)
class TaskMeta:
    bpmn_id: str
    name: str
    lane: str | None = None
    assignee: str | None = None
    candidate_groups: tuple[str, ...] = ()
    candidate_users: tuple[str, ...] = ()
    due_date: str | None = None
    priority: str | None = None
    documentation: str = ""  # the designer's notes (bpmn:documentation): never shown to officers
    help: str = ""  # what officers read on the task page: camunda:property name="help"
    form: FormSpec = field(default_factory=FormSpec)
    # camunda:property name="tell": the user tasks (ids) whose holders are told when this one
    # is submitted while theirs is open (a co-handling unit's view reaching the lead unit)
    tell: tuple[str, ...] = ()
    # camunda:property name="answers": the user tasks (ids) whose request this one decides:
    # whoever submitted each last is told what was decided (审核退回申请 answers the lead
    # unit's 办理并书面答复 that asked to return the item), whether or not theirs is open again
    answers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        dct = asdict(self)
        dct["form"] = self.form.to_dict()
        for optional in ("tell", "answers"):
            if not dct[optional]:
                # kept as the version before it wrote it: a definition that tells no one loads
                # in a server of that version too (one not yet upgraded beside it, a rollback)
                del dct[optional]
        return dct

    @classmethod
    def from_dict(cls, dct: dict[str, Any]) -> TaskMeta:
        return cls(
            **{
                **dct,
                "candidate_groups": tuple(dct["candidate_groups"]),
                "candidate_users": tuple(dct["candidate_users"]),
                "form": FormSpec.from_dict(dct["form"]),
                "tell": tuple(dct.get("tell", ())),
                "answers": tuple(dct.get("answers", ())),
            }
        )


def is_expression(entry: str) -> bool:
    return entry.startswith("${") and entry.endswith("}")


def expression_body(entry: str) -> str:
    return entry[2:-1].strip()


def split_entries(value: str | None) -> tuple[str, ...]:
    """A comma-separated list of names and ``${…}`` entries; a comma inside brackets, braces
    or quotes (``${a['x,y']}``) does not separate."""
    entries: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in value or "":
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth <= 0:
            entries.append("".join(current))
            current = []
            continue
        current.append(char)
    entries.append("".join(current))
    return tuple(e.strip() for e in entries if e.strip())


_split = split_entries


def potential_owners(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(candidate users, candidate groups) of a ``potentialOwner``'s formal expression, read
    as Camunda reads it: ``user(kermit), group(management), accountancy`` (a plain name is a
    group)."""
    users: list[str] = []
    groups: list[str] = []
    for entry in split_entries(text):
        for kind, found in (("user(", users), ("group(", groups)):
            if entry.startswith(kind) and entry.endswith(")"):
                found.append(entry[len(kind) : -1].strip())
                break
        else:
            groups.append(entry)
    return tuple(u for u in users if u), tuple(g for g in groups if g)


def _potential_owners(node: etree._Element) -> tuple[tuple[str, ...], tuple[str, ...]]:
    users: list[str] = []
    groups: list[str] = []
    for text in node.xpath(
        "./bpmn:potentialOwner/bpmn:resourceAssignmentExpression/bpmn:formalExpression/text()", namespaces=NSMAP
    ):
        more_users, more_groups = potential_owners(str(text))
        users += more_users
        groups += more_groups
    return tuple(users), tuple(groups)


def _camunda(node: etree._Element, name: str) -> str | None:
    value = node.get(f"{{{CAMUNDA_NS}}}{name}")
    return str(value) if value is not None else None


def camunda_value(node: etree._Element, name: str) -> str:
    """A ``camunda:`` attribute of ``node``, stripped ("" when it has none)."""
    return (node.get(f"{{{CAMUNDA_NS}}}{name}") or "").strip()


def read_form(node: etree._Element) -> FormSpec:
    fields = []
    for xml_field in node.xpath("./bpmn:extensionElements/camunda:formData/camunda:formField", namespaces=NSMAP):
        constraints = {
            c.get("name"): c.get("config") or ""
            for c in xml_field.xpath("./camunda:validation/camunda:constraint", namespaces=NSMAP)
        }
        # Camunda names a form field's properties by ``id``; ``name`` (as on other elements)
        # is read too, so that a designer who writes either is understood
        properties = {
            p.get("id") or p.get("name") or "": p.get("value") or ""
            for p in xml_field.xpath("./camunda:properties/camunda:property", namespaces=NSMAP)
        }
        options = tuple(
            Option(v.get("id") or "", v.get("name") or v.get("id") or "")
            for v in xml_field.xpath("./camunda:value", namespaces=NSMAP)
        )
        fields.append(
            FormField(
                id=xml_field.get("id") or "",
                label=xml_field.get("label") or xml_field.get("id") or "",
                type=xml_field.get("type") or "string",
                default=date_default(xml_field.get("defaultValue"))
                if xml_field.get("type") == "date"
                else xml_field.get("defaultValue"),
                constraints=constraints,
                options=options,
                properties=properties,
            )
        )
    return FormSpec(tuple(fields))


def _lanes_by_node(process: etree._Element) -> dict[str, str]:
    lanes: dict[str, str] = {}
    for lane in process.xpath(".//bpmn:lane", namespaces=NSMAP):
        for ref in lane.xpath("./bpmn:flowNodeRef", namespaces=NSMAP):
            lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id")
    return lanes


def _element_property(node: etree._Element, name: str) -> str:
    """A ``camunda:property`` of the element itself (not one of its form fields')."""
    found = node.xpath(
        "./bpmn:extensionElements/camunda:properties/camunda:property[@name=$name]/@value", namespaces=NSMAP, name=name
    )
    return str(found[0]).strip() if found else ""


def read_task_meta(process: etree._Element) -> dict[str, TaskMeta]:
    """Metadata of every user task and start event in ``process`` (subprocesses included)."""
    lanes = _lanes_by_node(process)
    metas = {}
    for node in process.xpath(".//bpmn:userTask | .//bpmn:startEvent", namespaces=NSMAP):
        bpmn_id = node.get("id") or ""
        doc = node.find(f"{{{BPMN_NS}}}documentation")
        owner_users, owner_groups = _potential_owners(node)
        metas[bpmn_id] = TaskMeta(
            bpmn_id=bpmn_id,
            name=node.get("name") or bpmn_id,
            lane=lanes.get(bpmn_id),
            assignee=_camunda(node, "assignee"),
            candidate_groups=_split(_camunda(node, "candidateGroups")) + owner_groups,
            candidate_users=_split(_camunda(node, "candidateUsers")) + owner_users,
            due_date=_camunda(node, "dueDate"),
            priority=_camunda(node, "priority"),
            documentation=(doc.text or "").strip() if doc is not None else "",
            help=_element_property(node, "help"),
            form=read_form(node),
            tell=_split(_element_property(node, "tell")),
            answers=_split(_element_property(node, "answers")),
        )
    return metas


def process_property(process: etree._Element, name: str) -> str:
    found = process.xpath(
        "./bpmn:extensionElements/camunda:properties/camunda:property[@name=$name]/@value", namespaces=NSMAP, name=name
    )
    return str(found[0]).strip() if found else ""


# A case's title comes from the first of these start form fields that is filled in
# (engine.usecases.cases): none of them may be confidential.
TITLE_FIELDS = ("title", "subject")
