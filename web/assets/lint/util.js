/* What our lint rules share: reading the moddle tree bpmn-js keeps (the same elements and
 * camunda: extensions engine/bpmn/camunda.py reads from the XML). */

export function is(element, type) {
  return !!element && typeof element.$instanceOf === 'function' && element.$instanceOf(type);
}

/* The executable process an element belongs to (through subprocesses), or null: elements of
 * a collaboration (pools, message flows) and the diagram belong to none. */
export function processOf(element) {
  var node = element;
  while (node) {
    if (is(node, 'bpmn:Process')) { return node; }
    node = node.$parent;
  }
  return null;
}

/* The camunda: extension elements of one kind (camunda:FormData, camunda:Properties...). */
export function extensions(element, type) {
  var values = (element && element.extensionElements && element.extensionElements.values) || [];
  return values.filter(function (value) { return is(value, type); });
}

/* A camunda:property of the element (the process's default_group, a form field's options_source). */
export function property(element, name) {
  var found = '';
  extensions(element, 'camunda:Properties').forEach(function (properties) {
    (properties.values || []).forEach(function (p) {
      if ((p.name || p.id) === name && p.value) { found = String(p.value).trim(); }
    });
  });
  return found;
}

export function formFields(element) {
  var fields = [];
  extensions(element, 'camunda:FormData').forEach(function (data) { fields = fields.concat(data.fields || []); });
  return fields;
}

export function lanesHolding(process, node) {
  var found = [];
  function walk(laneSets) {
    (laneSets || []).forEach(function (set) {
      (set.lanes || []).forEach(function (lane) {
        if ((lane.flowNodeRef || []).indexOf(node) >= 0) { found.push(lane); }
        if (lane.childLaneSet) { walk([lane.childLaneSet]); }
      });
    });
  }
  walk(process && process.laneSets);
  return found;
}

export function text(value) {
  return (value === undefined || value === null) ? '' : String(value).trim();
}
