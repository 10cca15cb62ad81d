/* The properties panel for this engine: the Camunda 7 provider's groups, filtered down to what
 * the engine runs (who acts, due dates, forms and their fields, conditions, timers, Python
 * scripts, messages and signals, call activities, external service tasks, input/output
 * parameters), and a few entries of our own where Camunda's would offer what the engine
 * refuses. Registered below the Camunda provider's priority, so it sees (and filters) the
 * groups that provider made.
 *
 * Gone: listeners, Java classes and delegate expressions, connectors, field injections, async
 * continuations and job configuration, history cleanup, tasklist and start-initiator
 * settings, business keys and variable mapping delegates. */
import {
  DescriptionEntry, isCheckboxEntryEdited, isTextFieldEntryEdited, TextFieldEntry, useError, useShowEntryEvent,
} from '@bpmn-io/properties-panel';
import { jsx, jsxs } from '@bpmn-io/properties-panel/preact/jsx-runtime';
import { useService } from 'bpmn-js-properties-panel';

var LOWER_THAN_CAMUNDA = 400; // the Camunda provider registers at 500: the lower runs after it

// group id -> the entry ids kept (true: every entry, for list groups too)
var KEPT = {
  general: ['id', 'name', 'processId', 'processName', 'isExecutable'],
  documentation: true,
  CamundaPlatform__CandidateStarter: true,
  CamundaPlatform__UserAssignment: ['assignee', 'candidateGroups', 'candidateUsers', 'dueDate'],
  CamundaPlatform__FormData: true,
  CamundaPlatform__Condition: true,
  timer: true,
  message: true,
  signal: true,
  error: ['errorRef', 'errorName', 'errorCode'],
  escalation: ['escalationRef', 'escalationName', 'escalationCode'],
  multiInstance: ['loopCardinality', 'completionCondition', 'collection', 'elementVariable'],
  CamundaPlatform__Script: ['scriptValue'],
  CamundaPlatform__CallActivity: ['calledElementBinding', 'calledElementVersion'],
  CamundaPlatform__InMapping: true,
  CamundaPlatform__OutMapping: true,
  CamundaPlatform__Input: true, // input/output parameters (text, ${…}, list, map; no scripts)
  CamundaPlatform__Output: true,
  CamundaPlatform__ExtensionProperties: true,
  // an external task's priority (camunda:taskPriority: who fetches first); the process-wide
  // default Camunda also offers here is not read by this engine (see kept())
  CamundaPlatform__ExternalTask: ['externalTaskPriority'],
};

// the list groups of a call activity's mappings, whose items each have a 局部 box
var MAPPING_GROUPS = ['CamundaPlatform__InMapping', 'CamundaPlatform__OutMapping'];

function businessObject(element) {
  return element.businessObject;
}

function is(element, type) {
  var bo = businessObject(element);
  return !!bo && bo.$instanceOf(type);
}

function formDataOf(bo) {
  var values = (bo.extensionElements && bo.extensionElements.values) || [];
  return values.filter(function (v) { return v.$instanceOf('camunda:FormData'); })[0];
}

/* A checkbox entry whose box always shows the model's value. The panel's own CheckboxEntry
 * (3.55) keeps a local copy that each change sets to the input's value, the string "on", so
 * for one render after a box is unchecked it shows checked again, until an effect after the
 * next paint puts it right: the box flickers, and a quick second look finds the click undone. */
function ModelCheckboxEntry(props) {
  var id = props.id;
  var inputId = 'bio-properties-panel-' + id;
  var error = useError(id);
  var ref = useShowEntryEvent(id);
  return jsxs('div', {
    class: 'bio-properties-panel-entry bio-properties-panel-checkbox-entry',
    'data-entry-id': id,
    children: [
      jsxs('div', {
        class: 'bio-properties-panel-checkbox',
        children: [
          jsx('input', {
            ref: ref, id: inputId, name: id, type: 'checkbox', class: 'bio-properties-panel-input',
            checked: !!props.getValue(),
            onChange: function (event) { props.setValue(event.target.checked); },
          }),
          jsx('label', { for: inputId, class: 'bio-properties-panel-label', children: props.label }),
        ],
      }),
      error && jsx('div', { class: 'bio-properties-panel-error', children: error }),
      jsx(DescriptionEntry, { forId: id, element: props.element, value: props.description }),
    ],
  });
}

/* 使用表单: a user task's or start event's camunda:formData on or off (Camunda's form type
 * select would also offer Camunda Forms and form keys, which this engine does not show). */
function FormDataSwitch(props) {
  var element = props.element;
  var bpmnFactory = useService('bpmnFactory');
  var commandStack = useService('commandStack');
  var translate = useService('translate');
  var bo = businessObject(element);
  function setValue(on) {
    var formData = formDataOf(bo);
    var extensions = bo.extensionElements;
    if (on && !formData) {
      formData = bpmnFactory.create('camunda:FormData', { fields: [] });
      if (!extensions) {
        extensions = bpmnFactory.create('bpmn:ExtensionElements', { values: [formData] });
        extensions.$parent = bo;
        formData.$parent = extensions;
        commandStack.execute('element.updateModdleProperties', {
          element: element, moddleElement: bo, properties: { extensionElements: extensions },
        });
        return;
      }
      formData.$parent = extensions;
      commandStack.execute('element.updateModdleProperties', {
        element: element, moddleElement: extensions, properties: { values: extensions.values.concat([formData]) },
      });
    } else if (!on && formData) {
      commandStack.execute('element.updateModdleProperties', {
        element: element,
        moddleElement: extensions,
        properties: { values: extensions.values.filter(function (v) { return v !== formData; }) },
      });
    }
  }
  return ModelCheckboxEntry({
    element: element,
    id: 'cfFormData',
    label: translate('Use a form'),
    description: translate('The fields the person doing the task fills in'),
    getValue: function () { return !!formDataOf(bo); },
    setValue: setValue,
  });
}

/* A checkbox entry (ModelCheckboxEntry) for one property of a moddle element: Camunda's
 * entries for it kept their checkbox's flicker. */
function propertySwitch(props, options) {
  var commandStack = useService('commandStack');
  var translate = useService('translate');
  var moddleElement = options.moddleElement;
  return ModelCheckboxEntry({
    element: props.element,
    id: options.id,
    label: translate(options.label),
    getValue: function () { return !!moddleElement.get(options.property); },
    setValue: function (value) {
      var properties = {};
      properties[options.property] = value;
      commandStack.execute('element.updateModdleProperties', {
        element: props.element, moddleElement: moddleElement, properties: properties,
      });
    },
  });
}

/* 可执行: the process's flag (a participant's is its process's). */
function ExecutableSwitch(props) {
  var bo = businessObject(props.element);
  return propertySwitch(props, {
    id: 'isExecutable',
    label: 'Executable',
    moddleElement: is(props.element, 'bpmn:Participant') ? bo.get('processRef') : bo,
    property: 'isExecutable',
  });
}

/* 局部: a call activity's camunda:in / camunda:out mapping, local or not. */
function MappingLocalSwitch(props) {
  return propertySwitch(props, {
    id: props.idPrefix + '-local', label: 'Local', moddleElement: props.mapping, property: 'local',
  });
}

/* A text entry that reads and writes properties of the element's business object. */
function propertyEntry(props, options) {
  var element = props.element;
  var commandStack = useService('commandStack');
  var translate = useService('translate');
  var bo = businessObject(element);
  return TextFieldEntry({
    element: element,
    id: options.id,
    label: translate(options.label),
    description: options.description ? translate(options.description) : undefined,
    debounce: useService('debounceInput'),
    getValue: function () { return bo.get(options.property) || ''; },
    setValue: function (value) {
      commandStack.execute('element.updateModdleProperties', {
        element: element, moddleElement: bo, properties: options.properties(value),
      });
    },
  });
}

/* 被调用流程: the key of the process a call activity starts (Camunda's entry appears only once
 * one is set, behind a BPMN / CMMN choice this engine does not need). */
function CalledElement(props) {
  return propertyEntry(props, {
    id: 'cfCalledElement',
    label: 'Called process (its key)',
    property: 'calledElement',
    properties: function (value) { return { calledElement: value || undefined }; },
  });
}

/* 外部任务主题: a service task is an external task (camunda:type="external") with a topic, or
 * nothing; Camunda's implementation select would offer Java classes and connectors. */
function ExternalTopic(props) {
  return propertyEntry(props, {
    id: 'cfExternalTopic',
    label: 'External task topic',
    description: 'The topic an outside worker fetches this task by',
    property: 'camunda:topic',
    properties: function (value) {
      return { 'camunda:type': value ? 'external' : undefined, 'camunda:topic': value || undefined };
    },
  });
}

function kept(element, group) {
  var rule = KEPT[group.id];
  if (!rule) { return null; }
  if (group.id === 'CamundaPlatform__ExternalTask' && !is(element, 'bpmn:ServiceTask')) { return null; }
  if (rule !== true && group.entries) {
    group.entries = group.entries.filter(function (entry) { return rule.indexOf(entry.id) >= 0; });
  }
  onOurCheckboxes(group);
  return group;
}

/* Camunda's checkbox entries kept, on our checkbox (propertySwitch): 可执行 among a group's
 * entries, 局部 among each mapping's. */
function onOurCheckboxes(group) {
  (group.entries || []).forEach(function (entry) {
    if (entry.id === 'isExecutable') { entry.component = ExecutableSwitch; }
  });
  if (MAPPING_GROUPS.indexOf(group.id) < 0) { return; }
  (group.items || []).forEach(function (item) {
    item.entries.forEach(function (entry) {
      if (entry.id === item.id + '-local') { entry.component = MappingLocalSwitch; }
    });
  });
}

function ours(element, translate) {
  var groups = [];
  if (is(element, 'bpmn:UserTask') || (is(element, 'bpmn:StartEvent') && !is(element.parent, 'bpmn:SubProcess'))) {
    groups.push({
      id: 'CongressFlow__Form', label: translate('Forms'),
      entries: [{ id: 'cfFormData', component: FormDataSwitch, isEdited: isCheckboxEntryEdited }],
    });
  }
  if (is(element, 'bpmn:CallActivity')) {
    groups.push({
      id: 'CamundaPlatform__CallActivity', label: translate('Called element'),
      entries: [{ id: 'cfCalledElement', component: CalledElement, isEdited: isTextFieldEntryEdited }],
    });
  }
  if (is(element, 'bpmn:ServiceTask')) {
    groups.push({
      id: 'CamundaPlatform__ExternalTask', label: translate('External task'),
      entries: [{ id: 'cfExternalTopic', component: ExternalTopic, isEdited: isTextFieldEntryEdited }],
    });
  }
  return groups;
}

function EngineProvider(propertiesPanel, translate) {
  this.getGroups = function (element) {
    return function (groups) {
      var filtered = groups.map(function (group) { return kept(element, group); }).filter(Boolean).filter(function (g) {
        return g.items !== undefined || (g.entries && g.entries.length);
      });
      var extra = ours(element, translate).filter(function (group) {
        // Camunda's call activity group (binding, version) and external task group (priority)
        // take our entry first
        var theirs = filtered.filter(function (g) { return g.id === group.id; })[0];
        if (!theirs) { return true; }
        theirs.entries = group.entries.concat(theirs.entries);
        return false;
      });
      // our groups go where Camunda's form / call activity / implementation groups stood: after
      // the general ones, before the form fields
      var at = filtered.findIndex(function (g) { return /FormData|CallActivity|InMapping|Condition|Script|timer/.test(g.id); });
      if (at < 0) { at = filtered.length; }
      return filtered.slice(0, at).concat(extra, filtered.slice(at));
    };
  };
  propertiesPanel.registerProvider(LOWER_THAN_CAMUNDA, this);
}
EngineProvider.$inject = ['propertiesPanel', 'translate'];

export default {
  __init__: ['congressFlowPropertiesProvider'],
  congressFlowPropertiesProvider: ['type', EngineProvider],
};
