// Esc folds away the open fold-out (a <details>: the case page's 发出督办, the board's 督办
// forms) the keyboard is in and gives focus back to its summary, as a dialog's Esc does:
// otherwise it stayed open, focus in its field, and the next Tabs walked through a form the
// reader was done with. What was typed stays in it, for when it is opened again.
// A file of its own: the pages allow no inline script.
(function () {
  'use strict';
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape' || event.defaultPrevented) { return; }
    var fold = event.target.closest && event.target.closest('details[open]');
    var summary = fold && fold.querySelector(':scope > summary');
    if (!summary) { return; }
    event.preventDefault();
    fold.open = false;
    summary.focus();
  });
}());
