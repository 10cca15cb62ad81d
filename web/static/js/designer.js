/* The designer: bpmn-js Modeler (with the properties panel in #properties) on the XML in
 * #xml; deploy (or save as a draft) posts the edited XML. The modeler bundle (web/assets/modeler.js)
 * defines window.CongressFlowModeler.
 *
 * Problems are shown as one edits: bpmnlint's (in the bundle, on the diagram's overlays) and the
 * engine's own deploy checks (POST #modeler[data-check-url], a moment after each change), both
 * on the offending element and in #lint-list, in Chinese with the element's name; a row selects
 * its element. Deploy is held back while errors remain and asks before going ahead with
 * warnings; a draft saves whatever its state. In the XML view the server is the judge. */
(function () {
  'use strict';
  var box = document.getElementById('modeler');
  var text = document.getElementById('xml');
  var form = document.getElementById('deploy-form');
  if (!box || !text || !form) { return; }
  var panel = document.getElementById('properties');
  var list = document.getElementById('lint-list');
  var summary = document.getElementById('lint-summary');
  var blocked = document.getElementById('deploy-blocked');
  if (typeof window.CongressFlowModeler !== 'function') {
    box.textContent = box.dataset.errorText;
    text.hidden = false;
    return;
  }
  box.textContent = '';
  var modeler = window.CongressFlowModeler(box, panel);
  var say = window.CongressFlowModeler.inChinese;
  var problems = JSON.parse(box.dataset.problems || '[]');
  var csrf = form.elements.csrf_token ? form.elements.csrf_token.value : '';
  var CHECK_DELAY_MS = 800;
  var found = { lint: [], engine: [] }; // {id, severity, message, name}
  var TYPES = {
    'bpmn:UserTask': '用户任务', 'bpmn:ScriptTask': '脚本任务', 'bpmn:ServiceTask': '服务任务',
    'bpmn:ManualTask': '人工任务', 'bpmn:Task': '任务', 'bpmn:SendTask': '发送任务', 'bpmn:ReceiveTask': '接收任务',
    'bpmn:CallActivity': '调用活动', 'bpmn:SubProcess': '子流程', 'bpmn:StartEvent': '开始事件',
    'bpmn:EndEvent': '结束事件', 'bpmn:BoundaryEvent': '边界事件', 'bpmn:IntermediateCatchEvent': '中间事件',
    'bpmn:IntermediateThrowEvent': '中间事件', 'bpmn:ExclusiveGateway': '排他网关', 'bpmn:InclusiveGateway': '包容网关',
    'bpmn:ParallelGateway': '并行网关', 'bpmn:EventBasedGateway': '事件网关', 'bpmn:ComplexGateway': '复杂网关',
    'bpmn:SequenceFlow': '连线', 'bpmn:Process': '流程', 'bpmn:Participant': '泳池', 'bpmn:Lane': '泳道',
  };
  var ENGINE_TYPES = {}; // the server's element types (userTask) as moddle's (bpmn:UserTask)
  Object.keys(TYPES).forEach(function (t) { ENGINE_TYPES[t.charAt(5).toLowerCase() + t.slice(6)] = t; });
  var zh = (document.documentElement.lang || '').toLowerCase().indexOf('zh') === 0;

  function fill(template, values) {
    return template.replace(/{(\w+)}/g, function (_, key) { return key in values ? values[key] : '{' + key + '}'; });
  }

  /* An element in words: its name and kind (用户任务「审核答复」), a nameless branch by its
   * ends, and its id only when it has nothing else. */
  function describe(id, serverName, serverType) {
    var registry = modeler.get('elementRegistry');
    var element = id && registry.get(id);
    var bo = element ? element.businessObject : null;
    var type = bo ? bo.$type : ENGINE_TYPES[serverType] || '';
    var kind = zh ? (TYPES[type] || type.replace('bpmn:', '')) : type.replace('bpmn:', '');
    var name = (bo && bo.name) || serverName || '';
    if (!name && bo && bo.$type === 'bpmn:SequenceFlow' && bo.sourceRef && bo.targetRef) {
      return fill(list.dataset.flowBetween, {
        from: bo.sourceRef.name || bo.sourceRef.id, to: bo.targetRef.name || bo.targetRef.id,
      });
    }
    if (!id) { return ''; }
    if (!name) { return kind + ' ' + id; }
    return zh ? kind + '「' + name + '」' : kind + ' “' + name + '”';
  }

  function lintProblems(issues) {
    var rows = [];
    Object.keys(issues).forEach(function (key) {
      issues[key].forEach(function (issue) {
        var id = issue.actualElementId || issue.id;
        var severity = { error: 'error', warn: 'warning', info: 'info' }[issue.category] || 'error';
        rows.push({ id: id, severity: severity, message: say(issue.message), rule: issue.rule, source: 'lint' });
      });
    });
    return rows;
  }

  function render() {
    var rows = found.engine.concat(found.lint);
    var order = { error: 0, warning: 1, info: 2 };
    rows.sort(function (a, b) { return order[a.severity] - order[b.severity]; });
    list.textContent = '';
    var counts = { error: 0, warning: 0, info: 0 };
    rows.forEach(function (row) {
      counts[row.severity] += 1;
      var item = document.createElement('li');
      item.className = 'lint-' + row.severity;
      item.dataset.element = row.id || '';
      item.dataset.severity = row.severity;
      item.dataset.source = row.source;
      if (row.rule) { item.dataset.rule = row.rule; }
      var badge = document.createElement('span');
      badge.className = 'lint-badge';
      badge.textContent = list.dataset['severity' + row.severity.charAt(0).toUpperCase() + row.severity.slice(1)];
      var where = document.createElement('b');
      where.textContent = describe(row.id, row.name, row.type);
      var what = document.createElement('span');
      what.className = 'lint-message';
      what.textContent = (where.textContent ? '：' : '') + row.message;
      var source = document.createElement('small');
      source.textContent = ' · ' + list.dataset[row.source === 'engine' ? 'sourceEngine' : 'sourceLint'];
      item.append(badge, ' ', where, what, source);
      if (row.id) { item.tabIndex = 0; }
      list.appendChild(item);
    });
    summary.textContent = rows.length ? fill(summary.dataset.counts, {
      errors: counts.error, warnings: counts.warning, infos: counts.info,
    }) : summary.dataset.clean;
    if (!counts.error) { blocked.hidden = true; }
    return counts;
  }

  function select(id) {
    var element = id && modeler.get('elementRegistry').get(id);
    if (!element) { return; }
    modeler.get('selection').select(element);
    modeler.get('canvas').scrollToElement(element, { top: 120, bottom: 120, left: 160, right: 160 });
    box.scrollIntoView({ block: 'nearest' });
  }

  list.addEventListener('click', function (event) {
    var item = event.target.closest('li[data-element]');
    if (item) { select(item.dataset.element); }
  });
  list.addEventListener('keydown', function (event) {
    var item = event.target.closest('li[data-element]');
    if (item && event.key === 'Enter') { select(item.dataset.element); }
  });

  /* The engine's problems on the diagram: a mark and a badge on each element they name (what
   * names no drawn element is in the list only). */
  function markEngineProblems() {
    var overlays = modeler.get('overlays');
    var canvas = modeler.get('canvas');
    var registry = modeler.get('elementRegistry');
    overlays.remove({ type: 'cf-engine' });
    registry.forEach(function (element) { canvas.removeMarker(element, 'cf-problem'); });
    var seen = {};
    found.engine.forEach(function (row) {
      var element = row.id && registry.get(row.id);
      if (!element || element === canvas.getRootElement()) { return; }
      canvas.addMarker(element, 'cf-problem');
      if (seen[row.id]) { return; }
      seen[row.id] = true;
      var badge = document.createElement('div');
      badge.className = 'cf-engine-badge cf-engine-' + row.severity;
      badge.dataset.element = row.id;
      badge.title = row.message;
      badge.textContent = '!';
      overlays.add(element, 'cf-engine', { position: { bottom: 6, left: -6 }, html: badge });
    });
  }

  var checking = 0;
  function checkOnServer(xml) {
    var mine = ++checking;
    summary.textContent = summary.dataset.checking;
    return fetch(box.dataset.checkUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
      body: JSON.stringify({ xml: xml, filename: form.elements.filename.value || 'process.bpmn' }),
    }).then(function (r) {
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      return r.json();
    }).then(function (answer) {
      if (mine !== checking) { return found.engine; }
      found.engine = answer.problems.map(function (p) {
        return {
          id: p.element_id, severity: p.severity, message: say(p.message), name: p.element_name,
          type: p.element_type, source: 'engine',
        };
      });
      markEngineProblems();
      render();
      box.dataset.checked = 'true';
      return found.engine;
    }).catch(function () {
      render();  // unreachable server: deploy will check all the same
      return found.engine;
    });
  }

  function current() {
    if (!text.hidden) { return Promise.resolve(text.value); }  // the XML view is the truth while open
    return modeler.saveXML({ format: true }).then(function (r) { return r.xml; });
  }

  var timer = null;
  function checkSoon() {
    box.dataset.checked = 'false';
    // a check still on its way answers for the diagram before this change: not current
    checking += 1;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { current().then(checkOnServer); }, CHECK_DELAY_MS);
  }

  var eventBus = modeler.get('eventBus');
  eventBus.on('linting.completed', function (event) {
    found.lint = lintProblems(event.issues);
    render();
  });
  eventBus.on('commandStack.changed', checkSoon);

  function load(xml) {
    return modeler.importXML(xml).then(function () {
      var canvas = modeler.get('canvas');
      var registry = modeler.get('elementRegistry');
      canvas.zoom('fit-viewport', 'auto');
      problems.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, 'cf-overdue'); } });
      box.dataset.ready = 'true';
      checkSoon();
    }).catch(function (err) {
      box.dataset.ready = 'error';
      text.hidden = false;
      window.alert(box.dataset.errorText + ': ' + err.message);
    });
  }

  load(text.value);

  /* Before deploying: lint and the engine's check on exactly what will be posted. */
  function fitToDeploy(xml) {
    return Promise.all([modeler.get('linting').lint(), checkOnServer(xml)]).then(function (results) {
      var lint = [];
      Object.keys(results[0]).forEach(function (rule) {
        results[0][rule].forEach(function (report) { lint.push({ rule: rule, category: report.category }); });
      });
      var errors = lint.filter(function (r) { return r.category === 'error'; }).length;
      var warnings = lint.filter(function (r) { return r.category === 'warn'; }).length;
      results[1].forEach(function (p) { if (p.severity === 'error') { errors += 1; } else { warnings += 1; } });
      return { errors: errors, warnings: warnings };
    });
  }

  function post(xml, submitter) {
    text.value = xml;
    form.dataset.saved = 'true';
    if (submitter && submitter.hasAttribute('formaction')) { form.action = submitter.formAction; }
    form.submit();
  }

  form.addEventListener('submit', function (event) {
    if (form.dataset.saved === 'true') { return; }
    event.preventDefault();
    // 部署 and 保存草稿 post the same form to different places; form.submit() knows no
    // submitter, so the pressed button's formaction becomes the form's action
    var submitter = event.submitter;
    var deploying = submitter && submitter.dataset.action === 'deploy';
    current().then(function (xml) {
      if (!deploying || !text.hidden) { post(xml, submitter); return; }
      fitToDeploy(xml).then(function (verdict) {
        if (verdict.errors) {
          blocked.hidden = false;
          blocked.scrollIntoView({ block: 'center' });
          return;
        }
        if (verdict.warnings && !window.confirm(fill(list.dataset.confirmWarnings, { n: verdict.warnings }))) { return; }
        post(xml, submitter);
      });
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

  /* Where a date is expected (a due date, a timer), the date functions and the deadline
   * settings are offered as suggestions: a due date takes ${…}, a timer the expression inside. */
  function offerDates() {
    [['bio-properties-panel-dueDate', 'cf-due-dates'],
      ['bio-properties-panel-timerEventDefinitionValue', 'cf-timer-dates']].forEach(function (pair) {
      var input = document.getElementById(pair[0]);
      if (input && input.tagName === 'INPUT' && input.getAttribute('list') !== pair[1]) { input.setAttribute('list', pair[1]); }
    });
  }
  eventBus.on('propertiesPanel.updated', function () { window.setTimeout(offerDates, 0); });
  panel.addEventListener('focusin', offerDates);
  fetch(box.dataset.helpersUrl, { credentials: 'same-origin' }).then(function (r) {
    return r.ok ? r.json() : [];
  }).then(function (helpers) {
    var due = document.getElementById('cf-due-dates');
    var timers = document.getElementById('cf-timer-dates');
    helpers.forEach(function (helper) {
      var option = new Option(helper.label, helper.expression);
      due.appendChild(option);
      timers.appendChild(new Option(helper.label, helper.expression.replace(/^\$\{(.*)\}$/, '$1')));
    });
  }).catch(function () { /* suggestions only: the fields work without them */ });
}());
