// Conditions are evaluated by the engine as Python unless they start with "=" (FEEL, which the
// engine translates). The Camunda 8 panel edits every condition as FEEL and marks the
// Alliance's Python conditions "Unparsable FEEL expression"; this provider (run after the
// Zeebe one) swaps that entry for a plain text area while the condition is not FEEL, so the
// panel never marks red what the engine runs. Type "=" first to get the FEEL editor back.
import { TextAreaEntry, isTextAreaEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';

const AFTER_ZEEBE = 100;
const ENTRY_ID = 'conditionExpression';

function conditionOf(element) {
  const bo = element.businessObject;
  return bo && bo.get && bo.$instanceOf('bpmn:SequenceFlow') ? bo.get('conditionExpression') : null;
}

function isFeel(element) {
  const condition = conditionOf(element);
  const body = condition && condition.get('body');
  return typeof body === 'string' && body.trim().startsWith('=');
}

function PythonCondition(props) {
  const { element } = props;
  const commandStack = useService('commandStack');
  const bpmnFactory = useService('bpmnFactory');
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const getValue = () => {
    const condition = conditionOf(element);
    return (condition && condition.get('body')) || '';
  };
  const setValue = (value) => {
    const text = (value || '').trim();
    const expression = text ? bpmnFactory.create('bpmn:FormalExpression', { body: value }) : undefined;
    if (expression) { expression.$parent = element.businessObject; }
    commandStack.execute('element.updateModdleProperties', {
      element, moddleElement: element.businessObject,
      properties: { conditionExpression: expression },
    });
  };
  return TextAreaEntry({
    element, id: ENTRY_ID, label: translate('Condition expression (Python; start with = for FEEL)'),
    getValue, setValue, debounce, monospace: true, autoResize: true,
  });
}

class PythonConditionProvider {
  constructor(propertiesPanel) {
    propertiesPanel.registerProvider(AFTER_ZEEBE, this);
  }

  getGroups(element) {
    return (groups) => {
      if (isFeel(element)) { return groups; }
      groups.forEach((group) => {
        (group.entries || []).forEach((entry) => {
          if (entry.id === ENTRY_ID) {
            entry.component = PythonCondition;
            entry.isEdited = isTextAreaEntryEdited;
          }
        });
      });
      return groups;
    };
  }
}
PythonConditionProvider.$inject = ['propertiesPanel'];

export default {
  __init__: ['pythonConditionProvider'],
  pythonConditionProvider: ['type', PythonConditionProvider],
};
