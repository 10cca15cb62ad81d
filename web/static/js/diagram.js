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
  // the labels are 12 px at scale 1: below READABLE the whole process, fitted, cannot be read,
  // and the view opens on the current step at FOCUS instead
  var READABLE = 0.9;
  var FOCUS = 1;
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

  function onPlane(shape, root) {
    // a process drawn in a pool (a collaboration: every process of the library) has its
    // elements inside the participant, and in lanes: not children of the root itself
    for (var parent = shape.parent; parent; parent = parent.parent) {
      if (parent === root) { return true; }
    }
    return false;
  }

  function activeElements(canvas, registry) {
    var root = canvas.getRootElement();
    var wanted = (state.overdue || []).concat(state.active || []);  // the most pressing first
    var shown = [];
    wanted.forEach(function (id) {
      var element = registry.get(id);
      if (!element) { return; }
      // on the plane in view: the element, else the collapsed subprocess around it
      [id].concat(subprocessesAround(element)).some(function (candidate) {
        var shape = registry.get(candidate);
        if (!shape || shape.waypoints !== undefined || shape.type === 'label' || !onPlane(shape, root)) { return false; }
        if (shown.indexOf(shape) < 0) { shown.push(shape); }
        return true;
      });
    });
    return shown;
  }

  function bounds(shapes) {
    var left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    shapes.forEach(function (s) {
      left = Math.min(left, s.x); top = Math.min(top, s.y);
      right = Math.max(right, s.x + s.width); bottom = Math.max(bottom, s.y + s.height);
    });
    return { x: left, y: top, width: right - left, height: bottom - top };
  }

  // The whole process when it reads fitted; else the current steps (or the most pressing one,
  // when they are far apart) in the middle of the view at a readable scale.
  function focusActive(canvas, registry) {
    if (canvas.zoom('fit-viewport', 'auto') >= READABLE) { return; }
    var active = activeElements(canvas, registry);
    if (!active.length) { return; }
    var outer = canvas.viewbox().outer;
    var width = outer.width / FOCUS, height = outer.height / FOCUS;
    var around = bounds(active);
    if (around.width > width * 0.9 || around.height > height * 0.9) { around = bounds(active.slice(0, 1)); }
    canvas.viewbox({
      x: around.x + around.width / 2 - width / 2,
      y: around.y + around.height / 2 - height / 2,
      width: width,
      height: height
    });
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
