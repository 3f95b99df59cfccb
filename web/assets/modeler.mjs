// The analysts' modeler bundle: bpmn-js Modeler with the Camunda 8 (Zeebe) properties
// panel, Zeebe moddle, Camunda Cloud behaviours and bpmnlint's recommended rules.
// Exposes window.AllianceModeler.create(options) for web/static/modeler/editor.js.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  ZeebePropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import ZeebeBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-cloud';
import lintModule from 'bpmn-js-bpmnlint';
import zeebeModdle from 'zeebe-bpmn-moddle/resources/zeebe.json';
import lintConfig from 'virtual:bpmnlint-config';
import PythonConditionsModule from './python_conditions.mjs';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';

function create({ container, propertiesParent, lint = true }) {
  return new BpmnModeler({
    container,
    propertiesPanel: { parent: propertiesParent },
    linting: { bpmnlint: lintConfig, active: lint },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      ZeebePropertiesProviderModule,
      ZeebeBehaviorsModule,
      PythonConditionsModule,
      lintModule,
    ],
    moddleExtensions: { zeebe: zeebeModdle },
  });
}

window.AllianceModeler = { create, lintRules: Object.keys(lintConfig.config.rules) };
