"""A round's title carries the item of the multi-instance that CONTAINS its task (tests of the
library's processes: test_inspection, test_department_evaluation_rounds): not the item of one
that ran before it in the same round."""

from __future__ import annotations

from engine.usecases import cases, definitions, tasks
from engine.usecases.context import SYSTEM

from .conftest import act, bpmn_process, items

# per unit (a subprocess round): its scorers score one after the other, then the office decides
UNITS = bpmn_process(
    "rounds",
    """
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="per_unit"/>
    <bpmn:subProcess id="per_unit" name="评议">
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="${units}" camunda:elementVariable="unit"/>
      <bpmn:startEvent id="in"/>
      <bpmn:sequenceFlow id="g1" sourceRef="in" targetRef="score"/>
      <bpmn:userTask id="score" name="打分" camunda:candidateGroups="office">
        <bpmn:multiInstanceLoopCharacteristics isSequential="true"
            camunda:collection="${scorers}" camunda:elementVariable="scorer"/>
      </bpmn:userTask>
      <bpmn:sequenceFlow id="g2" sourceRef="score" targetRef="result"/>
      <bpmn:userTask id="result" name="确定结果" camunda:candidateGroups="office"/>
      <bpmn:sequenceFlow id="g3" sourceRef="result" targetRef="out"/>
      <bpmn:endEvent id="out"/>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="per_unit" targetRef="e"/>
    <bpmn:endEvent id="e"/>
    """,
)


def test_a_task_after_a_finished_inner_round_takes_its_own_rounds_item(people, frozen_clock):
    with people.begin() as s:
        definitions.deploy(s, UNITS.encode(), "rounds.bpmn", SYSTEM)
    start = {"units": ["finance", "land"], "scorers": ["wang", "li"]}
    case_id = act(people, "clerk", cases.start_instance, "rounds", start, validate=False).id
    assert sorted(i.name for i in items(people, case_id)) == ["打分 · wang 同志", "打分 · wang 同志"]
    for _ in range(4):  # each unit's two scorers, one after the other
        item = items(people, case_id, "score")[0]
        act(people, "clerk", tasks.complete, item.task_id, {})
    assert sorted(i.name for i in items(people, case_id)) == ["确定结果 · 国土所", "确定结果 · 财政所"]
