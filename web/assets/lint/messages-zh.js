/* The problems in Chinese: bpmnlint's messages (exact) and our rules' (patterns) here, the
 * engine's deploy checks' in ./engine-messages-zh.json (the one table the server's pages read
 * too: web/engine_messages.py), the details they carry kept as written. A pattern's third item
 * lists the captures that are element ids: the page names those elements by their names
 * (nameOf). A message no entry knows stays as the engine wrote it: it still names the element,
 * and the list names the element in Chinese beside it. */

import engineMessages from './engine-messages-zh.json';

export var exact = {
  // bpmnlint (recommended set)
  'Element is missing label/name': '缺少名称（建议填写：待办、案件页和流程图上以名称称呼它；不影响部署）',
  'Element is not connected': '没有连线，孤立在图中',
  'Element is an implicit end': '没有出口连线：请连到结束事件',
  'Element is an implicit start': '没有入口连线：请从开始事件连过来',
  'Element is missing bpmndi': '流程图中没有画出此元素',
  'Flow splits implicitly': '一个元素引出多条连线：请用网关分支',
  'Gateway forks and joins': '网关同时汇合又分支：请拆成两个网关',
  'Gateway is superfluous. It only has one source and target.': '网关多余：只有一进一出',
  'Incoming flows do not join': '多条入口连线未经网关汇合',
  'Element overlaps with other element': '与其他元素重叠',
  'Element is outside of parent boundary': '超出所在容器的边界',
  'SequenceFlow is a duplicate': '重复的连线',
  'Duplicate outgoing sequence flows': '重复的出口连线',
  'Duplicate incoming sequence flows': '重复的入口连线',
  'Process is missing start event': '流程缺少开始事件',
  'Process is missing end event': '流程缺少结束事件',
  'Sub Process is missing start event': '子流程缺少开始事件',
  'Sub Process is missing end event': '子流程缺少结束事件',
  'Process has multiple blank start events': '流程有多个空白开始事件',
  'Sub Process has multiple blank start events': '子流程有多个空白开始事件',
  'Event has multiple event definitions': '事件有多个事件定义',
  'Start event must be blank': '子流程的开始事件必须是空白的',
  'Start event is missing event definition': '事件子流程的开始事件缺少事件定义',
  'Termination is superfluous.': '终止结束事件多余',
  'Element is missing name': '缺少名称',
  'Element is unused': '定义了但未使用',
  'Element name is not unique': '名称重复',
  'Link event is missing link name': '链接事件缺少链接名称',
  'Sequence flow is missing condition': '分支缺少条件',
  'An <Event-based Gateway> must have at least 2 outgoing <Sequence Flows>': '事件网关至少要有两条出口连线',
  'A <Sequence Flow> outgoing from an <Event-based Gateway> must not be conditional': '事件网关的出口连线不能带条件',
  'Element type <bpmn:ComplexGateway> is discouraged': '本引擎不支持复杂网关',
  'A <Start Event> is not allowed in <Ad Hoc Sub Process>': '自由子流程中不能有开始事件',
  'An <End Event> is not allowed in <Ad Hoc Sub Process>': '自由子流程中不能有结束事件',
  // ours (./rules)
  'User task names nobody who may do it': '没有办理人：请填写办理人、候选用户或候选组，或放入泳道，或设置流程的 default_group',
  'User task has no form fields': '没有表单字段',
  'Branch has no condition and is not the default': '分支没有条件，也不是默认分支',
  'Branch has no name': '分支没有名称：请写明走这条分支的情形',
  'Timer has no date, duration or cycle': '定时没有设置日期、时长或周期',
  'A send task is not supported: messages come from outside': '本引擎不支持发送任务：消息只能从外部送达',
  'Throwing a message is not supported: messages come from outside': '本引擎不支持抛出消息：消息只能从外部送达',
  'Start or end event has no name': '没有名称（建议填写，流程图上便于辨认；不影响部署）',
};

var ours = [  // our rules' (./rules)
  [/^Form field <(.*)> is not a valid name$/, '表单字段「$1」的标识不是合法名称（字母或汉字开头，只含字母、汉字、数字和 _）'],
  [/^Form field <(.*)> is declared twice$/, '表单字段「$1」重复定义'],
  [/^Element <(.+)> cannot be run by this engine$/, '本引擎不能运行此类元素（$1）'],
  [/^<(.+)> is not run by this engine$/, '本引擎不运行 $1（Java 类、委托表达式、连接器等）：请改用表达式 ${…} 或 Python 脚本'],
  [/^<camunda:type> (.+) is not run by this engine$/, '本引擎不运行 camunda:type「$1」：服务任务只能是外部任务（external）'],
  [/^Script format <(.+)> is not run by this engine: scripts are Python$/, '脚本格式「$1」不受支持：脚本只能用 Python'],
  // what bpmn-js could not read as written (web/static/js/designer.js: the import's warnings)
  [/^The modeler cannot read this line as written \(([\s\S]+)\): opened in the diagram, it would be left out$/,
    '设计器无法照原样读入这一行（$1）：在流程图中打开会丢掉它，请在 XML 中改正'],
  [/^The modeler cannot read (.+) as written \(duplicate ID <(.+)>\): opened in the diagram, it would be left out$/,
    '设计器无法照原样读入此处的 $1：标识「$2」前面已有元素使用，在流程图中打开会丢掉它，请在 XML 中改用另一个标识'],
  [/^The modeler cannot read (.+) as written \(illegal ID <(.*)>\): opened in the diagram, it would be left out$/,
    '设计器无法照原样读入此处的 $1：标识「$2」不是合法的 XML 名称（字母或 _ 开头），在流程图中打开会丢掉它，请在 XML 中改正'],
  [/^The modeler cannot read (.+) as written \(unknown type <(.+)>\): opened in the diagram, it would be left out$/,
    '设计器无法照原样读入此处的 $1：不认识类型 $2，在流程图中打开会丢掉它，请在 XML 中改正'],
  [/^The modeler cannot read (.+) as written \(([\s\S]+)\): opened in the diagram, it would be left out$/,
    '设计器无法照原样读入此处的 $1（$2）：在流程图中打开会丢掉或改动它，请在 XML 中改正'],
];

// ours, then the engine's ({pattern, zh, ids} as [pattern, replacement, ids])
export var patterns = ours.concat(engineMessages.messages.map(function (entry) {
  return [new RegExp(entry.pattern), entry.zh, entry.ids || []];
}));

/* One message in Chinese, or as it was when nothing here knows it; nameOf(id), when given,
 * names the elements the message names by id (their name, or the id when they have none). */
export function inChinese(message, nameOf) {
  if (Object.prototype.hasOwnProperty.call(exact, message)) { return exact[message]; }
  for (var i = 0; i < patterns.length; i++) {
    var pattern = patterns[i][0];
    var replacement = patterns[i][1];
    var ids = patterns[i][2] || [];
    if (pattern.test(message)) {
      return message.replace(pattern, function () {
        // (match, captures..., offset, whole): the patterns have no named groups
        var groups = Array.prototype.slice.call(arguments, 0, arguments.length - 2);
        ids.forEach(function (n) {
          if (nameOf && groups[n]) { groups[n] = nameOf(groups[n]); }
        });
        return replacement.replace(/\$(\d)/g, function (_, n) { return groups[n] === undefined ? '' : groups[n]; });
      });
    }
  }
  return message;
}
