"""The process library in bpmn/ keeps its own modelling rules (bpmn/README.md §1): every file
parses, every user task names who acts and has a form, every gateway branch is decided, every
element speaks Chinese, and every diagram is complete BPMN DI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from engine.bpmn.parsing import parse_bpmn

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
FILES = sorted(LIBRARY.glob("*.bpmn"))
B = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI = "http://www.omg.org/spec/BPMN/20100524/DI"
NS = {"bpmn": B, "bpmndi": DI}
HAN = re.compile(r"[\u4e00-\u9fff]")
FLOW_NODES = (
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "userTask",
    "manualTask",
    "scriptTask",
    "task",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "subProcess",
    "callActivity",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
)


def _root(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def _all(root: etree._Element, *names: str) -> list[etree._Element]:
    return root.xpath(" | ".join(f"//bpmn:{n}" for n in names), namespaces=NS)


def test_the_library_holds_the_documented_processes():
    assert {f.stem for f in FILES} == {
        "proposal",
        "inspection",
        "petition",
        "voter_reception",
        "deputy_report",
        "department_evaluation",
        "unit_report",
    }


@pytest.fixture(params=FILES, ids=lambda p: p.stem)
def bpmn_file(request) -> Path:
    return request.param


def test_every_file_parses_into_one_process_named_after_it(bpmn_file):
    [process] = parse_bpmn(bpmn_file.read_bytes(), bpmn_file.name)
    assert process.key == bpmn_file.stem
    assert HAN.search(process.name)
    assert process.starter_groups, "candidateStarterGroups says who may start it"


def test_every_user_task_names_its_actors_and_has_a_form(bpmn_file):
    [process] = parse_bpmn(bpmn_file.read_bytes(), bpmn_file.name)
    user_tasks = _all(_root(bpmn_file), "userTask")
    assert user_tasks
    for node in user_tasks:
        task_id = node.get("id")
        meta = process.tasks[task_id]
        assert meta.candidate_groups or meta.assignee, f"{task_id}: no candidate group or assignee"
        if etree.QName(node.getparent()).localname == "process":  # a subprocess's content has no lanes
            assert meta.lane, f"{task_id}: not in a lane"
        assert meta.form.fields, f"{task_id}: no form fields"
        for f in meta.form.fields:
            assert HAN.search(f.label or ""), f"{task_id}.{f.id}: label is not Chinese"


def test_the_start_form_exists_when_started_by_hand(bpmn_file):
    [process] = parse_bpmn(bpmn_file.read_bytes(), bpmn_file.name)
    if bpmn_file.stem in {"proposal", "inspection", "petition", "department_evaluation"}:
        assert process.start_form.fields


def test_every_gateway_branch_has_a_condition_or_is_the_default(bpmn_file):
    root = _root(bpmn_file)
    flows = {f.get("id"): f for f in _all(root, "sequenceFlow")}
    gateways = _all(root, "exclusiveGateway", "inclusiveGateway")
    for gateway in gateways:
        outgoing = [f for f in flows.values() if f.get("sourceRef") == gateway.get("id")]
        if len(outgoing) < 2:
            continue  # a joining gateway
        default = gateway.get("default")
        for flow in outgoing:
            condition = flow.find(f"{{{B}}}conditionExpression")
            has_condition = condition is not None and (condition.text or "").strip()
            assert has_condition or flow.get("id") == default, (
                f"{gateway.get('id')} → {flow.get('id')}: neither a condition nor the default"
            )
        assert default is None or default in {f.get("id") for f in outgoing}


def test_every_element_has_a_chinese_name(bpmn_file):
    root = _root(bpmn_file)
    for el in _all(root, "process", "participant", "lane", *FLOW_NODES):
        assert HAN.search(el.get("name") or ""), f"{etree.QName(el).localname} {el.get('id')}: no Chinese name"
    # the branches leaving a deciding gateway say what they mean
    for flow in _all(root, "sequenceFlow"):
        if flow.find(f"{{{B}}}conditionExpression") is not None:
            assert HAN.search(flow.get("name") or ""), f"{flow.get('id')}: conditional flow without a name"


def test_every_element_is_drawn(bpmn_file):
    root = _root(bpmn_file)
    shapes = [s.get("bpmnElement") for s in root.iter(f"{{{DI}}}BPMNShape")]
    edges = [e.get("bpmnElement") for e in root.iter(f"{{{DI}}}BPMNEdge")]
    nodes = [n.get("id") for n in _all(root, "participant", "lane", *FLOW_NODES)]
    flows = [f.get("id") for f in _all(root, "sequenceFlow")]
    assert not [n for n in nodes if n not in shapes], "flow nodes without a BPMNShape"
    assert not [f for f in flows if f not in edges], "sequence flows without a BPMNEdge"
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert not [ref for ref in shapes + edges if ref not in ids], "DI refers to missing elements"
    for edge in root.iter(f"{{{DI}}}BPMNEdge"):
        assert len(edge.findall("{http://www.omg.org/spec/DD/20100524/DI}waypoint")) >= 2
