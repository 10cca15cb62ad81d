"""The diff page carries what web/static/js/diff.js draws: the older and the newer diagram (a
version's layout, or the draft's XML from the API), the legend, the removed elements by name,
and the list whose rows say each element's change; and the modeler page the problems panel."""

from __future__ import annotations

from engine.usecases import drafts
from tests.conftest import FIXTURES
from tests.web.conftest import text_of
from tests.world import act

REVIEW = (FIXTURES / "review.bpmn").read_text()
# 登记 renamed
RENAMED = REVIEW.replace('name="登记"', 'name="登记分类"')


def test_the_diff_of_two_versions_draws_both_diagrams(app, as_user):
    client = as_user("designer")
    act(app, "designer", drafts.create_draft, RENAMED, "review.bpmn")
    [draft] = act(app, "designer", drafts.list_drafts)
    act(app, "designer", drafts.deploy_draft, draft.id, draft.revision, "改名")
    page = text_of(client.get("/designer/processes/review/diff?old=1&new=2"))
    assert 'id="diagram-old" class="diagram" data-side="old"' in page
    assert 'data-xml-url="/designer/processes/review/v1/diagram"' in page
    assert 'data-xml-url="/designer/processes/review/v2/diagram"' in page
    assert '<tr data-element="register" data-status="changed" class="diff-changed">' in page
    assert "js/diff.js" in page and "bpmn-navigated-viewer.production.min.js" in page


def test_the_diff_of_a_draft_draws_it_from_the_api_and_names_what_it_removes(app, as_user):
    client = as_user("designer")
    without_supervision = REVIEW.replace("<bpmn:flowNodeRef>supervised_end</bpmn:flowNodeRef>", "").replace(
        '<bpmn:endEvent id="supervised_end" name="督办完成" />', ""
    )
    assert without_supervision != REVIEW
    draft = act(
        app,
        "designer",
        drafts.create_draft,
        without_supervision.replace(
            '<bpmn:sequenceFlow id="f_t2" sourceRef="supervise" targetRef="supervised_end" />', ""
        ),
        "review.bpmn",
    )
    page = text_of(client.get(f"/designer/processes/drafts/{draft.id}/diff"))
    assert f'data-xml-url="/designer/processes/drafts/{draft.id}/diagram"' in page
    assert 'id="diff-removed">删除的元素：' in page and '<a href="#" data-element="supervised_end">督办完成</a>' in page


def test_the_modeler_page_has_the_problem_list_and_asks_the_check(app, as_user):
    page = text_of(as_user("designer").get("/designer/new"))
    assert 'data-check-url="/api/v1/designer/check"' in page
    assert 'data-helpers-url="/api/v1/designer/date-helpers"' in page
    assert '<ol id="lint-list" class="lint-list"' in page and 'id="deploy-blocked" hidden' in page


def test_a_drafts_diagram_for_the_diff_has_a_layout_even_when_uploaded_without_one(app, as_user):
    plain = (FIXTURES / "review.bpmn").read_text()  # no bpmndi: a file written by hand
    draft = act(app, "designer", drafts.create_draft, plain, "review.bpmn")
    client = as_user("designer")
    served = client.get(f"/designer/processes/drafts/{draft.id}/diagram")
    assert served.status_code == 200 and served.mimetype == "application/xml"
    assert "BPMNDiagram" in served.get_data(as_text=True) and "BPMNDiagram" not in plain
    assert as_user("office1").get(f"/designer/processes/drafts/{draft.id}/diagram").status_code == 403
