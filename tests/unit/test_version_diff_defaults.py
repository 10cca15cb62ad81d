"""A modeler writing or dropping an attribute at its default value is no change of the
process (bpmn-js drops ``cancelActivity="true"``); a real change of it still is."""

from __future__ import annotations

from engine.bpmn.diff import diff_documents

DOC = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">
  <process id="p" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <userTask id="work" name="办理" />
    <boundaryEvent id="late" attachedToRef="work" {cancel}>
      <timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition>
    </boundaryEvent>
    <sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <endEvent id="end" />
  </process>
</definitions>"""


def test_an_attribute_at_its_default_written_or_dropped_is_no_change() -> None:
    assert diff_documents(DOC.format(cancel='cancelActivity="true"'), DOC.format(cancel="")) == []


def test_a_real_change_of_it_still_shows() -> None:
    [changed] = diff_documents(DOC.format(cancel=""), DOC.format(cancel='cancelActivity="false"'))
    assert (changed.bpmn_id, changed.status, [(c.what, c.old, c.new) for c in changed.attributes]) == (
        "late",
        "changed",
        [("cancelActivity", None, "false")],
    )
