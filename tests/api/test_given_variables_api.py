"""What comes into a case from outside its forms follows one rule at every door
(engine/usecases/given_variables.py): a message (API and command line), a signal, a trigger and
a worker's answer about an external task refuse the variable names scripts cannot read, and
convert the variables a form of the process declares to the type it declares (refusing what
that type does not take), naming each at ``variables.<name>``, nothing stored. A message's
business key is taken without the spaces around it (spaces only: refused), and a message start
event refuses a business key a running case of its process already has (409 naming it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.usecases import cases
from tests.world import act
from tests.world import deploy as deploy_files

# start form: 标题 and 金额 (long); then a worker (topic pay_check), then the message "payment",
# then the office's check, whose form declares 到账日期 (date) and 已付 (boolean)
TYPED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="typed_defs" targetNamespace="http://congressflow.example/test">
  <bpmn:message id="payment_msg" name="payment" />
  <bpmn:message id="report_msg" name="new_report" />
  <bpmn:process id="typed_vars" name="付款核对（测试）" isExecutable="true">
    <bpmn:startEvent id="start">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="subject" label="标题" type="string" />
          <camunda:formField id="amount" label="金额" type="long" />
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check_payment" />
    <bpmn:serviceTask id="check_payment" name="查询付款" camunda:type="external" camunda:topic="pay_check" />
    <bpmn:sequenceFlow id="f2" sourceRef="check_payment" targetRef="wait_payment" />
    <bpmn:receiveTask id="wait_payment" name="等待付款" messageRef="payment_msg" />
    <bpmn:sequenceFlow id="f3" sourceRef="wait_payment" targetRef="check" />
    <bpmn:userTask id="check" name="核对" camunda:candidateGroups="office">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="paid_on" label="到账日期" type="date" />
          <camunda:formField id="paid" label="已付" type="boolean" />
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="check" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
  <bpmn:process id="reports" name="报告（测试）" isExecutable="true">
    <bpmn:startEvent id="received" name="收到报告">
      <bpmn:messageEventDefinition messageRef="report_msg" />
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="g1" sourceRef="received" targetRef="read" />
    <bpmn:userTask id="read" name="阅读报告" camunda:candidateGroups="office">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="pages" label="页数" type="long" />
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="g2" sourceRef="read" targetRef="end2" />
    <bpmn:endEvent id="end2" />
  </bpmn:process>
</bpmn:definitions>
"""

WORKER = {"topic_name": "pay_check", "lock_duration": 60_000}


@pytest.fixture
def typed(world, tmp_path: Path):
    path = tmp_path / "typed_vars.bpmn"
    path.write_text(TYPED, encoding="utf-8")
    deploy_files(world.factory, path)
    return world


def start(world, **data) -> int:
    return act(world.factory, "clerk", cases.start_instance, "typed_vars", {"subject": "付款", **data}).id


def variables(world, case_id: int) -> dict:
    return world.as_("admin").get(f"/instances/{case_id}").get_json()["variables"]


def locked_task(world) -> int:
    fetched = world.as_("admin").post("/external-tasks/fetch-and-lock", json={"worker_id": "w1", "topics": [WORKER]})
    [task] = fetched.get_json()
    return task["id"]


def at_the_message(world, **data) -> int:
    """A case past its worker, waiting for the message "payment"."""
    case_id = start(world, **data)
    done = world.as_("admin").post(f"/external-tasks/{locked_task(world)}/complete", json={"worker_id": "w1"})
    assert done.status_code == 200, done.get_json()
    return case_id


def fields_of(response) -> dict:
    body = response.get_json()
    return {name: (code["code"], code["params"]) for name, code in body["codes"].items()}


def test_a_message_refuses_the_names_a_worker_is_refused(typed):
    admin = typed.as_("admin")
    case_id = at_the_message(typed, amount=100)
    for bad in ("bad-name", "__builtins__", "1st", "bad name"):
        refused = admin.post("/messages", json={"name": "payment", "variables": {bad: 1, "note": "好"}})
        assert refused.status_code == 422, refused.get_json()
        assert fields_of(refused) == {f"variables.{bad}": ("variable_name", {})}
    worker = admin.post(
        f"/external-tasks/{locked_task_of_new_case(typed)}/complete",
        json={"worker_id": "w1", "variables": {"bad-name": 1}},
    )
    assert worker.status_code == 422 and fields_of(worker) == {"variables.bad-name": ("variable_name", {})}
    stored = variables(typed, case_id)
    assert "bad-name" not in stored and "__builtins__" not in stored and "note" not in stored
    # nothing moved: the case still waits for the message
    assert admin.post("/messages", json={"name": "payment", "instance_id": case_id}).status_code == 200


def locked_task_of_new_case(world) -> int:
    start(world, amount=1)
    return locked_task(world)


def test_signals_and_triggers_refuse_them_too(typed):
    admin = typed.as_("admin")
    signal = admin.post("/signals", json={"name": "anything", "variables": {"_x": 1}})
    assert signal.status_code == 422 and fields_of(signal) == {"variables._x": ("variable_name", {})}
    case_id = start(typed, amount=1)
    trigger = admin.post(f"/instances/{case_id}/trigger", json={"element": "wait_payment", "variables": {"a-b": 1}})
    assert trigger.status_code == 422 and fields_of(trigger) == {"variables.a-b": ("variable_name", {})}


def test_a_worker_cannot_put_text_into_a_number_field(typed):
    admin = typed.as_("admin")
    case_id = start(typed, amount=100)
    task = locked_task(typed)
    refused = admin.post(f"/external-tasks/{task}/complete", json={"worker_id": "w1", "variables": {"amount": "abc"}})
    assert refused.status_code == 422, refused.get_json()
    assert fields_of(refused) == {"variables.amount": ("not_a_number", {})}
    assert refused.get_json()["fields"] == {"variables.amount": "金额: not a whole number"}
    assert variables(typed, case_id)["amount"] == 100
    error = admin.post(
        f"/external-tasks/{task}/bpmn-error",
        json={"worker_id": "w1", "error_code": "x", "variables": {"paid_on": "2026-02-30"}},
    )
    assert error.status_code == 422 and fields_of(error) == {
        "variables.paid_on": ("no_such_date", {"day": "2026-02-30"})
    }
    # the same answer, as the type takes it: "150" is the number 150; what no form declares is free
    done = admin.post(
        f"/external-tasks/{task}/complete",
        json={"worker_id": "w1", "variables": {"amount": "150", "receipt": {"no": "R1", "ok": True}}},
    )
    assert done.status_code == 200, done.get_json()
    stored = variables(typed, case_id)
    assert stored["amount"] == 150 and stored["receipt"] == {"no": "R1", "ok": True}


def test_a_message_cannot_put_a_wrong_type_into_a_declared_field(typed):
    admin = typed.as_("admin")
    case_id = at_the_message(typed)  # started without 金额
    refused = admin.post(
        "/messages",
        json={"name": "payment", "variables": {"amount": "abc", "paid_on": "soon", "paid": "perhaps", "free": "x"}},
    )
    assert refused.status_code == 422, refused.get_json()
    assert fields_of(refused) == {
        "variables.amount": ("not_a_number", {}),
        "variables.paid_on": ("not_a_date", {}),
        "variables.paid": ("not_boolean", {}),
    }
    assert {"amount", "paid_on", "paid", "free"}.isdisjoint(variables(typed, case_id))
    sent = admin.post(
        "/messages", json={"name": "payment", "variables": {"amount": "120", "paid": "true", "paid_on": "2026-12-01"}}
    )
    assert sent.status_code == 200, sent.get_json()
    stored = variables(typed, case_id)
    assert (stored["amount"], stored["paid"], stored["paid_on"]) == (120, True, "2026-12-01")


def test_a_message_start_checks_the_types_of_the_process_it_starts(typed):
    admin = typed.as_("admin")
    refused = admin.post("/messages", json={"name": "new_report", "business_key": "RPT-1", "variables": {"pages": "x"}})
    assert refused.status_code == 422 and fields_of(refused) == {"variables.pages": ("not_a_number", {})}
    assert admin.get("/instances?process=reports").get_json()["total"] == 0


def test_the_command_line_message_follows_the_same_rule(typed):
    case_id = at_the_message(typed)
    runner = typed.app.test_cli_runner()
    bad_name = runner.invoke(args=["message", "payment", "--var", "bad-name=1", "--user", "admin"])
    assert bad_name.exit_code == 1 and "variables.bad-name" in bad_name.output
    bad_type = runner.invoke(args=["message", "payment", "--var", "amount=abc", "--user", "admin"])
    assert bad_type.exit_code == 1 and "variables.amount" in bad_type.output and "not a whole number" in bad_type.output
    assert {"amount", "bad-name"}.isdisjoint(variables(typed, case_id))
    sent = runner.invoke(args=["message", "payment", "--var", "amount=150", "--user", "admin", "--json"])
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.output)["instance_ids"] == [case_id]
    assert variables(typed, case_id)["amount"] == 150


def test_a_business_key_is_trimmed_and_one_of_spaces_only_refused(typed):
    admin = typed.as_("admin")
    blank = admin.post("/messages", json={"name": "new_report", "business_key": "   "})
    assert blank.status_code == 422, blank.get_json()
    assert fields_of(blank) == {"business_key": ("length_out_of_range", {"min": 1, "max": 200})}
    assert admin.get("/instances?process=reports").get_json()["total"] == 0
    both = admin.post("/messages", json={"name": "new_report", "business_key": " ", "variables": {"a-b": 1}})
    assert set(fields_of(both)) == {"business_key", "variables.a-b"}
    started = admin.post("/messages", json={"name": "new_report", "business_key": "  RPT-1 "})
    assert started.status_code == 200, started.get_json()
    [case_id] = started.get_json()["started"]
    assert admin.get(f"/instances/{case_id}").get_json()["business_key"] == "RPT-1"
    runner = typed.app.test_cli_runner()
    cli_blank = runner.invoke(args=["message", "new_report", "--business-key", " ", "--user", "admin"])
    assert cli_blank.exit_code == 1 and "business_key" in cli_blank.output


def test_a_message_start_refuses_a_business_key_a_running_case_has(typed):
    admin = typed.as_("admin")
    first = admin.post("/messages", json={"name": "new_report", "business_key": "RPT-1"})
    [case_id] = first.get_json()["started"]
    again = admin.post("/messages", json={"name": "new_report", "business_key": " RPT-1"})
    assert again.status_code == 409, again.get_json()
    assert f"running case {case_id} of 'reports' has the business key 'RPT-1'" in again.get_json()["message"]
    assert f"在办案件 #{case_id} 的编号" in again.get_json()["said"]["text"]
    assert admin.get("/instances?process=reports").get_json()["total"] == 1
    runner = typed.app.test_cli_runner()
    cli = runner.invoke(args=["message", "new_report", "--business-key", "RPT-1", "--user", "admin"])
    assert cli.exit_code == 3 and f"running case {case_id}" in cli.output
    # another key starts another case; once the first case is cancelled its key is free again
    assert admin.post("/messages", json={"name": "new_report", "business_key": "RPT-2"}).status_code == 200
    act(typed.factory, "admin", cases.cancel_instance, case_id, "重复")
    reused = admin.post("/messages", json={"name": "new_report", "business_key": "RPT-1"})
    assert reused.status_code == 200, reused.get_json()
    assert admin.get("/instances?process=reports").get_json()["total"] == 3
