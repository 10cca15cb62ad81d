/* Names: bpmnlint's label-required for tasks, intermediate and boundary events, forking
 * gateways, pools and lanes (what officers read on the case page, and what the problem list
 * calls an element). A start or end event without a name is only a warning (eventNames), as in
 * Camunda: nobody acts there, no step or deadline is named after it, and the engine needs none;
 * a conditional branch without a name is only advice (info): the condition says which way it
 * goes, and the gateway's name asks the question. */
import labelRequired from 'bpmnlint/rules/label-required';
import noBpmndi from 'bpmnlint/rules/no-bpmndi';

import { is, text } from '../util.js';

function startOrEnd(node) {
  return is(node, 'bpmn:StartEvent') || is(node, 'bpmn:EndEvent');
}

export function elementNames(config) {
  var rule = labelRequired(config);
  function check(node, reporter) {
    if (!is(node, 'bpmn:SequenceFlow') && !startOrEnd(node)) { rule.check(node, reporter); }
  }
  return { meta: rule.meta, check: check };
}

export function eventNames() {
  function check(node, reporter) {
    if (startOrEnd(node) && !text(node.name)) {
      reporter.report(node.id, 'Start or end event has no name', ['name']);
    }
  }
  return { check: check };
}

export function branchNames() {
  function check(node, reporter) {
    if (is(node, 'bpmn:SequenceFlow') && node.conditionExpression && !text(node.name)) {
      reporter.report(node.id, 'Branch has no name', ['name']);
    }
  }
  return { check: check };
}

/* bpmnlint's no-bpmndi, leaving out lanes: a file without a diagram is shown in a layout the
 * product draws (engine/bpmn/layout.py), which has no lanes; they still say who acts. */
export function drawnElements(config) {
  var rule = noBpmndi(config);
  function laneIds(definitions) {
    var ids = {};
    function walk(sets) {
      (sets || []).forEach(function (set) {
        (set.lanes || []).forEach(function (lane) {
          ids[lane.id] = true;
          if (lane.childLaneSet) { walk([lane.childLaneSet]); }
        });
      });
    }
    (definitions.rootElements || []).forEach(function (root) { walk(root.laneSets); });
    return ids;
  }
  function check(node, reporter) {
    if (!is(node, 'bpmn:Definitions')) { return; }
    // a diagram without a plane (which bpmnlint's rule cannot read): the engine's check says so
    if ((node.diagrams || []).some(function (diagram) { return !diagram.plane; })) { return; }
    var lanes = laneIds(node);
    rule.check(node, {
      report: function (id, message, path) {
        if (!lanes[id]) { reporter.report(id, message, path); }
      },
    });
  }
  return { meta: rule.meta, check: check };
}
