/* One problem, two checkers: bpmnlint (./rules and bpmnlint's own) and the engine's deploy
 * checks (engine/bpmn/checks.py and its neighbours, POST /api/v1/designer/check) often find
 * the same thing on the same element, each in its own words. The problem list shows such a
 * problem once: sameKey gives both findings the same key (the kind of problem, the element and
 * what the message names, a form field or a type), and nothing else shares it.
 *
 * Each entry: [kind, what bpmnlint says, what the engine says]; the captures of either
 * pattern are part of the key (lower-cased: bpmnlint names types as moddle does, UserTask, the
 * engine as the XML does, userTask). */
var SAME = [
  ['branch', /^Branch has no condition and is not the default$/,
    /^branch of gateway '.+' has no condition and is not its default$/],
  ['split', /^Flow splits implicitly$/, /^\d+ sequence flows leave '.+': .* gateway '.+' was added\)$/],
  ['end', /^Element is an implicit end$/, /^no sequence flow leaves '.+': its path ends there/],
  ['holder', /^User task names nobody who may do it$/, /^user task '.*' names nobody who may do it/],
  ['no-start', /^(?:Sub )?Process is missing start event$/, /^process '.+' has no start event$/],
  ['field-name', /^Form field <(.*)> is not a valid name$/, /^form field id '(.*)' is not an identifier$/],
  ['field-twice', /^Form field <(.*)> is declared twice$/, /^form field '(.*)' declared twice$/],
  ['send-task', /^A send task is not supported/, /^a send task is not supported/],
  ['throw-message', /^Throwing a message is not supported/, /^throwing a message is not supported/],
  ['unsupported', /^Element <(\w+)> cannot be run by this engine$/, /^unsupported element bpmn:(\w+)/],
  ['script-format', /^Script format <(.+)> is not run by this engine/, /^scriptFormat '(.+)' is not run by this engine/],
  // a Camunda feature that runs Java (camunda:class, delegateExpression, a listener, a
  // connector): bpmnlint names it as moddle does (<camunda:TaskListener>), the engine as the
  // XML does (camunda:taskListener); the key is lower-cased
  ['camunda', /^<(camunda:\w+)> is not run by this engine$/,
    /^((?:camunda|activiti):\w+) \([^)]+\): (?:this engine does not run them|a listener naming)/],
  // a user task without formData fields: bpmnlint's rule, and the engine's warning when the task
  // names a form kept outside the process instead (camunda:formKey), which says which
  ['form', /^User task has no form fields$/,
    /^(?:camunda|activiti):form(?:Key|Ref) .*: its form is not shown \(a form kept outside the process\): give the task camunda:formData fields$/],
  // a timer whose type is chosen but empty, and one with no type at all (SpiffWorkflow's words)
  ['timer', /^Timer has no date, duration or cycle$/,
    /^(?:empty timer expression|Time Specification Error\. Unknown Time Specification\.\s*)$/],
];

/* The key of a problem row ({source: 'lint' | 'engine', id, raw}: raw is the message as its
 * checker wrote it), or '' when no other checker says the same. */
export function sameKey(row) {
  var side = row.source === 'lint' ? 1 : 2;
  for (var i = 0; i < SAME.length; i++) {
    var found = SAME[i][side].exec(row.raw || '');
    if (found) {
      return [SAME[i][0], row.id || ''].concat(found.slice(1)).join('|').toLowerCase();
    }
  }
  return '';
}

var RANK = { error: 0, warning: 1, info: 2 };

/* The rows of both checkers as one list: a problem both found is one row, of the graver of
 * the two severities, in the engine's words (it names what the bpmnlint rule leaves out: the
 * gateway, the step added), with source 'both'. */
export function mergeProblems(engineRows, lintRows) {
  var rows = engineRows.slice();
  var byKey = {};
  rows.forEach(function (row, index) {
    var key = sameKey(row);
    if (key && !(key in byKey)) { byKey[key] = index; }
  });
  lintRows.forEach(function (row) {
    var key = sameKey(row);
    if (!key || !(key in byKey)) {
      rows.push(row);
      return;
    }
    var engine = rows[byKey[key]];
    if (engine.source === 'both') { return; }  // the engine's one row stands for every lint row like it
    rows[byKey[key]] = Object.assign({}, engine, {
      source: 'both',
      rule: row.rule,
      severity: RANK[row.severity] < RANK[engine.severity] ? row.severity : engine.severity,
    });
  });
  return rows;
}
