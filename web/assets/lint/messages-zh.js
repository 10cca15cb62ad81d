/* The problems in Chinese: bpmnlint's messages (exact), our rules' and the engine's deploy
 * checks' (patterns, the details they carry kept as written). A pattern's third item lists
 * the captures that are element ids: the page names those elements by their names (nameOf).
 * A message no entry knows stays as the engine wrote it: it still names the element, and the
 * list names the element in Chinese beside it. */

export var exact = {
  // bpmnlint (recommended set)
  'Element is missing label/name': '缺少名称',
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
  // the engine's (engine/bpmn/checks.py and its neighbours)
  'a send task is not supported: messages are delivered from outside (POST /api/v1/messages)':
    '不支持发送任务：消息只能从外部送达（POST /api/v1/messages）',
  'throwing a message is not supported: messages are delivered from outside (POST /api/v1/messages)':
    '不支持抛出消息：消息只能从外部送达（POST /api/v1/messages）',
  'sequence flow without an id (it would be silently dropped)': '连线没有标识（会被忽略）',
  'the document is empty': '文件是空的',
  'no executable process (isExecutable="true")': '没有可执行的流程（isExecutable="true"）',
};

export var patterns = [
  // ours
  [/^Form field <(.*)> is not a valid name$/, '表单字段「$1」的标识不是合法名称（字母或汉字开头，只含字母、汉字、数字和 _）'],
  [/^Form field <(.*)> is declared twice$/, '表单字段「$1」重复定义'],
  [/^Element <(.+)> cannot be run by this engine$/, '本引擎不能运行此类元素（$1）'],
  [/^<(.+)> is not run by this engine$/, '本引擎不运行 $1（Java 类、委托表达式、连接器等）：请改用表达式 ${…} 或 Python 脚本'],
  [/^<camunda:type> (.+) is not run by this engine$/, '本引擎不运行 camunda:type「$1」：服务任务只能是外部任务（external）'],
  [/^Script format <(.+)> is not run by this engine: scripts are Python$/, '脚本格式「$1」不受支持：脚本只能用 Python'],
  // the engine's
  [/^branch of gateway '(.+)' has no condition and is not its default$/, '网关「$1」的分支没有条件，也不是默认分支', [1]],
  [/^user task '(.*)' names nobody who may do it.*$/, '用户任务「$1」没有办理人：请填写候选组（camunda:candidateGroups）等，或设置流程的 default_group'],
  [/^process '(.+)' has no start event$/, '流程「$1」没有开始事件', [1]],
  [/^process '(.+)' is empty: nothing follows its start event.*$/, '流程「$1」是空的：开始事件之后什么也没有，案件无法办理', [1]],
  [/^process '(.+)' cannot be started: .*$/, '流程「$1」无法发起：开始事件所等的事件无从送达，请改用空白、定时、消息或信号开始事件', [1]],
  [/^unsupported element bpmn:(\w+): the engine cannot run it$/, '本引擎不能运行 bpmn:$1'],
  [/^(camunda|activiti):(\w+) \((.+)\): this engine does not run them; use a script task \(Python\) instead$/,
    '本引擎不运行 $1:$2（$3）：请改用 Python 脚本任务'],
  [/^form field id '(.+)' is not an identifier$/, '表单字段标识「$1」不是合法名称'],
  [/^form field '(.+)' declared twice$/, '表单字段「$1」重复定义'],
  [/^form field '(.+)' has unsupported type '(.+)' \(use one of (.+)\)$/, '表单字段「$1」的类型「$2」不受支持（可用：$3）'],
  [/^enum field '(.+)' has no values$/, '选项字段「$1」没有选项'],
  [/^(sourceRef|targetRef) '(.*)' names no element of this process$/, '连线的 $1「$2」不是本流程的元素'],
  [/^duplicate id '(.+)'$/, '标识「$1」重复'],
  // what deploy alone finds (it needs the deployed processes): engine/usecases/definitions.py
  [/^call activity calls process '(.+)', which is not deployed.*$/, '调用的流程「$1」尚未部署：请先部署它，或与本流程一同部署'],
  [/^not well-formed XML: (.*)$/, 'XML 格式错误：$1'],
  [/^not a BPMN 2.0 file: (.*)$/, '不是 BPMN 2.0 文件：$1'],
  [/^XSD: (.*)$/, '不符合 BPMN 规范（XSD）：$1'],
  [/^message '(.+)' is not declared with a name$/, '消息「$1」没有声明名称'],
  [/^scriptFormat '(.+)' is not run by this engine.*$/, '脚本格式「$1」不受支持：脚本只能用 Python'],
  [/^(condition|timer expression|script|loopCardinality): (.*)$/, function (_, what, detail) {
    var names = { condition: '条件', 'timer expression': '定时表达式', script: '脚本', loopCardinality: '循环次数' };
    return names[what] + '有误：' + detail;
  }],
  [/^empty (condition|timer expression|script|loopCardinality)$/, function (_, what) {
    var names = { condition: '条件', 'timer expression': '定时表达式', script: '脚本', loopCardinality: '循环次数' };
    return names[what] + '是空的';
  }],
  [/^timer (timeDate|timeDuration|timeCycle) '(.*)' is not an ISO 8601 .* nor an expression$/,
    '定时「$2」既不是 ISO 8601 的日期、时长或周期，也不是表达式'],
  [/^(.+) calls (\w+)\(\), the old date arithmetic.*: use (\w+)\(\).*$/, '$1 调用了旧的日期函数 $2()：请改用 $3()（按法定方式计算期限）'],
  [/^(.+): not in the supported JUEL subset: (.*)$/, '$1：不在支持的 JUEL 子集内（$2）'],
  [/^sequence flow from '(.+)' to '(.+)' has no id: given the id '(.+)'$/, '从「$1」到「$2」的连线没有标识，已自动设为「$3」', [1, 2]],
  // what deploy reads the BPMN way and says so (engine/bpmn/flow_repair.py, compensation.py,
  // external_elements.py, references.py): warnings
  [/^(\d+) sequence flows leave '(.+)': all are taken \(a parallel gateway '(.+)' was added\)$/,
    '有 $1 条连线从「$2」引出，每条都会走（并行分支）：部署时自动加入并行网关「$3」', [2]],
  [/^(\d+) sequence flows leave '(.+)': those whose condition holds are taken \(an inclusive gateway '(.+)' was added\)$/,
    '有 $1 条连线从「$2」引出，条件成立的都会走：部署时自动加入包容网关「$3」', [2]],
  [/^no sequence flow leaves '(.+)': its path ends there \(an end event '(.+)' was added\)$/,
    '「$1」没有出口连线，流程走到这里即结束：部署时自动加入结束事件「$2」', [1]],
  [/^element id '(.+)' is the engine's own name for a process's first or last step: read as '(.+)'$/,
    '标识「$1」是引擎保留给流程首尾步骤的名称：已改读为「$2」'],
  [/^compensation boundary event has no handler: compensating '(.+)' does nothing$/,
    '补偿边界事件没有关联补偿处理：补偿「$1」时什么也不做', [1]],
  [/^the message (end|throw) event '(.+)' is run as an external service task(; its path ends after the worker answers)?$/,
    function (_, kind, id, ends) {
      return (kind === 'end' ? '消息结束事件' : '消息抛出事件') + '「' + id + '」按外部任务运行' +
        (ends ? '：外部程序答复后，这条路径结束' : '');
    }, [2]],
  [/^errorRef '(.+)' names no <error>: read as the error code '(.+)' \(as Camunda reads it\)$/,
    'errorRef「$1」没有对应的 <error>：按 Camunda 的做法读作错误代码「$2」'],
];

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
        if (typeof replacement === 'function') { return replacement.apply(null, groups); }
        return replacement.replace(/\$(\d)/g, function (_, n) { return groups[n] === undefined ? '' : groups[n]; });
      });
    }
  }
  return message;
}
