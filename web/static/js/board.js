// 督查台: the rows again every minute, without reloading the page (filters, open forms
// elsewhere and the scroll position stay). A file of its own: the pages allow no inline script.
(function () {
  var table = document.getElementById('board');
  if (!table) { return; }
  // a 督办 form being filled in is not thrown away: asked before fetching, and again when
  // the rows arrive (it may have been opened meanwhile)
  function formOpen() { return table.querySelector('details[open]') !== null; }
  setInterval(function () {
    if (formOpen()) { return; }
    fetch(table.dataset.refresh, {credentials: 'same-origin'})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html && !formOpen()) { table.tBodies[0].outerHTML = html; } });
  }, 60000);
})();
