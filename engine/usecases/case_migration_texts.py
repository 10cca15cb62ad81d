"""What a migration's dry run says about a case that cannot move (or about what moving it
does), written once. The engine writes it in Chinese (the API and the command line send it
as ``message``); a page says it again in its reader's language by passing its own gettext as
``_``, the Chinese texts being the message ids of the web catalogs (as in
engine/notifications/texts.py)."""

from __future__ import annotations

from typing import Any, Protocol

from ..bpmn import migration_checks as checks


class Translate(Protocol):
    def __call__(self, text: str, **values: Any) -> str: ...


def chinese(text: str, **values: Any) -> str:
    """The message id itself: the texts are written in Chinese."""
    return text % values if values else text


class Said(Protocol):
    """What a reason is made of (engine.bpmn.migration_checks.Obstacle, and the Reason the
    use case answers with)."""

    @property
    def code(self) -> str: ...
    @property
    def bpmn_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def target_name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def target_kind(self) -> str: ...
    @property
    def fields(self) -> tuple[str, ...]: ...
    @property
    def field_labels(self) -> tuple[str, ...]: ...


# why a case is not moved that is no obstacle of its workflow's: it changed after the dry run
# the mover saw it in (its revision is not the one the move was given)
CHANGED_AFTER_DRY_RUN = "changed_after_dry_run"

# BPMN's element names (a version diff's) that are not their spec class's name with a capital
_XML_KINDS = {"callActivity": "CaseCall", "task": "NoneTask"}


def kind_name(kind: str, _: Translate = chinese) -> str:
    """An element's kind (SpiffWorkflow's spec class, or BPMN's element name: userTask) in
    the words of the designer."""
    kind = _XML_KINDS.get(kind, kind[:1].upper() + kind[1:])
    names = {
        "UserTask": _("用户任务"),
        "ScriptTask": _("脚本任务"),
        "ServiceTask": _("服务任务"),
        "ExternalServiceTask": _("外部服务任务"),
        "ManualTask": _("手工任务"),
        "NoneTask": _("任务"),
        "ReceiveTask": _("接收任务"),
        "SendTask": _("发送任务"),
        "BusinessRuleTask": _("业务规则任务"),
        "CallActivity": _("子流程"),
        "CaseCall": _("调用活动"),
        "StartEvent": _("开始事件"),
        "EndEvent": _("结束事件"),
        "IntermediateCatchEvent": _("中间捕获事件"),
        "IntermediateThrowEvent": _("中间抛出事件"),
        "BoundaryEvent": _("边界事件"),
        "ExclusiveGateway": _("排他网关"),
        "ParallelGateway": _("并行网关"),
        "InclusiveGateway": _("包容网关"),
        "EventBasedGateway": _("事件网关"),
        "ParallelMultiInstanceTask": _("并行多实例"),
        "SequentialMultiInstanceTask": _("串行多实例"),
        # one that collects its rounds' results (engine.bpmn.output_collections): the same kind to a designer
        "ParallelMultiInstanceWithOutput": _("并行多实例"),
        "SequentialMultiInstanceWithOutput": _("串行多实例"),
        "SubProcess": _("子流程"),
        "Transaction": _("事务子流程"),
        "SequenceFlow": _("连线"),
        "Lane": _("泳道"),
        "Process": _("流程"),
    }
    return names.get(kind, kind)


def element(name: str, bpmn_id: str, _: Translate = chinese) -> str:
    """「答复」（reply）: an element by its name and id; by its id alone when it has no name."""
    return _("「%(name)s」（%(id)s）", name=name, id=bpmn_id) if name else _("（%(id)s）", id=bpmn_id)


def reason_text(reason: Said, _: Translate = chinese) -> str:
    """One reason a case cannot move (or a note on what moving it does), in plain words with
    the element ids."""
    it = element(reason.name, reason.bpmn_id, _)
    target = element(reason.target_name, reason.target, _) if reason.target else ""
    fields = _("、").join(
        element(label, field, _) for field, label in zip(reason.fields, reason.field_labels, strict=True)
    )
    code = reason.code
    if code == CHANGED_AFTER_DRY_RUN:
        return _("此案件在试运行之后已有变化（已有人办理或处理过），未迁移：请重新试运行，确认后再迁移。")
    if code == checks.TASK_REMOVED:
        return _("正在办理的%(element)s在新版本中已删除，也没有映射到新版本的环节。", element=it)
    if code == checks.WAITING_REMOVED:
        return _("正在等待的%(element)s（定时器、消息、信号或调用）在新版本中已删除，也没有映射。", element=it)
    if code == checks.ACTIVE_REMOVED:
        return _("正在进行的%(element)s（多实例或子流程）在新版本中已删除，也没有映射。", element=it)
    if code == checks.PASSED_REMOVED:
        return _("案件已经过的%(element)s在新版本中已删除，也没有映射：新版本无法对应案件的历史。", element=it)
    if code == checks.TYPE_CHANGED:
        return _(
            "%(element)s是%(kind)s，映射到的%(target)s却是%(target_kind)s。",
            element=it,
            kind=kind_name(reason.kind, _),
            target=target,
            target_kind=kind_name(reason.target_kind, _),
        )
    if code == checks.FIELD_REMOVED:
        return _(
            "正在办理的%(element)s的表单在新版本中删除了本案件已有值的字段：%(fields)s。", element=it, fields=fields
        )
    if code == checks.FIELD_REQUIRED:
        return _(
            "正在办理的%(element)s的表单在新版本中要求必填本案件尚无值的字段：%(fields)s。", element=it, fields=fields
        )
    if code == checks.TIMER_RECOUNTED:
        return _("等待中的定时器%(element)s在新版本中已改变：迁移后从迁移时起重新计时。", element=it)
    return code
