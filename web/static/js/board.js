// 督查台: the rows again every minute, without reloading the page (filters, open forms
// elsewhere and the scroll position stay). A file of its own: the pages allow no inline script.
(function () {
  var table = document.getElementById('board');
  if (!table) { return; }
  setInterval(function () {
    // a 督办 form being filled in is not thrown away
    if (table.querySelector('details[open]')) { return; }
    fetch(table.dataset.refresh, {credentials: 'same-origin'})
      .then(function (r) { return r.ok ? r.text() : null; })
      // opened while the rows were on their way: kept too
      .then(function (html) { if (html && !table.querySelector('details[open]')) { table.tBodies[0].outerHTML = html; } });
  }, 60000);
})();
