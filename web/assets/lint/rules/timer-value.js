/* A timer says when: a date, a duration or a cycle (an ISO 8601 value or an expression).
 * Whether the expression parses is the engine's deploy check (run through the API on save). */
import { is, text } from '../util.js';

export default function timerValue() {
  function check(node, reporter) {
    if (!is(node, 'bpmn:Event')) { return; }
    (node.eventDefinitions || []).forEach(function (definition) {
      if (!is(definition, 'bpmn:TimerEventDefinition')) { return; }
      var value = definition.timeDate || definition.timeDuration || definition.timeCycle;
      if (!value || !text(value.body)) {
        reporter.report(node.id, 'Timer has no date, duration or cycle', ['eventDefinitions']);
      }
    });
  }
  return { check: check };
}
