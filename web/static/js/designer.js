/* The designer: bpmn-js Modeler (with the properties panel in #properties) on the XML in
 * #xml; deploy (or save as a draft) posts the edited XML. The modeler bundle (web/assets/modeler.js)
 * defines window.CongressFlowModeler.
 *
 * Problems are shown as one edits: bpmnlint's (in the bundle, on the diagram's overlays) and the
 * engine's own deploy checks (POST #modeler[data-check-url], a moment after each change), both
 * on the offending element and in #lint-list, in the page's language, elements named by their
 * names (the id beside, smaller); a row selects its element. A problem both checkers found is
 * one row (and one mark on the diagram), and the counts over the list, on bpmnlint's button and
 * before deploy are those of its rows (with real plurals: 1 warning, 2 warnings). Deploy is
 * held back while errors remain and asks before going ahead with warnings; a draft saves
 * whatever its state. In the XML view the server is the judge; what it
 * refused (#lint-list[data-refused], after a refused deploy) is in the same list, and stays
 * there while the document is the one refused (deploy checks more than the check: a called
 * process must be deployed). A file the modeler cannot draw opens in the XML view, its
 * problems the engine's check of the text; so does a file it could draw only by changing it
 * (bpmn-js leaves out what it cannot read as written: an element whose id another already has,
 * an unknown element), what it could not read listed as errors (读入检查) and deploy held back
 * while the text is the one it could not read. The engine's first check of a document is of the
 * text as opened, not of the modeler's rewriting of it (its lines are the file's: the server
 * writes a generated diagram in after the file's own lines); the XML view, which shows the
 * modeler's rewriting, has that text checked, so that a row's line is found in the text shown. */
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
  var inChinese = window.CongressFlowModeler.inChinese;
  var mergeProblems = window.CongressFlowModeler.mergeProblems;
  var loadError = document.getElementById('load-error');
  var csrf = form.elements.csrf_token ? form.elements.csrf_token.value : '';
  var CHECK_DELAY_MS = 800;
  // {id, severity, raw, message, name, type, line, source, rule}; refused: what deploy refused;
  // unread: what bpmn-js could not read of the text opened (unreadText) as it is written
  var found = { lint: [], engine: [], refused: [], unread: [] };
  var unreadText = null;
  var drawn = false;  // the document is on the canvas (else the XML view shows it)
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

  /* A count in the reader's words: `forms` is a data attribute holding the words for one and
   * for more than one (the page's ngettext, {n} the number), so that English says "1 warning"
   * and "2 warnings" (Chinese has one form for both). */
  function counted(forms, n) {
    var said = JSON.parse(forms);
    return fill(said[n === 1 ? 0 : 1], { n: n });
  }

  /* The model element of an id: a drawn one, else one of the document's processes or what
   * they hold (a pool's process, an element the diagram does not draw). */
  function modelElement(id) {
    if (!id || !drawn) { return null; }  // not drawn: the modeler holds nothing, or not the file
    var element = modeler.get('elementRegistry').get(id);
    if (element) { return element.businessObject; }
    var definitions = modeler.getDefinitions();
    var todo = ((definitions && definitions.rootElements) || []).slice();
    while (todo.length) {
      var node = todo.shift();
      if (node.id === id) { return node; }
      todo = todo.concat(node.flowElements || []);
    }
    return null;
  }

  /* What a message calls an element it names by id: its name, or the id when it has none. */
  function nameOf(id) {
    var bo = modelElement(id);
    return (bo && bo.name && String(bo.name).trim()) || id;
  }

  function say(message) {
    return inChinese(message, nameOf);
  }

  /* An element in words: its name and kind (用户任务「审核答复」), a nameless branch by its
   * ends, and its id only when it has nothing else; named says whether the words name it
   * (the row then shows the id beside them). */
  /* A BPMN type as English words, as the properties panel names it: UserTask → User task. */
  function inWords(type) {
    var words = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function describe(id, serverName, serverType) {
    var bo = modelElement(id);
    var type = bo ? bo.$type : ENGINE_TYPES[serverType] || '';
    var kind = zh ? (TYPES[type] || type.replace('bpmn:', '')) : inWords(type.replace('bpmn:', ''));
    var name = (bo && bo.name && String(bo.name).trim()) || serverName || '';
    if (!name && bo && bo.$type === 'bpmn:SequenceFlow' && bo.sourceRef && bo.targetRef) {
      return {
        text: fill(list.dataset.flowBetween, { from: nameOf(bo.sourceRef.id), to: nameOf(bo.targetRef.id) }),
        named: true,
      };
    }
    if (!id) { return { text: '', named: false }; }
    if (!name) { return { text: (kind ? kind + ' ' : '') + id, named: false }; }
    return { text: zh ? kind + '「' + name + '」' : kind + ' “' + name + '”', named: true };
  }

  /* A problem of the engine's (the check's answer, or what deploy refused) as a row. */
  function engineRow(p) {
    return {
      id: p.element_id, severity: p.severity, raw: p.message, message: say(p.message), name: p.element_name,
      type: p.element_type, line: p.line, source: 'engine',
    };
  }

  /* bpmnlint's findings as rows: issues grouped by element (linting.completed: each issue
   * knows its rule) or by rule (linting.lint()'s answer). */
  function lintRows(issues, byRule) {
    var rows = [];
    Object.keys(issues).forEach(function (key) {
      issues[key].forEach(function (issue) {
        var id = issue.actualElementId || issue.id;
        var severity = { error: 'error', warn: 'warning', info: 'info' }[issue.category] || 'error';
        rows.push({
          id: id, severity: severity, raw: issue.message, message: say(issue.message),
          rule: byRule ? key : issue.rule, source: 'lint',
        });
      });
    });
    return rows;
  }

  /* What bpmn-js could not read as written (moddle's lax parse: "unparsable content <tag>
   * detected, line: n (from 0), column: n, nested error: why"): the element is left out of the
   * diagram and of what the modeler saves, so such a file is not opened in the diagram. The
   * other import warnings change nothing the engine reads: a reference to a missing element
   * is kept as written (dangling-references.js), an unknown attribute is kept, an encoding
   * other than UTF-8 is the text's own. */
  var UNREAD = /^unparsable content ([\s\S]*?) ?detected\s+line: (\d+)\s+column: \d+\s+nested error: ([\s\S]*)$/;
  var DUPLICATE_ID = /^duplicate ID <(.+)>$/;

  function unreadRows(warnings) {
    var rows = [];
    (warnings || []).forEach(function (warning) {
      var parts = UNREAD.exec(String((warning && warning.message) || ''));
      if (!parts) { return; }
      var why = parts[3].trim();
      var duplicate = DUPLICATE_ID.exec(why);
      var raw = 'The modeler cannot read ' + (parts[1] || 'this line') + ' as written (' + why +
        '): opened in the diagram, it would be left out';
      rows.push({
        id: duplicate ? duplicate[1] : '', severity: 'error', raw: raw, message: say(raw),
        line: Number(parts[2]) + 1, source: 'import',
      });
    });
    return rows;
  }

  var ORDER = { error: 0, warning: 1, info: 2 };

  /* The one list: both checkers' rows, a problem both found once, errors first; what deploy
   * refused the document for, as long as it is the document refused, among the engine's. */
  function problemRows() {
    var seen = {};
    found.engine.forEach(function (row) { seen[(row.id || '') + '|' + row.raw] = true; });
    var engine = found.engine.concat(found.refused.filter(function (row) { return !seen[(row.id || '') + '|' + row.raw]; }));
    var rows = mergeProblems(engine, found.lint).concat(found.unread.map(function (row) {
      // named as the engine's check names the element at that line (an id written twice is two)
      var same = engine.filter(function (e) { return e.id === row.id && e.line === row.line; })[0];
      return same ? Object.assign({}, row, { name: same.name, type: same.type }) : row;
    }));
    return rows.map(function (row, i) { return [row, i]; }).sort(function (a, b) {
      return ORDER[a[0].severity] - ORDER[b[0].severity] || a[1] - b[1];
    }).map(function (pair) { return pair[0]; });
  }

  var SOURCES = { engine: 'sourceEngine', lint: 'sourceLint', both: 'sourceBoth', import: 'sourceImport' };

  function render() {
    var rows = problemRows();
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
      var element = describe(row.id, row.name, row.type);
      var where = document.createElement('b');
      where.textContent = element.text;
      var what = document.createElement('span');
      what.className = 'lint-message';
      what.textContent = (element.text ? list.dataset.colon : '') + row.message;  // the page's colon: ": " in English
      var source = document.createElement('small');
      source.className = 'lint-source';
      source.textContent = ' · ' + list.dataset[SOURCES[row.source]];
      item.append(badge, ' ', where, what, source);
      if (row.line && row.source !== 'lint' && !(row.id && drawnElement(row.id))) {
        // nothing on the diagram to select: where it is in the XML (as the XML view shows it)
        var line = document.createElement('small');
        line.className = 'lint-line';
        line.textContent = fill(list.dataset.line, { n: row.line });
        item.append(' ', line);
      }
      if (element.named && row.id) {  // the id after the words, for whoever reads the XML
        var code = document.createElement('code');
        code.className = 'lint-id';
        code.textContent = row.id;
        item.append(' ', code);
      }
      if (row.id) { item.tabIndex = 0; }
      list.appendChild(item);
    });
    summary.textContent = rows.length ? [
      counted(summary.dataset.errors, counts.error),
      counted(summary.dataset.warnings, counts.warning),
      counted(summary.dataset.infos, counts.info),
    ].join(summary.dataset.join) : summary.dataset.clean;
    modeler.get('problemCounts').show(counts, summary.textContent);
    markEngineProblems(rows);
    if (!counts.error) { blocked.hidden = true; }
    return counts;
  }

  function drawnElement(id) {
    var element = drawn && modeler.get('elementRegistry').get(id);
    return element && element !== modeler.get('canvas').getRootElement() ? element : null;
  }

  function select(id) {
    var element = drawnElement(id);
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

  /* The engine's problems on the diagram: a mark on each element they name, and a badge
   * where bpmnlint has not marked the same problem already (what names no drawn element is in
   * the list only). */
  function markEngineProblems(rows) {
    var overlays = modeler.get('overlays');
    var canvas = modeler.get('canvas');
    var registry = modeler.get('elementRegistry');
    overlays.remove({ type: 'cf-engine' });
    registry.forEach(function (element) { canvas.removeMarker(element, 'cf-problem'); });
    var seen = {};
    rows.forEach(function (row) {
      if (row.source === 'lint') { return; }
      var element = row.id && registry.get(row.id);
      if (!element || element === canvas.getRootElement()) { return; }
      canvas.addMarker(element, 'cf-problem');
      if (row.source === 'both' || seen[row.id]) { return; }
      seen[row.id] = true;
      var badge = document.createElement('div');
      badge.className = 'cf-engine-badge cf-engine-' + row.severity;
      badge.dataset.element = row.id;
      badge.title = row.message;
      badge.textContent = '!';
      overlays.add(element, 'cf-engine', { position: { bottom: 6, left: -6 }, html: badge });
    });
  }

  /* The document sent to one of the designer API's checks (as the file it would be saved as);
   * its JSON answer, or a rejection when the server did not answer it. */
  function postDocument(url, xml) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
      body: JSON.stringify({ xml: xml, filename: form.elements.filename.value || 'process.bpmn' }),
    }).then(function (r) {
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      return r.json();
    });
  }

  var checking = 0;
  var checkedXml = null;  // the text the engine's rows (and their lines) are of
  function checkOnServer(xml) {
    var mine = ++checking;
    checkedXml = xml;
    summary.textContent = summary.dataset.checking;
    return postDocument(box.dataset.checkUrl, xml).then(function (answer) {
      if (mine !== checking) { return found.engine; }
      found.engine = answer.problems.map(engineRow);
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
  /* The engine's check a moment from now, of `xml` when given (the text as opened), else of
   * the document as it stands. */
  function checkSoon(xml) {
    box.dataset.checked = 'false';
    // a check still on its way answers for the diagram before this change: not current
    checking += 1;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      (typeof xml === 'string' ? Promise.resolve(xml) : current()).then(checkOnServer);
    }, CHECK_DELAY_MS);
  }

  var eventBus = modeler.get('eventBus');
  eventBus.on('linting.completed', function (event) {
    // of a file the modeler could not draw, the engine's check of the text is the judge
    found.lint = drawn ? lintRows(event.issues, false) : [];
    render();
  });
  eventBus.on('commandStack.changed', function () {
    found.refused = [];  // no longer the document deploy refused
    checkSoon();
  });

  // before bpmn-js-bpmnlint lints what was imported: what could not be read as written is
  // not drawn (the diagram would not be the file)
  eventBus.on('import.done', 2000, function (event) {
    drawn = !event.error && !unreadRows(event.warnings).length;
  });

  // The whole diagram in view, right of the palette, which lies over the canvas's left edge
  // (fit-viewport alone leaves the start events under it), never larger than life.
  function fitBesidePalette(canvas) {
    canvas.zoom('fit-viewport', 'auto');
    var palette = box.querySelector('.djs-palette');
    var view = canvas.viewbox();
    if (!palette || !view.inner.width || !view.inner.height) { return; }
    var margin = 12;
    var covered = palette.getBoundingClientRect().right - canvas.getContainer().getBoundingClientRect().left + margin;
    var free = view.outer.width - covered - margin;
    if (free <= 0) { return; }
    var scale = Math.min(1, free / view.inner.width, (view.outer.height - 2 * margin) / view.inner.height);
    var height = view.outer.height / scale;
    canvas.viewbox({
      x: view.inner.x - covered / scale,
      y: view.inner.y - (height - view.inner.height) / 2,
      width: view.outer.width / scale,
      height: height
    });
  }

  /* The file as written, in the XML view: the modeler could draw it only without what it could
   * not read (the rows say what), so the diagram is cleared rather than shown as if it were the
   * file; the engine checks the text, deploy is held back while it is this text, and a draft
   * saves the text as it is. */
  function openUnread(xml, rows) {
    found.unread = rows;
    unreadText = xml;
    found.lint = [];
    modeler.clear();
    text.value = xml;
    text.hidden = false;
    loadError.textContent = loadError.dataset.unread;
    loadError.hidden = false;
    box.dataset.ready = 'unread';
    render();
    checkSoon(xml);
  }

  function load(xml) {
    found.unread = [];
    unreadText = null;
    return modeler.importXML(xml).then(function (result) {
      var unread = unreadRows(result.warnings);
      if (unread.length) { openUnread(xml, unread); return; }
      loadError.hidden = true;
      fitBesidePalette(modeler.get('canvas'));
      box.dataset.ready = 'true';
      checkSoon(xml);  // the text as opened: what the modeler might rewrite is checked as written
    }).catch(function (err) {
      found.lint = [];
      box.dataset.ready = 'error';
      text.hidden = false;
      loadError.textContent = box.dataset.errorText + (zh ? '：' : ': ') + err.message + (zh ? '。' : '. ') +
        loadError.dataset.more;
      loadError.hidden = false;
      render();
      checkSoon();  // on the text, which the XML view now shows
    });
  }

  found.refused = JSON.parse(list.dataset.refused || '[]').map(engineRow);
  load(text.value);

  /* Before deploying: lint and the engine's check on exactly what will be posted, counted as
   * the list counts them (a problem both found once). */
  function fitToDeploy(xml) {
    return Promise.all([modeler.get('linting').lint(), checkOnServer(xml)]).then(function (results) {
      found.lint = lintRows(results[0], true);
      var counts = render();
      return { errors: counts.error, warnings: counts.warning };
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
      if (deploying && found.unread.length && xml === unreadText) {  // not read as written: said in the list
        blocked.hidden = false;
        blocked.scrollIntoView({ block: 'center' });
        return;
      }
      if (!deploying || !text.hidden) { post(xml, submitter); return; }
      fitToDeploy(xml).then(function (verdict) {
        if (verdict.errors) {
          blocked.hidden = false;
          blocked.scrollIntoView({ block: 'center' });
          return;
        }
        if (verdict.warnings && !window.confirm(counted(list.dataset.confirmWarnings, verdict.warnings))) { return; }
        post(xml, submitter);
      });
    });
  });

  var shownXml = text.value;  // the XML the XML view opened with (the page's, when it could not be drawn)
  document.getElementById('toggle-xml').addEventListener('click', function () {
    if (text.hidden) {
      modeler.saveXML({ format: true }).then(function (r) {
        text.value = shownXml = r.xml;
        text.hidden = false;
        // the modeler writes the document out its own way: the lines the list gives are to be
        // found in the text the view shows, not in the text as opened
        if (r.xml !== checkedXml) { checkSoon(r.xml); }
      });
    } else {
      if (text.value !== shownXml) { found.refused = []; }  // edited: no longer the document refused
      text.hidden = true;
      drawable(text.value).then(load);
    }
  });

  /* The text as the server would open it: laid out when it has no diagram, and with shapes for
   * what its diagram lacks (an id written twice, given one of its own in the XML view: the
   * layout made when the file was opened drew that id once); as it is when unreachable. */
  function drawable(xml) {
    return postDocument(box.dataset.drawableUrl, xml)
      .then(function (answer) { return answer.xml; })
      .catch(function () { return xml; });
  }

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
