"""Files made by Camunda Modeler and by bpmn.io (../shared/bpmn-corpus, never modified), uploaded
into a draft through the designer's upload (POST /api/v1/designer/drafts/upload): each loads as a
draft and the modeler's check (POST /api/v1/designer/check) says whether it deploys, or the
upload is refused, naming the file and why."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest

from tests.unit.test_specs import CORPUS

EXAMPLES = CORPUS / "camunda-bpm-examples"
BPMN_IO = CORPUS / "miwg" / "bpmn.io (Camunda Modeler) 18.6.1"

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="../shared/bpmn-corpus is not beside the repo")


def upload(api, path: Path):
    return api.post(
        "/designer/drafts/upload",
        data={"file": (BytesIO(path.read_bytes()), path.name), "note": "from the corpus"},
        content_type="multipart/form-data",
    )


def checked(api, draft_id: int) -> dict:
    xml = api.get(f"/designer/drafts/{draft_id}").get_json()["xml"]
    return api.post("/designer/check", json={"xml": xml, "filename": "x.bpmn"}).get_json()


def test_a_camunda_modeler_process_with_a_generated_form_loads_and_deploys(world):
    api = world.as_("designer")
    path = EXAMPLES / "usertask/task-form-embedded/src/main/resources/loanApproval.bpmn"
    assert b'exporter="Camunda Modeler"' in path.read_bytes()
    made = upload(api, path)
    assert made.status_code == 201, made.get_json()
    draft = made.get_json()
    assert (draft["key"], draft["filename"], draft["base_version"]) == ("embeddedFormsQuickstart", path.name, None)
    check = checked(api, draft["id"])
    assert (check["deployable"], check["processes"]) == (True, ["embeddedFormsQuickstart"])
    # deployable, with warnings: its embedded forms no page here shows, and its task assigned to
    # Camunda's demo user, who has no account here
    assert [(p["severity"], p["element_id"], p["message"]) for p in check["problems"]] == [
        (
            "warning",
            "StartEvent_1",
            "camunda:formKey 'embedded:app:start-form.html': its form is not shown (a form kept outside the "
            "process): give the start event camunda:formData fields",
        ),
        (
            "warning",
            "UserTask_1",
            "camunda:formKey 'embedded:app:task-form.html': its form is not shown (a form kept outside the "
            "process): give the task camunda:formData fields",
        ),
        (
            "warning",
            "UserTask_1",
            "user task 'UserTask_1' names the user 'demo', who has no account here: no one would get it",
        ),
    ]
    deployed = api.post(f"/designer/drafts/{draft['id']}/deploy", json={"revision": draft["revision"]})
    assert deployed.status_code == 201 and deployed.get_json()[0]["version"] == 1


def test_a_camunda_modeler_java_service_task_loads_but_is_refused_by_name(world):
    api = world.as_("designer")
    path = EXAMPLES / "servicetask/service-invocation-synchronous/src/main/resources/synchronousServiceInvocation.bpmn"
    draft = upload(api, path).get_json()
    answer = checked(api, draft["id"])
    assert answer["deployable"] is False
    java = [p for p in answer["problems"] if p["element_id"] == "ServiceTask_1"]
    assert java and java[0]["element_name"] == "Synchronous Service Task"
    assert any("camunda:class (Java classes)" in p["message"] for p in java)
    refused = api.post(f"/designer/drafts/{draft['id']}/deploy", json={"revision": draft["revision"]})
    assert refused.status_code == 422
    assert any(p["element_id"] == "ServiceTask_1" for p in refused.get_json()["problems"])


def test_a_bpmn_io_export_loads_and_deploys(world):
    api = world.as_("designer")
    path = BPMN_IO / "A.4.1-export.bpmn"
    assert b"bpmn.io" in path.read_bytes() or b"Camunda Modeler" in path.read_bytes()
    draft = upload(api, path).get_json()
    assert draft["key"] == "Process_0h42ymn"
    answer = checked(api, draft["id"])
    assert (answer["deployable"], answer["processes"]) == (True, ["Process_0h42ymn"])


def test_a_bpmn_io_export_with_a_send_task_is_refused_naming_the_task(world):
    api = world.as_("designer")
    draft = upload(api, BPMN_IO / "B.2.0-export.bpmn").get_json()
    answer = checked(api, draft["id"])
    assert answer["deployable"] is False
    send = [p for p in answer["problems"] if p["element_id"] == "Activity_0pn331p"]
    assert [(p["element_name"], p["element_type"]) for p in send] == [("Send Task 2", "sendTask")]
    assert send[0]["message"].startswith("a send task is not supported")


def test_a_camunda_modeler_decision_table_is_refused_at_upload_naming_the_file(world):
    api = world.as_("designer")
    path = EXAMPLES / "dmn-engine/dmn-engine-drg/src/main/resources/org/camunda/bpm/example/drg/dinnerDecisions.dmn"
    refused = upload(api, path)
    assert refused.status_code == 422
    [problem] = refused.get_json()["problems"]
    assert problem["file"] == "dinnerDecisions.dmn" and "not a BPMN 2.0 file" in problem["message"]
    assert api.get("/designer/drafts").get_json() == []  # nothing half-saved
