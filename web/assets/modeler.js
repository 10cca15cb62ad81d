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

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';

window.CongressFlowModeler = function (canvas, panel) {
  return new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: panel },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule,
    ],
    moddleExtensions: { camunda: camundaModdle },
  });
};
