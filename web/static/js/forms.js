// Forms that follow the choice: a field with a visible_when rule (data-visible-when, from the
// BPMN form) is shown while its controlling field has one of the rule's values, and hidden
// otherwise; a hidden field is left out of what the form sends (the formdata event: a
// submission, and the draft unsaved.js keeps with new FormData). The server checks the same
// rule (engine/bpmn/forms.py) and ignores a hidden field's value anyway (a browser without the
// formdata event sends it); this only spares the officer the fields that do not apply.
//
// A hidden field keeps what was typed into it and is never disabled: a browser does not give
// back a disabled field's value when it restores a form (Back after a refused submission), so
// the reason typed under 不予受理 came back hidden and empty, and the next submission said 必填
// under a field nobody could see. The browser restores the form after the script ran and
// without change events, so the rule runs again on pageshow (also a page from the back-forward
// cache, event.persisted), which comes after the restored values.
//
// A refusal the server wrote under a field (必填, a number too big) is about the value that was
// submitted: once the person changes that field, or a choice hides it (a hidden field is not
// sent, so nothing is refused in it), it no longer says what is on the page, and it goes, with
// the summary above the form when none is left. A 必填 kept under 评价 after 不满意 was chosen,
// or coming back with 不满意的理由 after the choice went to 满意 and back, told the deputy to fill
// in what he had filled in. The server checks again on the next submission.
(function () {
  var form = document.querySelector('form#task-form, form#start-form');
  if (!form) { return; }
  var ruled = Array.prototype.slice.call(form.querySelectorAll('[data-visible-when]'));
  var summary = document.getElementById('form-errors');

  function box(id) { return form.querySelector('.field[data-field="' + id + '"]'); }

  function valueOf(id) {
    var field = box(id);
    if (!field) { return ''; }
    var input = field.querySelector('input, select, textarea');
    if (!input) { return ''; }
    if (input.type === 'checkbox') { return input.checked ? 'true' : 'false'; }
    return (input.value || '').trim();
  }

  function isShown(field, seen) {
    var rule = JSON.parse(field.dataset.visibleWhen);
    var controller = box(rule.field);
    if (!controller || seen.indexOf(rule.field) >= 0) { return false; }
    if (controller.dataset.visibleWhen && !isShown(controller, seen.concat([field.dataset.field]))) { return false; }
    return (rule.values.indexOf(valueOf(rule.field)) >= 0) !== rule.negated;
  }

  function clearRefusal(field) {
    var said = field.querySelector('.field-error');
    if (!said) { return; }
    said.remove();
    field.classList.remove('has-error');
    field.querySelectorAll('[aria-invalid]').forEach(function (input) {
      input.removeAttribute('aria-invalid');
      var rest = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (id) {
        return id && id !== said.id;
      });
      if (rest.length) { input.setAttribute('aria-describedby', rest.join(' ')); } else { input.removeAttribute('aria-describedby'); }
    });
  }

  function apply() {
    ruled.forEach(function (field) {
      var shown = isShown(field, []);
      if (!shown) { clearRefusal(field); }
      field.hidden = !shown;
    });
  }

  function leaveOutHidden(event) {
    ruled.forEach(function (field) {
      if (isShown(field, [])) { return; }
      field.querySelectorAll('[name]').forEach(function (input) { event.formData.delete(input.name); });
    });
  }

  function changed(event) {
    var field = event.target.closest && event.target.closest('.field');
    if (field) { clearRefusal(field); }
    apply();
    // only once the person changed something: a refusal the page shows under no field stays
    if (summary && !form.querySelector('.field-error')) { summary.hidden = true; }
  }

  form.addEventListener('change', changed);
  form.addEventListener('input', changed);
  form.addEventListener('formdata', leaveOutHidden);
  window.addEventListener('pageshow', apply);
  apply();
})();
