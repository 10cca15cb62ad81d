/* Every user task names who may do it: an assignee, candidate users or groups, a
 * potentialOwner, a lane, or the process's default group (camunda:property default_group).
 * Otherwise nobody could ever hold it and the case would wait for ever: deploy refuses it
 * (engine/bpmn/task_checks.py holder_problems). */
import { is, lanesHolding, processOf, property, text } from '../util.js';

export default function userTaskHolders() {
  function check(node, reporter) {
    if (!is(node, 'bpmn:UserTask')) { return; }
    var process = processOf(node);
    var named = text(node.get('camunda:assignee')) || text(node.get('camunda:candidateUsers')) ||
      text(node.get('camunda:candidateGroups'));
    var owners = (node.resources || []).some(function (r) { return is(r, 'bpmn:PotentialOwner'); });
    if (named || owners || lanesHolding(process, node).length || property(process, 'default_group')) { return; }
    reporter.report(node.id, 'User task names nobody who may do it', ['candidateGroups']);
  }
  return { check: check };
}
