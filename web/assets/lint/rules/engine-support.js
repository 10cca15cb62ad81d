/* No element the engine refuses at deploy (engine/bpmn/elements.py SUPPORTED_FLOW_ELEMENTS,
 * _message_problems, UNSUPPORTED_CAMUNDA_*; engine/bpmn/normalise.py for script formats):
 * shown while drawing rather than after deploy. The server's check (POST
 * /api/v1/designer/check) stays the authority; this list only says it sooner. */
import { is, processOf, text } from '../util.js';

// the BPMN elements (moddle types) a process may contain: engine/bpmn/elements.py
// SUPPORTED_FLOW_ELEMENTS, named by type instead of by XML tag
var SUPPORTED = [
  'Process', 'StartEvent', 'EndEvent', 'IntermediateCatchEvent', 'IntermediateThrowEvent', 'BoundaryEvent',
  'UserTask', 'ManualTask', 'ScriptTask', 'Task', 'ServiceTask', 'BusinessRuleTask', 'SendTask', 'ReceiveTask',
  'SubProcess', 'CallActivity', 'Transaction', 'ExclusiveGateway', 'ParallelGateway', 'InclusiveGateway',
  'EventBasedGateway', 'SequenceFlow', 'LaneSet', 'Lane', 'Documentation', 'ExtensionElements',
  'FormalExpression', 'Expression', 'MultiInstanceLoopCharacteristics', 'StandardLoopCharacteristics',
  'TimerEventDefinition', 'MessageEventDefinition', 'SignalEventDefinition', 'ErrorEventDefinition',
  'EscalationEventDefinition', 'TerminateEventDefinition', 'CancelEventDefinition', 'ConditionalEventDefinition',
  'CompensateEventDefinition', 'LinkEventDefinition', 'DataObject', 'DataObjectReference', 'DataInputAssociation', 'DataOutputAssociation',
  'InputOutputSpecification', 'DataInput', 'DataOutput', 'InputSet', 'OutputSet', 'Property', 'TextAnnotation',
  'Association', 'Group', 'Assignment', 'PotentialOwner', 'ResourceAssignmentExpression',
];
// Camunda 7 features that run Java: connectors, and listeners naming a class or a delegate
// expression (a listener written as ${…} or a Python script runs: engine/bpmn/actions.py)
var CAMUNDA_ELEMENTS = ['camunda:Connector'];
var LISTENERS = ['camunda:TaskListener', 'camunda:ExecutionListener'];
var CAMUNDA_ATTRIBUTES = ['camunda:class', 'camunda:delegateExpression', 'camunda:expression'];
var PYTHON = ['python', 'python3', 'text/x-python', 'application/x-python'];

function owner(node) {
  var at = node;
  while (at && !at.id) { at = at.$parent; }
  return at;
}

function attributeOf(node, name) {
  try {
    return node.get(name);
  } catch (err) {  // not an attribute of this kind of element
    return (node.$attrs || {})[name];
  }
}

function hasDefinition(node, type) {
  return (node.eventDefinitions || []).some(function (d) { return is(d, type); });
}

function externalMessage(node) {
  return (node.eventDefinitions || []).some(function (d) {
    return is(d, 'bpmn:MessageEventDefinition') && text(attributeOf(d, 'camunda:type')) === 'external';
  });
}

export default function engineSupport() {
  function check(node, reporter) {
    var process = processOf(node);
    if (!process) { return; }
    var type = node.$type || '';
    if (type.indexOf('bpmn:') === 0 && SUPPORTED.indexOf(type.slice(5)) < 0) {
      reporter.report(owner(node).id, 'Element <' + type.slice(5) + '> cannot be run by this engine');
      return;
    }
    CAMUNDA_ELEMENTS.forEach(function (refused) {
      if (is(node, refused)) { reporter.report(owner(node).id, '<' + refused + '> is not run by this engine'); }
    });
    LISTENERS.forEach(function (listener) {
      if (is(node, listener) && (text(node.get('class')) || text(node.get('delegateExpression')))) {
        reporter.report(owner(node).id, '<' + listener + '> is not run by this engine');
      }
    });
    if (type.indexOf('bpmn:') === 0) {  // a listener's own class is said once, by the listener
      CAMUNDA_ATTRIBUTES.forEach(function (attribute) {
        // a service task's expression runs (the server says when it is outside the JUEL subset)
        if (attribute === 'camunda:expression' && is(node, 'bpmn:ServiceTask')) { return; }
        if (text(attributeOf(node, attribute))) {
          reporter.report(node.id, '<' + attribute + '> is not run by this engine');
        }
      });
    }
    var implementation = is(node, 'bpmn:ServiceTask') ? text(node.get('camunda:type')) : '';
    // a mail task runs through the product's mail outbox (engine/bpmn/mail_tasks.py)
    if (implementation && implementation !== 'external' && implementation !== 'mail') {
      reporter.report(node.id, '<camunda:type> ' + implementation + ' is not run by this engine');
    }
    // one Camunda hands to an external worker runs as an external service task
    // (engine/bpmn/external_elements.py)
    if (is(node, 'bpmn:SendTask') && ['external', 'mail'].indexOf(text(node.get('camunda:type'))) < 0) {
      reporter.report(node.id, 'A send task is not supported: messages come from outside');
    }
    if ((is(node, 'bpmn:IntermediateThrowEvent') || is(node, 'bpmn:EndEvent')) &&
        hasDefinition(node, 'bpmn:MessageEventDefinition') && !externalMessage(node)) {
      reporter.report(node.id, 'Throwing a message is not supported: messages come from outside');
    }
    var format = is(node, 'bpmn:ScriptTask') ? text(node.scriptFormat).toLowerCase() : '';
    if (format && PYTHON.indexOf(format) < 0) {
      reporter.report(node.id, 'Script format <' + node.scriptFormat + '> is not run by this engine: scripts are Python', ['scriptFormat']);
    }
  }
  return { check: check };
}
