/* The designer's modeler: bpmn-js with a properties panel cut down to what this engine runs
 * (./properties/engine-provider.js over the Camunda 7 provider) and bpmnlint on the diagram
 * (./lint: bpmnlint's recommended rules as fit this engine, plus our own). Bundled by esbuild in
 * the setup step (`npm run build`) into web/static/vendor/, never committed.
 *
 * window.CongressFlowModeler(canvas, panel) makes the modeler; CongressFlowModeler.inChinese
 * says a lint or deploy problem in Chinese (web/static/js/designer.js lists them). */
import BpmnModeler from 'bpmn-js/lib/Modeler';
import lintModule from 'bpmn-js-bpmnlint';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import FlowReferencesModule from './flow-references.js';
import lintConfig from './lint/config.js';
import { inChinese } from './lint/messages-zh.js';
import EngineProviderModule from './properties/engine-provider.js';
import chinese from './translations-zh.js';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';

function chineseFirst() {
  return (document.documentElement.lang || '').toLowerCase().indexOf('zh') === 0;
}

/* bpmn-js's translate service: Chinese where the page is Chinese (the panel's labels, and the
 * lint messages on the diagram's overlays), with {placeholders} filled. */
function translator(zh) {
  return function translate(template, replacements) {
    var text = zh ? (chinese[template] || inChinese(template)) : template;
    return text.replace(/{([^}]+)}/g, function (_, key) {
      return replacements && key in replacements ? replacements[key] : '{' + key + '}';
    });
  };
}

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
      CamundaBehaviorsModule,
      FlowReferencesModule,
      lintModule,
      { translate: ['value', translator(chineseFirst())] },
    ],
    moddleExtensions: { camunda: camundaModdle },
  });
};

window.CongressFlowModeler.inChinese = function (message) {
  return chineseFirst() ? inChinese(message) : message;
};
