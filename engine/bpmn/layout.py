"""A diagram for a BPMN file that has none.

Hand-written processes often carry no BPMNDiagram (no shapes, no coordinates), and
bpmn-js draws nothing without one. :func:`with_diagram` gives such a file a simple
left-to-right layout: columns by longest path from the start, one band per lane, boundary
events on their host's lower edge, loops routed underneath, written in at the end of the file
(every line before it as it was). A file with a diagram is returned unchanged, unless elements
of its processes have no shape there (an element whose id was written twice, when the layout was
made, and given an id of its own since): those are drawn in a row under the diagram, so that
bpmn-js, which draws nothing it has no shape for, shows them. Pure: XML in, XML out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"

ACTIVITIES = {
    "task",
    "userTask",
    "scriptTask",
    "serviceTask",
    "manualTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
SIZES = {**dict.fromkeys(ACTIVITIES, (100, 80)), **dict.fromkeys(EVENTS, (36, 36)), **dict.fromkeys(GATEWAYS, (50, 50))}
COLUMN, ROW, MARGIN = 170, 120, 60


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def has_diagram(root: etree._Element) -> bool:
    return bool(root.xpath("//bpmndi:BPMNShape", namespaces={"bpmndi": BPMNDI}))


@lru_cache(maxsize=64)
def with_diagram(xml: str) -> str:
    """``xml`` itself when it has a diagram, else ``xml`` with a generated one written in just
    before the closing tag of its <definitions>, the rest of the text as it is: every element
    keeps the line it has in the file, which is the line deploy and the CLI name a problem by
    and the designer's XML view shows the file at."""
    root = etree.fromstring(xml.encode("utf-8"))
    if has_diagram(root):
        return _completed(xml, root)
    before = len(root)
    top: float = MARGIN
    for process in root.findall(f"{{{BPMN}}}process"):
        top = _layout_process(root, process, top) + MARGIN
    added = list(root)[before:]
    if not added:  # no process to lay out
        return xml
    return _written_in(xml, root, added) or str(etree.tostring(root, encoding="unicode"))


def _written_in(xml: str, root: etree._Element, diagrams: list[etree._Element]) -> str | None:
    """``xml`` with ``diagrams`` (the children just added to its parsed ``root``) written in
    on lines of their own before the root's closing tag; None when that tag is not where it
    should be (a comment after the root quoting it...): the caller then writes the whole
    document out again."""
    local = etree.QName(root).localname
    end = xml.rfind(f"</{root.prefix}:{local}" if root.prefix else f"</{local}")
    if end < 0:
        return None
    line_start = xml.rfind("\n", 0, end) + 1
    fragments = []
    for diagram in diagrams:
        etree.indent(diagram, space="  ", level=1)
        fragments.append(
            "  " + _declared_once(root, etree.tostring(diagram, encoding="unicode", with_tail=False)) + "\n"
        )
    if xml[line_start:end].strip():  # the closing tag ends a line of content: it goes to a line of its own
        written = xml[:end] + "\n" + "".join(fragments) + xml[end:]
    else:
        written = xml[:line_start] + "".join(fragments) + xml[line_start:]
    try:
        check = etree.fromstring(written.encode("utf-8"))
    except etree.XMLSyntaxError:
        return None
    return written if len(check) == len(root) and has_diagram(check) else None


def _declared_once(root: etree._Element, fragment: str) -> str:
    """A child element serialised on its own repeats the namespaces its root declares: left
    out of its start tag, where the root's declarations are in scope anyway."""
    head_end = fragment.index(">")
    head = fragment[:head_end]
    for prefix, uri in root.nsmap.items():
        head = head.replace(f' xmlns:{prefix}="{uri}"' if prefix else f' xmlns="{uri}"', "", 1)
    return head + fragment[head_end:]


def _columns(nodes: list[str], edges: list[tuple[str, str]]) -> tuple[dict[str, int], set[tuple[str, str]]]:
    """Longest-path column of each node, and the edges that loop back (ignored for columns)."""
    out: dict[str, list[str]] = defaultdict(list)
    incoming: dict[str, int] = defaultdict(int)
    for s, t in edges:
        out[s].append(t)
        incoming[t] += 1
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}
    order: list[str] = []

    def visit(n: str) -> None:  # iterative DFS: deep processes must not hit the recursion limit
        stack = [(n, iter(out[n]))]
        state[n] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == 1:
                    back.add((node, child))
                elif child not in state:
                    state[child] = 1
                    stack.append((child, iter(out[child])))
                    break
            else:
                state[node] = 2
                order.append(node)
                stack.pop()

    for n in [n for n in nodes if incoming[n] == 0] + nodes:
        if n not in state:
            visit(n)
    column = dict.fromkeys(nodes, 0)
    for n in reversed(order):
        for t in out[n]:
            if (n, t) not in back:
                column[t] = max(column[t], column[n] + 1)
    return column, back


@dataclass
class _Elements:
    """What a process's layout draws: its flow nodes and boundary events by id (of an id
    written twice, the first: the shape of that id is the element's that bears it first, as
    every reader of the file takes it) and its sequence flows."""

    nodes: dict[str, etree._Element]
    boundaries: dict[str, etree._Element]
    flows: list[etree._Element]

    def anchor(self, node_id: str) -> str:  # a boundary event counts as its host for columns
        b = self.boundaries.get(node_id)
        return b.get("attachedToRef") if b is not None else node_id

    def edges(self) -> list[tuple[str, str]]:
        return [
            (self.anchor(f.get("sourceRef")), f.get("targetRef"))
            for f in self.flows
            if self.anchor(f.get("sourceRef")) in self.nodes and f.get("targetRef") in self.nodes
        ]


def _elements(process: etree._Element) -> _Elements:
    nodes: dict[str, etree._Element] = {}
    boundaries: dict[str, etree._Element] = {}
    for el in process:
        if el.get("id") and _local(el) in SIZES:
            nodes.setdefault(el.get("id"), el)
        elif el.get("id") and _local(el) == "boundaryEvent":
            boundaries.setdefault(el.get("id"), el)
    return _Elements(nodes, boundaries, [el for el in process if _local(el) == "sequenceFlow"])


def _layout_process(root: etree._Element, process: etree._Element, top: float) -> float:
    elements = _elements(process)
    nodes, boundaries, flows = elements.nodes, elements.boundaries, elements.flows
    column, back = _columns(list(nodes), elements.edges())
    lane_of: dict[str, int] = {}
    for i, lane in enumerate(process.iter(f"{{{BPMN}}}lane")):
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            lane_of.setdefault((ref.text or "").strip(), i)
    slots: dict[tuple[int, int], list[str]] = defaultdict(list)
    for n in nodes:
        slots[(lane_of.get(n, 0), column[n])].append(n)
    lanes = sorted({lane for lane, _ in slots} or {0})
    boxes: dict[str, Box] = {}
    y = top
    for lane in lanes:
        depth = max(len(v) for (ln, _), v in slots.items() if ln == lane)
        for (ln, col), members in slots.items():
            if ln != lane:
                continue
            for row, n in enumerate(members):
                w, h = SIZES[_local(nodes[n])]
                cx, cy = MARGIN + 50 + col * COLUMN, y + ROW / 2 + row * ROW
                boxes[n] = Box(cx - w / 2, cy - h / 2, w, h)
        y += depth * ROW
    bottom = y
    per_host: dict[str, int] = defaultdict(int)
    for b_id, b in boundaries.items():
        host = boxes.get(b.get("attachedToRef"))
        if host is None:
            continue
        i = per_host[b.get("attachedToRef")]
        per_host[b.get("attachedToRef")] += 1
        boxes[b_id] = Box(host.x + host.w - 48 - i * 40, host.y + host.h - 18, 36, 36)

    diagram = etree.SubElement(
        root,
        f"{{{BPMNDI}}}BPMNDiagram",
        nsmap={"bpmndi": BPMNDI, "dc": DC, "di": DI},
        id=f"{process.get('id')}_diagram",
    )
    plane = etree.SubElement(
        diagram, f"{{{BPMNDI}}}BPMNPlane", id=f"{process.get('id')}_plane", bpmnElement=process.get("id")
    )
    for n, box in boxes.items():
        _shape(plane, n, nodes.get(n, boundaries.get(n)), box)
    return _edges(plane, elements, boxes, back, flows, bottom + 10, bottom)


def _shape(plane: etree._Element, node_id: str, node: etree._Element, box: Box) -> None:
    shape = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", id=f"{node_id}_di", bpmnElement=node_id)
    if _local(node) == "exclusiveGateway":
        shape.set("isMarkerVisible", "true")
    etree.SubElement(shape, f"{{{DC}}}Bounds", x=_n(box.x), y=_n(box.y), width=_n(box.w), height=_n(box.h))


def _edges(
    plane: etree._Element,
    elements: _Elements,
    boxes: dict[str, Box],
    back: set[tuple[str, str]],
    flows: list[etree._Element],
    loop_y: float,
    bottom: float,
) -> float:
    """An edge for each of ``flows`` between two boxes, loops routed underneath from
    ``loop_y``; the lowest point drawn."""
    for f in flows:
        s, t = boxes.get(f.get("sourceRef")), boxes.get(f.get("targetRef"))
        if s is None or t is None:
            continue
        is_back = (elements.anchor(f.get("sourceRef")), f.get("targetRef")) in back or t.cx <= s.cx
        edge = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{f.get('id')}_di", bpmnElement=f.get("id"))
        for x, y_ in _route(s, t, is_back, f.get("sourceRef") in elements.boundaries, loop_y):
            etree.SubElement(edge, f"{{{DI}}}waypoint", x=_n(x), y=_n(y_))
        if is_back:
            loop_y += 12
    return max(loop_y, bottom)


def _completed(xml: str, root: etree._Element) -> str:
    """``xml``, which has a diagram, with a shape for each flow node and boundary event of its
    processes that has none (in a row under the diagram, in the order of the flow) and an edge
    for each sequence flow that has none between two drawn elements; ``xml`` itself when
    nothing is missing. The lines before the root element are kept as written."""
    drawn = {el.get("bpmnElement") for el in root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge")}
    planes = list(root.iter(f"{{{BPMNDI}}}BPMNPlane"))
    added = False
    for process in root.findall(f"{{{BPMN}}}process"):
        elements = _elements(process)
        missing = [n for n in elements.nodes if n not in drawn]
        loose = [b for b, el in elements.boundaries.items() if b not in drawn]
        # a flow to or from an element drawn now is routed again: its edge, if any, led to
        # where the element's id was drawn before it had one of its own
        new = set(missing) | set(loose)
        ends = set(elements.nodes) | set(elements.boundaries)  # a flow to no element is drawn by none
        unlinked = [
            f
            for f in elements.flows
            if f.get("id")
            and {f.get("sourceRef"), f.get("targetRef")} <= ends
            and (f.get("id") not in drawn or {f.get("sourceRef"), f.get("targetRef")} & new)
        ]
        if not planes or not (missing or loose or unlinked):
            continue
        plane = _plane_of(planes, process, elements)
        spacing = _spacing(plane)
        rerouted = {f.get("id") for f in unlinked}
        for edge in plane.findall(f"{{{BPMNDI}}}BPMNEdge"):
            if edge.get("bpmnElement") in rerouted:
                plane.remove(edge)
        before = len(plane)
        boxes = _boxes_in(plane)
        column, back = _columns(list(elements.nodes), elements.edges())
        top = max((b.y + b.h for b in boxes.values()), default=0) + MARGIN
        rows: dict[int, int] = defaultdict(int)  # under the column each would have in a layout
        for n in missing:
            w, h = SIZES[_local(elements.nodes[n])]
            cx, cy = MARGIN + 50 + column[n] * COLUMN, top + ROW / 2 + rows[column[n]] * ROW
            rows[column[n]] += 1
            boxes[n] = Box(cx - w / 2, cy - h / 2, w, h)
            _shape(plane, n, elements.nodes[n], boxes[n])
        bottom = top + max(rows.values(), default=0) * ROW
        for i, b in enumerate(loose):
            host = boxes.get(elements.boundaries[b].get("attachedToRef"))
            if host is not None:
                boxes[b] = Box(host.x + host.w - 48 - i * 40, host.y + host.h - 18, 36, 36)
                _shape(plane, b, elements.boundaries[b], boxes[b])
        _edges(plane, elements, boxes, back, unlinked, bottom + 10, bottom)
        _indented_as_before(plane, before, spacing)
        added = True
    if not added:
        return xml
    # the text before the root and the root's start tag as written (its attributes on the
    # lines they were on): every element of the processes stays on its line
    written = _START_TAG.search(xml)
    body = str(etree.tostring(root, encoding="unicode"))
    serialised = _START_TAG.search(body)
    if written is None or serialised is None:
        return body + "\n"
    return xml[: written.end()] + body[serialised.end() :] + "\n"


# a document's first start tag after its prolog (the XML declaration, comments, processing
# instructions): the root's, attributes in quotes
_START_TAG = re.compile(r"\A(?:\s|<\?.*?\?>|<!--.*?-->)*<[^!?](?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.S)


def _spacing(plane: etree._Element) -> tuple[str, str]:
    """The whitespace between ``plane``'s children and before its closing tag."""
    if len(plane) == 0:
        return "\n" + " " * 6, "\n" + " " * 4
    between = plane[0].tail if len(plane) > 1 and plane[0].tail and not plane[0].tail.strip() else None
    closing = plane[-1].tail if plane[-1].tail and not plane[-1].tail.strip() else "\n"
    return between or closing + "  ", closing


def _indented_as_before(plane: etree._Element, before: int, spacing: tuple[str, str]) -> None:
    """The children added to ``plane`` after its first ``before`` indented as those are (the
    ``spacing`` read before any was removed), every other text of the file as it was."""
    between, closing = spacing
    level = max(len(between.rsplit("\n", 1)[-1]) // 2, 1)
    for child in plane[before:]:
        etree.indent(child, space="  ", level=level)
        child.tail = between
    if before:
        plane[before - 1].tail = between
    else:
        plane.text = between
    plane[-1].tail = closing


def _plane_of(planes: list[etree._Element], process: etree._Element, elements: _Elements) -> etree._Element:
    """The plane that draws ``process``: the one holding shapes of its elements, else the one
    of the process itself, else the first."""
    ids = set(elements.nodes) | set(elements.boundaries)
    for plane in planes:
        if any(shape.get("bpmnElement") in ids for shape in plane.iter(f"{{{BPMNDI}}}BPMNShape")):
            return plane
    return next((p for p in planes if p.get("bpmnElement") == process.get("id")), planes[0])


def _boxes_in(plane: etree._Element) -> dict[str, Box]:
    """The bounds of every shape of ``plane`` by the element it draws."""
    boxes = {}
    for shape in plane.iter(f"{{{BPMNDI}}}BPMNShape"):
        bounds = shape.find(f"{{{DC}}}Bounds")
        if bounds is None:
            continue
        try:
            boxes[shape.get("bpmnElement")] = Box(*(float(bounds.get(k, "0")) for k in ("x", "y", "width", "height")))
        except ValueError:  # bounds not numbers: that shape gives no place to go by
            continue
    return boxes


def _route(s: Box, t: Box, is_back: bool, from_boundary: bool, loop_y: float) -> list[tuple[float, float]]:
    if is_back:
        return [(s.cx, s.y + s.h), (s.cx, loop_y), (t.cx, loop_y), (t.cx, t.y + t.h)]
    if from_boundary:
        return [(s.cx, s.y + s.h), (s.cx, t.cy), (t.x, t.cy)]
    if abs(s.cy - t.cy) < 1:
        return [(s.x + s.w, s.cy), (t.x, t.cy)]
    mid = (s.x + s.w + t.x) / 2
    return [(s.x + s.w, s.cy), (mid, s.cy), (mid, t.cy), (t.x, t.cy)]


def _n(value: float) -> str:
    return str(round(value))
