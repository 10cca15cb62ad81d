// 督查台: the counts per unit, the rows and the open 督办 again every minute, without reloading
// the page (filters, open forms elsewhere and the scroll position stay), all from one answer so
// that they agree. A file of its own: the pages allow no inline script.
(function () {
  // Esc folding away an open 督办 form (a row's, or the one reopened above the board) is
  // fold.js's, which the case page's 发出督办 uses too: one handler for both pages
  var table = document.getElementById('board');
  if (!table) { return; }
  // a 督办 form being filled in is not thrown away: asked before fetching, and again when
  // the answer arrives (it may have been opened meanwhile); nothing is taken in then, so
  // that the counts and the 督办 never say otherwise than the rows shown
  function formOpen() { return table.querySelector('details[open]') !== null; }
  // each part of the page by its id, as the answer (board/_refresh.html) has it
  var parts = ['unit-counts', 'board-limit', 'open-supervisions'];

  // The keyboard's place survives the refresh: the element focused in a replaced part is found
  // again in the fresh one by its row's key (a task's, a unit's, a 督办's) and its rank among
  // the row's links and fold-outs, and focused there. Holding the refresh while focus is in the
  // board instead would leave a supervisor who tabbed to a row and stepped away looking at
  // minute-old rows for as long as the focus stays; a place that is gone from the answer (the
  // task done meanwhile) holds this one refresh back, as an open form does, rather than drop
  // focus to the top of the page: the next one, once the reader has moved on, takes it all in.
  var keyed = '[data-task-id], [data-unit], [data-supervision]';
  var focusable = 'a[href], summary, button, input, select, textarea';
  function replaced() {
    return [table.tBodies[0]].concat(parts.map(function (id) { return document.getElementById(id); }));
  }
  function placeOf(el) {
    var inside = replaced().some(function (part) { return part && part.contains(el); });
    if (!inside || el === document.body) { return null; }
    var row = el.closest(keyed);
    if (!row) { return {selector: null, rank: -1}; }  // no control of the parts lies outside a row today
    var attr = ['data-task-id', 'data-unit', 'data-supervision'].filter(function (a) { return row.hasAttribute(a); })[0];
    var selector = '[' + attr + '="' + CSS.escape(row.getAttribute(attr)) + '"]';
    return {selector: selector, rank: Array.prototype.indexOf.call(row.querySelectorAll(focusable), el)};
  }
  function find(place, root) {
    if (!place.selector || place.rank < 0) { return null; }
    var row = root.querySelector(place.selector);
    return row ? row.querySelectorAll(focusable)[place.rank] || null : null;
  }

  // whether ``html`` was the board's answer (else the sign-in page, the session having ended)
  function takeIn(html) {
    var fresh = new DOMParser().parseFromString(html, 'text/html');
    var rows = fresh.querySelector('#board tbody');
    if (!rows) { return false; }
    var place = placeOf(document.activeElement);
    if (place && !find(place, fresh)) { return true; }
    parts.forEach(function (id) {
      var now = document.getElementById(id);
      var next = fresh.getElementById(id);
      if (now && next) { now.outerHTML = next.outerHTML; }
    });
    table.tBodies[0].outerHTML = rows.outerHTML;
    if (place) { find(place, document).focus({preventScroll: true}); }
    return true;
  }

  // A refresh that fails (no network, the server's error, the session ended) is said above the
  // rows, which may no longer be what is open and overdue, and tried again each minute; the
  // first that works again says so, and the one after takes the line away. Silent, a
  // supervisor went on reading an hour-old board as the current one.
  var status = document.getElementById('board-refresh');
  var state = 'ok';  // ok, failed, signedOut, back
  function say(next) {
    if (!status || next === state) { return; }
    state = next;
    status.textContent = '';
    if (next === 'ok') { return; }
    var line = document.createElement('p');
    line.className = 'flash ' + (next === 'back' ? 'success' : 'warning');
    line.textContent = status.dataset[next];
    status.appendChild(line);
  }
  function worked() { say(state === 'failed' || state === 'signedOut' ? 'back' : 'ok'); }

  setInterval(function () {
    if (formOpen()) { return; }
    fetch(table.dataset.refresh, {credentials: 'same-origin'})
      .then(function (r) {
        if (!r.ok) { say('failed'); return; }
        return r.text().then(function (html) {
          if (formOpen()) { return; }  // opened meanwhile: nothing taken in, nothing to say
          if (takeIn(html)) { worked(); } else { say('signedOut'); }
        });
      })
      .catch(function () { say('failed'); });
  }, 60000);
})();
