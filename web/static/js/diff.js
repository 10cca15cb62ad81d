/* The diff's diagrams: the older and the newer version (or the draft) in bpmn-js viewers, the
   changes the table below lists (#diff rows: data-element, data-status) marked on them: on the
   newer one what was added (green) and changed (amber), on the older one what was removed (red,
   dashed) and changed. A row of the table, or a removed element's name, shows its element. */
(function () {
  'use strict';
  if (typeof window.BpmnJS !== 'function') { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll('#diff tr[data-element]'));
  var MARKS = { new: { added: 'cf-added', changed: 'cf-changed' }, old: { removed: 'cf-removed', changed: 'cf-changed' } };
  var viewers = {};

  function xmlOf(box) {
    return fetch(box.dataset.xmlUrl, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      return r.text();
    });
  }

  function show(box) {
    var side = box.dataset.side;
    var viewer = new window.BpmnJS({ container: box });
    viewers[side] = viewer;
    return xmlOf(box).then(function (xml) { return viewer.importXML(xml); }).then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      rows.forEach(function (row) {
        var marker = MARKS[side][row.dataset.status];
        if (marker && registry.get(row.dataset.element)) { canvas.addMarker(row.dataset.element, marker); }
      });
      canvas.zoom('fit-viewport', 'auto');
      box.dataset.ready = 'true';
    }).catch(function (err) {
      box.dataset.ready = 'error';
      box.textContent = box.dataset.errorText + ' (' + err.message + ')';
    });
  }

  /* Bring an element into view where it is drawn: a removed one on the older diagram, any
     other on the newer one (or the older, when the newer has no drawing of it). */
  function reveal(id, status) {
    var order = status === 'removed' ? ['old', 'new'] : ['new', 'old'];
    for (var i = 0; i < order.length; i++) {
      var viewer = viewers[order[i]];
      var element = viewer && viewer.get('elementRegistry').get(id);
      if (element) {
        var canvas = viewer.get('canvas');
        canvas.zoom(1);
        canvas.scrollToElement(element, { top: 100, bottom: 100, left: 150, right: 150 });
        canvas.container && canvas.container.scrollIntoView({ block: 'nearest' });
        return;
      }
    }
  }

  document.querySelectorAll('#diff-diagrams .diagram').forEach(show);
  rows.forEach(function (row) {
    row.addEventListener('click', function () { reveal(row.dataset.element, row.dataset.status); });
  });
  document.querySelectorAll('#diff-removed a[data-element]').forEach(function (link) {
    link.addEventListener('click', function (event) {
      event.preventDefault();
      reveal(link.dataset.element, 'removed');
    });
  });
}());
