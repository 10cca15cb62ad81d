/* Every user task has a form (camunda:formData with at least one field): the officer's
 * answer is what the case goes on with. A task without one runs (a button to say it is
 * done), so this is a warning, not an error. */
import { formFields, is } from '../util.js';

export default function userTaskForm() {
  function check(node, reporter) {
    if (is(node, 'bpmn:UserTask') && !formFields(node).length) {
      reporter.report(node.id, 'User task has no form fields', ['extensionElements']);
    }
  }
  return { check: check };
}
