/* The designer: bpmn-js Modeler (with the properties panel in #properties) on the XML in
 * #xml; deploy (or save as a draft) posts the edited XML. The modeler bundle (web/assets/modeler.js) defines
 * window.CongressFlowModeler. */
(function () {
  'use strict';
  var box = document.getElementById('modeler');
  var text = document.getElementById('xml');
  var form = document.getElementById('deploy-form');
  if (!box || !text || !form) { return; }
  var panel = document.getElementById('properties');
  if (typeof window.CongressFlowModeler !== 'function') {
    box.textContent = box.dataset.errorText;
    text.hidden = false;
    return;
  }
  box.textContent = '';
  var modeler = window.CongressFlowModeler(box, panel);
  var problems = JSON.parse(box.dataset.problems || '[]');

  function load(xml) {
    return modeler.importXML(xml).then(function () {
      var canvas = modeler.get('canvas');
      var registry = modeler.get('elementRegistry');
      canvas.zoom('fit-viewport', 'auto');
      problems.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, 'cf-overdue'); } });
      box.dataset.ready = 'true';
    }).catch(function (err) {
      box.dataset.ready = 'error';
      text.hidden = false;
      window.alert(box.dataset.errorText + ': ' + err.message);
    });
  }

  function current() {
    if (!text.hidden) { return Promise.resolve(text.value); }  // the XML view is the truth while open
    return modeler.saveXML({ format: true }).then(function (r) { return r.xml; });
  }

  load(text.value);

  form.addEventListener('submit', function (event) {
    if (form.dataset.saved === 'true') { return; }
    event.preventDefault();
    // 部署 and 保存草稿 post the same form to different places; form.submit() knows no
    // submitter, so the pressed button's formaction becomes the form's action
    var submitter = event.submitter;
    current().then(function (xml) {
      text.value = xml;
      form.dataset.saved = 'true';
      if (submitter && submitter.hasAttribute('formaction')) { form.action = submitter.formAction; }
      form.submit();
    });
  });

  document.getElementById('toggle-xml').addEventListener('click', function () {
    if (text.hidden) {
      modeler.saveXML({ format: true }).then(function (r) { text.value = r.xml; text.hidden = false; });
    } else {
      text.hidden = true;
      load(text.value);
    }
  });

  document.getElementById('download').addEventListener('click', function () {
    current().then(function (xml) {
      var link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
      link.download = form.elements.filename.value || 'process.bpmn';
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  });
}());
