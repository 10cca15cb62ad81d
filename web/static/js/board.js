// 督查台: the counts per unit, the rows and the open 督办 again every minute, without reloading
// the page (filters, open forms elsewhere and the scroll position stay), all from one answer so
// that they agree. A file of its own: the pages allow no inline script.
(function () {
  var table = document.getElementById('board');
  if (!table) { return; }
  // a 督办 form being filled in is not thrown away: asked before fetching, and again when
  // the answer arrives (it may have been opened meanwhile); nothing is taken in then, so
  // that the counts and the 督办 never say otherwise than the rows shown
  function formOpen() { return table.querySelector('details[open]') !== null; }
  // each part of the page by its id, as the answer (board/_refresh.html) has it
  var parts = ['unit-counts', 'board-limit', 'open-supervisions'];
  function takeIn(html) {
    var fresh = new DOMParser().parseFromString(html, 'text/html');
    var rows = fresh.querySelector('#board tbody');
    if (!rows) { return; }  // not the board's answer (a sign-in page after the session ended)
    parts.forEach(function (id) {
      var now = document.getElementById(id);
      var next = fresh.getElementById(id);
      if (now && next) { now.outerHTML = next.outerHTML; }
    });
    table.tBodies[0].outerHTML = rows.outerHTML;
  }
  setInterval(function () {
    if (formOpen()) { return; }
    fetch(table.dataset.refresh, {credentials: 'same-origin'})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html && !formOpen()) { takeIn(html); } });
  }, 60000);
})();
