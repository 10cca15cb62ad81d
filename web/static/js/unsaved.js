// What an officer typed into a task's form is not lost when they post a comment, upload a
// file, claim or hand over the task from the same page (each its own POST, after which the
// page reloads from the server): the form is first kept as their draft (the page's own 保存草稿,
// which the reloaded page loads over the form), then the other action goes on. Leaving the
// page another way with unsaved input asks first, as the browser asks.
(function () {
  var form = document.querySelector('form#task-form');
  if (!form) { return; }
  var dirty = false;
  form.addEventListener('input', function () { dirty = true; });
  form.addEventListener('change', function () { dirty = true; });
  form.addEventListener('submit', function () { dirty = false; });

  // The browser's Back restores what was typed without an input or change event (and, from
  // its back-forward cache, with this script's state as it was at the submission): a field
  // that differs from what the page was served with is input not kept.
  function changedSinceServed() {
    return Array.prototype.some.call(form.elements, function (field) {
      if (field.type === 'checkbox' || field.type === 'radio') { return field.checked !== field.defaultChecked; }
      if (field.tagName === 'SELECT') {
        return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      if (field.tagName === 'TEXTAREA' || (field.tagName === 'INPUT' && field.type !== 'hidden' && field.type !== 'file')) {
        return field.value !== field.defaultValue;
      }
      return false;
    });
  }
  window.addEventListener('pageshow', function () { dirty = dirty || changedSinceServed(); });

  function keepAsDraft() {
    var data = new FormData(form);
    data.set('action', 'draft');
    // (the attribute: the form's buttons are named "action", which form.action would return)
    return fetch(form.getAttribute('action'), { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (response) { return response.ok; })
      .catch(function () { return false; });
  }

  document.querySelectorAll('form').forEach(function (other) {
    if (other === form) { return; }
    other.addEventListener('submit', function (event) {
      if (!dirty || event.defaultPrevented) { return; }
      event.preventDefault();
      var submitter = event.submitter || null;
      keepAsDraft().then(function (kept) {
        if (!kept && !window.confirm(form.dataset.unsaved)) { return; }
        dirty = false;
        if (other.requestSubmit) { other.requestSubmit(submitter); } else { other.submit(); }
      });
    });
  });

  window.addEventListener('beforeunload', function (event) {
    if (!dirty) { return; }
    event.preventDefault();
    event.returnValue = '';
  });
})();
