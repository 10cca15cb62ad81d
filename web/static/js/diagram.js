/* The case diagram: bpmn-js NavigatedViewer, elements marked completed / active / overdue. */
(function () {
  'use strict';
  var box = document.getElementById('diagram');
  if (!box || typeof window.BpmnJS !== 'function') { return; }
  var ids = JSON.parse(document.getElementById('diagram-state').textContent);
  var viewer = new window.BpmnJS({ container: box });
  fetch(box.dataset.xmlUrl, { credentials: 'same-origin' })
    .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      canvas.zoom('fit-viewport', 'auto');
      [['completed', 'cf-completed'], ['active', 'cf-active'], ['overdue', 'cf-overdue']].forEach(function (pair) {
        (ids[pair[0]] || []).forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, pair[1]); }
        });
      });
      box.dataset.ready = 'true';
    })
    .catch(function (err) {
      box.dataset.ready = 'error';
      box.textContent = box.dataset.errorText + ' (' + err.message + ')';
    });
}());
