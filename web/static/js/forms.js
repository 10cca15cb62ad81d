// Forms that follow the choice: a field with a visible_when rule (data-visible-when, from the
// BPMN form) is shown while its controlling field has one of the rule's values, and hidden,
// its inputs disabled so that they are not sent, otherwise. The server checks the same rule
// (engine/bpmn/forms.py); this only spares the officer the fields that do not apply.
(function () {
  var form = document.querySelector('form#task-form, form#start-form');
  if (!form) { return; }
  var ruled = Array.prototype.slice.call(form.querySelectorAll('[data-visible-when]'));
  if (!ruled.length) { return; }

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

  function apply() {
    ruled.forEach(function (field) {
      var shown = isShown(field, []);
      field.hidden = !shown;
      field.querySelectorAll('input, select, textarea').forEach(function (input) { input.disabled = !shown; });
    });
  }

  form.addEventListener('change', apply);
  form.addEventListener('input', apply);
  apply();
})();
