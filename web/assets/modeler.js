/* The designer's modeler: bpmn-js with the Camunda 7 properties panel, so designers edit
 * what the engine reads (assignee, candidate groups, due date, form fields, conditions,
 * timers) without touching XML. Bundled by esbuild in the setup step (`npm run build`)
 * into web/static/vendor/, never committed. */
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import chinese from './translations-zh.js';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';

/* bpmn-js's translate service: Chinese where the page is Chinese, with {placeholders} filled. */
function translator(dictionary) {
  return function translate(template, replacements) {
    var text = dictionary[template] || template;
    return text.replace(/{([^}]+)}/g, function (_, key) {
      return replacements && key in replacements ? replacements[key] : '{' + key + '}';
    });
  };
}

window.CongressFlowModeler = function (canvas, panel) {
  var zh = (document.documentElement.lang || '').toLowerCase().indexOf('zh') === 0;
  return new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: panel },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule,
      { translate: ['value', translator(zh ? chinese : {})] },
    ],
    moddleExtensions: { camunda: camundaModdle },
  });
};
