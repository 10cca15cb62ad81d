/* The case diagram: bpmn-js NavigatedViewer, elements marked completed / active / overdue.
   A collapsed subprocess takes the mark of what happens inside it (overdue before active
   before completed) and a multi-instance shows how many of its rounds are in each state;
   the view opens on the active part at a readable scale, with zoom buttons beside it. */
(function () {
  'use strict';
  var box = document.getElementById('diagram');
  if (!box || typeof window.BpmnJS !== 'function') { return; }
  var state = JSON.parse(document.getElementById('diagram-state').textContent);
  var labels = document.getElementById('round-labels');
  var viewer = new window.BpmnJS({ container: box });
  var READABLE = 0.8; // below this scale the labels of a wide process cannot be read
  var RANK = { 'cf-completed': 1, 'cf-active': 2, 'cf-overdue': 3 };

  function subprocessesAround(element) {
    var around = [];
    var parent = element.businessObject && element.businessObject.$parent;
    while (parent && parent.$type === 'bpmn:SubProcess') { around.push(parent.id); parent = parent.$parent; }
    return around;
  }

  function mark(canvas, registry) {
    var marks = {};
    function put(id, marker) {
      if (!registry.get(id)) { return; }
      if (!marks[id] || RANK[marker] > RANK[marks[id]]) { marks[id] = marker; }
    }
    [['completed', 'cf-completed'], ['active', 'cf-active'], ['overdue', 'cf-overdue']].forEach(function (pair) {
      (state[pair[0]] || []).forEach(function (id) {
        put(id, pair[1]);
        var element = registry.get(id);
        // what is running or late inside a subprocess shows on the subprocess itself
        if (element && pair[0] !== 'completed') {
          subprocessesAround(element).forEach(function (outer) { put(outer, pair[1]); });
        }
      });
    });
    Object.keys(marks).forEach(function (id) { canvas.addMarker(id, marks[id]); });
  }

  function countRounds(overlays, registry) {
    var rounds = state.rounds || {};
    Object.keys(rounds).forEach(function (id) {
      if (!registry.get(id)) { return; }
      var counts = rounds[id];
      var html = document.createElement('div');
      html.className = 'round-counts';
      html.dataset.rounds = id;
      ['completed', 'active', 'overdue'].forEach(function (key) {
        if (!counts[key]) { return; }
        var span = document.createElement('span');
        span.className = key;
        span.textContent = labels.dataset[key].replace('{n}', counts[key]);
        html.appendChild(span);
      });
      if (html.childNodes.length) { overlays.add(id, { position: { top: -18, left: 0 }, html: html }); }
    });
  }

  function activeElements(canvas, registry) {
    var root = canvas.getRootElement();
    var wanted = (state.overdue || []).concat(state.active || []);
    var shown = [];
    wanted.forEach(function (id) {
      var element = registry.get(id);
      if (!element) { return; }
      // on the plane in view: the element, or the collapsed subprocess around it
      [id].concat(subprocessesAround(element)).forEach(function (candidate) {
        var shape = registry.get(candidate);
        if (shape && shape.parent === root && shape.waypoints === undefined && shown.indexOf(shape) < 0) { shown.push(shape); }
      });
    });
    return shown;
  }

  function focusActive(canvas, registry) {
    canvas.zoom('fit-viewport', 'auto');
    if (canvas.zoom() >= READABLE) { return; }
    var active = activeElements(canvas, registry);
    if (!active.length) { return; }
    canvas.zoom(1);
    canvas.scrollToElement(active[0], { top: 80, bottom: 80, left: 120, right: 120 });
  }

  fetch(box.dataset.xmlUrl, { credentials: 'same-origin' })
    .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      mark(canvas, registry);
      countRounds(viewer.get('overlays'), registry);
      focusActive(canvas, registry);
      document.querySelectorAll('#diagram-tools [data-zoom]').forEach(function (button) {
        button.addEventListener('click', function () {
          var how = button.dataset.zoom;
          if (how === 'in') { canvas.zoom(canvas.zoom() * 1.25); }
          else if (how === 'out') { canvas.zoom(canvas.zoom() / 1.25); }
          else if (how === 'fit') { canvas.zoom('fit-viewport', 'auto'); }
          else { focusActive(canvas, registry); }
        });
      });
      box.dataset.ready = 'true';
    })
    .catch(function (err) {
      box.dataset.ready = 'error';
      box.textContent = box.dataset.errorText + ' (' + err.message + ')';
    });
}());
