/* Every branch leaving an exclusive or inclusive gateway with more than one way out has a
 * condition or is the gateway's default (deploy refuses it otherwise: engine/bpmn/checks.py
 * _gateway_problems); and, as bpmnlint's conditional-flows says, so does every branch of an
 * element that already has a conditional one or a default. */
import { is } from '../util.js';

function hasCondition(flow) {
  return !!flow.conditionExpression;
}

export default function branchCondition() {
  function check(node, reporter) {
    var outgoing = (node.outgoing || []).filter(function (f) { return is(f, 'bpmn:SequenceFlow'); });
    var decides = (is(node, 'bpmn:ExclusiveGateway') || is(node, 'bpmn:InclusiveGateway')) && outgoing.length > 1;
    var conditional = !!node.default || outgoing.some(hasCondition);
    if (!decides && !conditional) { return; }
    outgoing.forEach(function (flow) {
      if (!hasCondition(flow) && node.default !== flow) {
        reporter.report(flow.id, 'Branch has no condition and is not the default', ['conditionExpression']);
      }
    });
  }
  return { check: check };
}
