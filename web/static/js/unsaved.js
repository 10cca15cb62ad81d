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
        if (field.multiple || field.size > 1) {
          return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
        }
        // a drop-down served with no option marked selected shows its first ("请选择"), which is
        // then selected without the officer choosing it: as served, not input
        return field.selectedIndex !== servedIndex(field);
      }
      if (field.tagName === 'TEXTAREA' || (field.tagName === 'INPUT' && field.type !== 'hidden' && field.type !== 'file')) {
        return field.value !== field.defaultValue;
      }
      return false;
    });
  }
  // the option a drop-down (not multiple) showed as served: the last one marked selected, as
  // the browser picks, else the first that can be chosen
  function servedIndex(select) {
    var index = -1;
    var first = -1;
    Array.prototype.forEach.call(select.options, function (o, i) {
      if (o.defaultSelected) { index = i; }
      if (first < 0 && !o.disabled) { first = i; }
    });
    return index >= 0 ? index : first;
  }
  window.addEventListener('pageshow', function () { dirty = dirty || changedSinceServed(); });

  // kept: the draft was saved (the other action goes on); refused: the server's task page
  // saying why it was not (the task completed by a colleague, handed over, its case
  // cancelled: a 409 whose 办理 card says who and when, the input kept read-only); declined:
  // another draft was saved after this page read its own (another tab, a colleague) and the
  // officer chose not to overwrite it (nothing goes on: the input stays, unsaved); else
  // neither (the network, an error page): ask before the input is lost
  function keepAsDraft() {
    var data = new FormData(form);
    data.set('action', 'draft');
    // (the attribute: the form's buttons are named "action", which form.action would return)
    return fetch(form.getAttribute('action'), { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (response) {
        if (response.ok) { return { kept: true }; }
        return response.text().then(function (html) {
          var served = new DOMParser().parseFromString(html, 'text/html');
          var taken = served.getElementById('task-taken');
          if (!taken && response.status === 409) {
            var newer = newerDraft(served);
            if (newer) { return newer; }
          }
          return { kept: false, refused: taken ? taken.closest('section') : null };
        });
      })
      .catch(function () { return { kept: false, refused: null }; });
  }

  // The server refused the draft for one saved since this page read its own: the page it
  // served says who saved it when (its message) and names that draft as read. Asked whether to
  // overwrite it, as the page's own 保存草稿 refused so offers: yes saves again over it.
  function newerDraft(served) {
    var seen = form.querySelector('input[name="draft_seen"]');
    var read = served.querySelector('form#task-form input[name="draft_seen"]');
    var said = served.getElementById('flash-said');
    if (!seen || !read || !said) { return null; }
    if (!window.confirm(said.textContent.trim() + '\n\n' + seen.dataset.overwrite)) {
      return { kept: false, refused: null, declined: true };
    }
    seen.value = read.value;
    return keepAsDraft();
  }

  // The task changed meanwhile: its 办理 card becomes the server's, which says why and shows
  // what was typed, read-only, to copy (as a submission refused for it does); the comment or
  // file the officer was sending is not sent, and stays in its form as typed, for them to
  // send once they have read why (a comment on a cancelled case's task the server then offers
  // to post on the case)
  function showRefusal(refused) {
    var card = form.closest('section');
    var shown = document.importNode(refused, true);
    card.parentNode.replaceChild(shown, card);
    dirty = false;
    var taken = shown.querySelector('#task-taken');
    taken.setAttribute('tabindex', '-1');
    taken.scrollIntoView({ block: 'start' });
    taken.focus({ preventScroll: true });
  }

  document.querySelectorAll('form').forEach(function (other) {
    if (other === form) { return; }
    other.addEventListener('submit', function (event) {
      if (!dirty || event.defaultPrevented) { return; }
      event.preventDefault();
      var submitter = event.submitter || null;
      keepAsDraft().then(function (result) {
        if (result.refused) { showRefusal(result.refused); return; }
        if (result.declined) { return; }
        if (!result.kept && !window.confirm(form.dataset.unsaved)) { return; }
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
