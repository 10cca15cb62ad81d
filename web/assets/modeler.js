/* The designer's modeler: bpmn-js with a properties panel cut down to what this engine runs
 * (./properties/engine-provider.js over the Camunda 7 provider) and bpmnlint on the diagram
 * (./lint: bpmnlint's recommended rules as fit this engine, plus our own). Bundled by esbuild in
 * the setup step (`npm run build`) into web/static/vendor/, never committed.
 *
 * window.CongressFlowModeler(canvas, panel) makes the modeler; CongressFlowModeler.inChinese
 * says a lint or deploy problem in Chinese, naming elements by name, and .mergeProblems makes
 * the two checkers' findings one list (web/static/js/designer.js lists them); the modeler's
 * problemCounts service shows that list's counts on bpmnlint's button. */
import BpmnModeler from 'bpmn-js/lib/Modeler';
import lintModule from 'bpmn-js-bpmnlint';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import DanglingReferencesModule from './dangling-references.js';
import FlowReferencesModule from './flow-references.js';
import lintConfig from './lint/config.js';
import { inChinese } from './lint/messages-zh.js';
import { mergeProblems } from './lint/same-problems.js';
import EngineProviderModule from './properties/engine-provider.js';
import english from './translations-en.js';
import chinese, { typeLabel } from './translations-zh.js';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';

function chineseFirst() {
  return (document.documentElement.lang || '').toLowerCase().indexOf('zh') === 0;
}

/* bpmn-js's translate service: Chinese where the page is Chinese (the panel's labels, and the
 * lint messages on the diagram's overlays), else the libraries' English but for our own help
 * texts (./translations-en.js), with {placeholders} filled. */
function translator(zh) {
  return function translate(template, replacements) {
    var text = zh ? (chinese[template] || typeLabel(template) || inChinese(template)) : (english[template] || template);
    return text.replace(/{([^}]+)}/g, function (_, key) {
      return replacements && key in replacements ? replacements[key] : '{' + key + '}';
    });
  };
}

/* The properties panel's frame (@bpmn-io/properties-panel) titles its sections and lists
 * (展开/收起, 这一组已填写, 添加一项, 共 3 项, 删除这一项) with the translate each group is
 * handed, else in English; bpmn-js-properties-panel hands its groups none. Registered last (the
 * lowest priority runs after every other provider), it hands each group this modeler's. */
function GroupsTranslated(propertiesPanel, translate) {
  propertiesPanel.registerProvider(1, {
    getGroups: function () {
      return function (groups) {
        return groups.map(function (group) { return Object.assign({}, group, { translate: translate }); });
      };
    },
  });
}
GroupsTranslated.$inject = ['propertiesPanel', 'translate'];

var GroupsTranslatedModule = {
  __init__: ['groupsTranslated'],
  groupsTranslated: ['type', GroupsTranslated],
};

/* bpmnlint's button on the canvas counts bpmnlint's own findings; the page's list has the
 * deploy checks' too, a problem both found once. show(counts, label) puts the list's counts
 * on the button (its colour by them, its text the list's summary), from then on. */
function ProblemCounts(linting) {
  var shown = null;
  var own = linting._updateButton;
  function paint() {
    linting._setButtonState(shown.counts);
    var label = linting._button && linting._button.lastElementChild;
    if (label) { label.textContent = shown.label; }
  }
  linting._updateButton = function () {
    if (shown) { paint(); } else { own.apply(linting, arguments); }
  };
  this.show = function (counts, label) {
    shown = { counts: { errors: counts.error, warnings: counts.warning, infos: counts.info }, label: label };
    paint();
  };
}
ProblemCounts.$inject = ['linting'];

var ProblemCountsModule = {
  __depends__: [lintModule],
  __init__: ['problemCounts'],
  problemCounts: ['type', ProblemCounts],
};

window.CongressFlowModeler = function (canvas, panel) {
  return new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: panel },
    linting: { bpmnlint: lintConfig, active: true },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      EngineProviderModule,
      GroupsTranslatedModule,
      CamundaBehaviorsModule,
      FlowReferencesModule,
      DanglingReferencesModule,
      lintModule,
      ProblemCountsModule,
      { translate: ['value', translator(chineseFirst())] },
    ],
    moddleExtensions: { camunda: camundaModdle },
  });
};

/* A problem's message in the page's language; nameOf(id) names the elements it names by id. */
window.CongressFlowModeler.inChinese = function (message, nameOf) {
  return chineseFirst() ? inChinese(message, nameOf) : message;
};

window.CongressFlowModeler.mergeProblems = mergeProblems;
