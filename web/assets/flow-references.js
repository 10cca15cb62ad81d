/* A file written by hand or by another tool may leave out a flow node's <incoming> and
 * <outgoing> (the engine reads sourceRef / targetRef only): bpmn-js does not fill them in on
 * import, and bpmnlint's rules, which read them, would then call every element disconnected.
 * Filled in from the sequence flows right after import, before the linter runs; the saved XML
 * then carries them, as Camunda Modeler and bpmn.io write them. */
var BEFORE_LINTING = 1500; // bpmn-js-bpmnlint lints on import.done at 500

function push(list, flow) {
  if (list.indexOf(flow) < 0) { list.push(flow); }
}

function connect(container) {
  (container.flowElements || []).forEach(function (element) {
    if (element.$instanceOf('bpmn:SequenceFlow')) {
      if (element.sourceRef) { push(element.sourceRef.get('outgoing'), element); }
      if (element.targetRef) { push(element.targetRef.get('incoming'), element); }
    } else if (element.$instanceOf('bpmn:SubProcess')) {
      connect(element);
    }
  });
}

function FlowReferences(eventBus, bpmnjs) {
  eventBus.on('import.done', BEFORE_LINTING, function () {
    var definitions = bpmnjs.getDefinitions();
    ((definitions && definitions.rootElements) || []).forEach(function (root) {
      if (root.$instanceOf('bpmn:Process')) { connect(root); }
    });
  });
}
FlowReferences.$inject = ['eventBus', 'bpmnjs'];

export default {
  __init__: ['congressFlowFlowReferences'],
  congressFlowFlowReferences: ['type', FlowReferences],
};
