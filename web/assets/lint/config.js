/* The modeler's lint rules as bpmn-js-bpmnlint takes them: { config, resolver }. Without a
 * bundler plugin (bpmnlint-loader is for webpack; we bundle with esbuild) the rules are
 * imported here statically and served by a resolver of our own, the way bpmnlint's
 * StaticResolver serves a packed config.
 *
 * bpmnlint's recommended set, as fits this engine: inclusive gateways run here (so
 * no-inclusive-gateway is off); a task with several incoming flows runs for each, which is how
 * the congress processes loop back to a step (so fake-join is off); conditional-flows is
 * covered by our branch-condition, which also says what deploy refuses (a gateway's branch
 * without a condition); label-required leaves conditional branches to our branch-names, as
 * advice, and start and end events to our event-names; a nameless task, gateway, event, pool or
 * lane is a warning, not an error: deploy takes it (the pages then call it by its id), and
 * Camunda's own files have nameless service tasks and call activities. An implicit split (several
 * flows leaving a task or an event) and an implicit end (nothing leaving it) are warnings, not
 * errors: the engine runs them as BPMN says, adding the gateway or the end event at deploy and
 * warning (engine/bpmn/flow_repair.py), so the list does not block what deploy accepts. Our own
 * rules (plugin "congressflow", ./rules) say what the engine needs or refuses. */
import adHocSubProcess from 'bpmnlint/rules/ad-hoc-sub-process';
import endEventRequired from 'bpmnlint/rules/end-event-required';
import eventBasedGateway from 'bpmnlint/rules/event-based-gateway';
import eventSubProcessTypedStartEvent from 'bpmnlint/rules/event-sub-process-typed-start-event';
import global from 'bpmnlint/rules/global';
import linkEvent from 'bpmnlint/rules/link-event';
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway';
import noDisconnected from 'bpmnlint/rules/no-disconnected';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import noGatewayJoinFork from 'bpmnlint/rules/no-gateway-join-fork';
import noImplicitEnd from 'bpmnlint/rules/no-implicit-end';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split';
import noImplicitStart from 'bpmnlint/rules/no-implicit-start';
import noOverlappingElements from 'bpmnlint/rules/no-overlapping-elements';
import singleBlankStartEvent from 'bpmnlint/rules/single-blank-start-event';
import singleEventDefinition from 'bpmnlint/rules/single-event-definition';
import startEventRequired from 'bpmnlint/rules/start-event-required';
import subProcessBlankStartEvent from 'bpmnlint/rules/sub-process-blank-start-event';
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway';
import superfluousTermination from 'bpmnlint/rules/superfluous-termination';

import branchCondition from './rules/branch-condition.js';
import engineSupport from './rules/engine-support.js';
import formFieldNames from './rules/form-field-names.js';
import { branchNames, drawnElements, elementNames, eventNames } from './rules/names.js';
import timerValue from './rules/timer-value.js';
import userTaskForm from './rules/user-task-form.js';
import userTaskHolders from './rules/user-task-holders.js';

var PLUGIN = 'bpmnlint-plugin-congressflow';

var RULES = {
  bpmnlint: {
    'ad-hoc-sub-process': adHocSubProcess,
    'end-event-required': endEventRequired,
    'event-based-gateway': eventBasedGateway,
    'event-sub-process-typed-start-event': eventSubProcessTypedStartEvent,
    global: global,
    'label-required': elementNames,
    'link-event': linkEvent,
    'no-bpmndi': drawnElements,
    'no-complex-gateway': noComplexGateway,
    'no-disconnected': noDisconnected,
    'no-duplicate-sequence-flows': noDuplicateSequenceFlows,
    'no-gateway-join-fork': noGatewayJoinFork,
    'no-implicit-end': noImplicitEnd,
    'no-implicit-split': noImplicitSplit,
    'no-implicit-start': noImplicitStart,
    'no-overlapping-elements': noOverlappingElements,
    'single-blank-start-event': singleBlankStartEvent,
    'single-event-definition': singleEventDefinition,
    'start-event-required': startEventRequired,
    'sub-process-blank-start-event': subProcessBlankStartEvent,
    'superfluous-gateway': superfluousGateway,
    'superfluous-termination': superfluousTermination,
  },
};
RULES[PLUGIN] = {
  'branch-condition': branchCondition,
  'branch-names': branchNames,
  'event-names': eventNames,
  'engine-support': engineSupport,
  'form-field-names': formFieldNames,
  'timer-value': timerValue,
  'user-task-form': userTaskForm,
  'user-task-holders': userTaskHolders,
};

export var config = {
  rules: {
    'ad-hoc-sub-process': 'error',
    'end-event-required': 'error',
    'event-based-gateway': 'error',
    'event-sub-process-typed-start-event': 'error',
    global: 'warn',
    'label-required': 'warn',
    'link-event': 'error',
    'no-bpmndi': 'error',
    'no-complex-gateway': 'error',
    'no-disconnected': 'error',
    'no-duplicate-sequence-flows': 'error',
    'no-gateway-join-fork': 'error',
    'no-implicit-end': 'warn',
    'no-implicit-split': 'warn',
    'no-implicit-start': 'error',
    'no-overlapping-elements': 'warn',
    'single-blank-start-event': 'error',
    'single-event-definition': 'error',
    'start-event-required': 'error',
    'sub-process-blank-start-event': 'error',
    'superfluous-gateway': 'warn',
    'superfluous-termination': 'warn',
    'congressflow/branch-condition': 'error',
    'congressflow/branch-names': 'info',
    'congressflow/event-names': 'warn',
    'congressflow/engine-support': 'error',
    'congressflow/form-field-names': 'error',
    'congressflow/timer-value': 'error',
    'congressflow/user-task-form': 'warn',
    'congressflow/user-task-holders': 'error',
  },
};

export var resolver = {
  resolveRule: function (pkg, ruleName) {
    var rule = RULES[pkg] && RULES[pkg][ruleName];
    if (!rule) { throw new Error('unknown rule <' + pkg + '/' + ruleName + '>'); }
    return rule;
  },
  resolveConfig: function (pkg, configName) {
    throw new Error('unknown config <' + pkg + '/' + configName + '>');
  },
};

export default { config: config, resolver: resolver };
