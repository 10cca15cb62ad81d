/* A file written by hand may name an element that is not there: a flow's targetRef="nowhere",
 * a gateway's default. moddle drops such a reference on import (bpmn-js only warns: unresolved
 * reference) and the saved XML would leave the attribute out, so that the modeler turned the
 * file's mistake into another one (an XSD error, targetRef missing) and nobody could tell any
 * more what the file named. Kept as the file wrote it: the attribute goes back among the
 * element's own attributes ($attrs), which the saved XML writes as they were, and the engine's
 * check (and deploy) says what it names that is not there, as it says of the uploaded file.
 * Such an element is not drawn (bpmn-js draws no flow without both ends), so nothing in the
 * modeler gives it a reference of its own; should anything do so, the kept attribute goes.
 * A reference in an element's body (<incoming>, a lane's <flowNodeRef>) is dropped, as bpmn-js
 * drops it: the engine reads flows by their sourceRef and targetRef. */

function Kept(element, property, attribute) {
  this.element = element;
  this.property = property;
  this.attribute = attribute;
}

function DanglingReferences(eventBus) {
  var kept = [];
  eventBus.on('import.parse.complete', function (event) {
    kept = [];
    (event.warnings || []).forEach(function (warning) {
      var element = warning.element;
      if (!element || !element.$descriptor || typeof warning.value !== 'string' || !warning.value) { return; }
      if (!/^unresolved reference/.test(warning.message || '')) { return; }
      var property = element.$descriptor.propertiesByName[warning.property];
      if (!property || !property.isReference || !property.isAttr || property.isMany || element.get(property.name)) {
        return;
      }
      var own = property.ns.prefix === element.$descriptor.ns.prefix;
      var attribute = own ? property.ns.localName : property.ns.name;
      element.$attrs[attribute] = warning.value;
      kept.push(new Kept(element, property.name, attribute));
    });
  });
  eventBus.on('saveXML.start', function () {
    kept.forEach(function (k) {
      if (k.element.get(k.property)) { delete k.element.$attrs[k.attribute]; }
    });
  });
}
DanglingReferences.$inject = ['eventBus'];

export default {
  __init__: ['congressFlowDanglingReferences'],
  congressFlowDanglingReferences: ['type', DanglingReferences],
};
