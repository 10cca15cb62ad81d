/* A form field's id is the name of a case variable: conditions and scripts read it, so it
 * must be a (Python) identifier, once per form (engine/bpmn/task_checks.py task_problems). */
import { formFields, is } from '../util.js';

// what Python's str.isidentifier() accepts: letters (Chinese included) or _, then also digits
var IDENTIFIER = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;

export default function formFieldNames() {
  function check(node, reporter) {
    if (!is(node, 'bpmn:UserTask') && !is(node, 'bpmn:StartEvent')) { return; }
    var seen = {};
    formFields(node).forEach(function (field) {
      var id = field.id || '';
      if (!IDENTIFIER.test(id)) {
        reporter.report(node.id, 'Form field <' + id + '> is not a valid name', { field: id });
      } else if (seen[id]) {
        reporter.report(node.id, 'Form field <' + id + '> is declared twice', { field: id });
      }
      seen[id] = true;
    });
  }
  return { check: check };
}
