"""The process designer read in English: the date helpers the modeler suggests, the new
process it opens, its punctuation (": ", never the full-width "：") and its counts (1 warning,
2 warnings); Chinese stays as it was. And the new-process-from-a-template form: checked by the
server, refused on the designer's page with a summary linking each field, the input kept."""

from __future__ import annotations

import html
import json
import re

from engine.usecases import cases
from tests.conftest import FIXTURES
from tests.web.conftest import text_of
from tests.world import act, deploy

REVIEW = (FIXTURES / "review.bpmn").read_text()
# a branch to an element that is not there: deploy refuses it, at the flow
BROKEN = REVIEW.replace(
    '<bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="set_due" />',
    '<bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="nowhere" />',
)
HAN = re.compile(r"[\u3400-\u9fff]")


def helpers(c) -> dict[str, str]:
    answer = c.get("/api/v1/designer/date-helpers")
    assert answer.status_code == 200
    return {h["expression"]: h["label"] for h in answer.get_json()}


def said(page: str, element_id: str, name: str) -> object:
    """A text the page hands its script: data-NAME of the element #ELEMENT_ID, a list of the
    forms for one and for more than one when it is JSON."""
    tag = re.search(rf'<[a-z]+ id="{element_id}"[^>]*>', page).group(0)
    value = html.unescape(re.search(rf'data-{name}="([^"]*)"', tag).group(1))
    return json.loads(value) if value.startswith("[") else value


def test_the_date_helpers_follow_the_pages_language(as_user):
    c = as_user("designer")
    chinese = helpers(c)
    assert chinese["${deadline_in_working_days(10)}"] == "今天起 10 个工作日"
    assert chinese["${deadline_in_months(setting('proposal.reply_months'))}"] == (
        "代表建议答复期限（期限设置 proposal.reply_months）"
    )
    c.get("/lang/en")
    english = helpers(c)
    assert english.keys() == chinese.keys()  # the same suggestions, only said otherwise
    assert english["${deadline_in_working_days(10)}"] == "10 working days from today"
    assert english["${deadline_after_months(start, 3)}"] == "3 months from start"
    assert english["${deadline_extended_by_days(deadline, 30)}"] == "The deadline extended by 30 days"
    assert english["${deadline_in_months(setting('proposal.reply_months'))}"] == (
        "Deadline setting proposal.reply_months: reply to a deputy's suggestion, from assignment"
    )
    assert [label for label in english.values() if HAN.search(label) or "：" in label] == []


def test_a_new_process_is_offered_named_in_the_readers_language(as_user):
    c = as_user("designer")
    chinese = html.unescape(text_of(c.get("/designer/new")))
    assert 'name="新流程"' in chinese and '<bpmn:startEvent id="start" name="开始" />' in chinese
    c.get("/lang/en")
    page = c.get("/designer/new")
    assert page.status_code == 200
    english = html.unescape(text_of(page))
    assert 'name="New process"' in english and '<bpmn:startEvent id="start" name="Start" />' in english
    assert "新流程" not in english and 'name="开始"' not in english
    # saved, the names are the designer's: kept as written, whoever reads the draft next
    xml = re.search(r'<textarea name="xml" id="xml"[^>]*>(.*?)</textarea>', page.get_data(as_text=True), re.S)
    saved = c.post("/designer/drafts/save", data={"xml": html.unescape(xml.group(1)), "filename": "new_process.bpmn"})
    assert saved.status_code == 302
    c.get("/lang/zh_CN")
    reopened = html.unescape(text_of(c.get(saved.headers["Location"])))
    assert 'name="New process"' in reopened and 'name="Start"' in reopened


def test_the_refused_deploy_is_counted_and_said_with_english_punctuation(as_user):
    c = as_user("designer")
    c.get("/lang/en")
    refused = c.post("/designer/deploy", data={"xml": BROKEN, "filename": "review.bpmn"})
    assert refused.status_code == 422
    page = text_of(refused)
    summary = re.search(r'<small id="lint-summary"[^>]*>(.*?)</small>', page).group(1).strip()
    assert summary == "1 error, 0 warnings, 0 notes"
    row = re.search(r'<li class="lint-error" data-element="f2".*?</li>', page).group(0)
    assert '<span class="lint-message">: ' in row and "：" not in row
    # what the script says as the list changes: one and more than one, the colon, the join
    assert said(page, "lint-summary", "warnings") == ["{n} warning", "{n} warnings"]
    assert said(page, "lint-summary", "errors") == ["{n} error", "{n} errors"]
    assert said(page, "lint-summary", "join") == ", "
    assert said(page, "lint-list", "colon") == ": "
    assert said(page, "lint-list", "confirm-warnings") == [
        "There is still {n} warning. Deploy all the same?",
        "There are still {n} warnings. Deploy all the same?",
    ]


def test_the_chinese_modeler_counts_and_joins_as_before(as_user):
    c = as_user("designer")
    page = text_of(c.post("/designer/deploy", data={"xml": BROKEN, "filename": "review.bpmn"}))
    assert re.search(r'<small id="lint-summary"[^>]*>\s*1 个错误，0 个警告，0 条提示\s*</small>', page)
    assert '<span class="lint-message">：' in page
    assert said(page, "lint-list", "colon") == "："
    assert said(page, "lint-list", "confirm-warnings") == ["还有 {n} 个警告。仍要部署吗？"] * 2
    assert said(page, "lint-summary", "join") == "，"


def test_the_designers_english_pages_have_no_full_width_colon(as_user):
    c = as_user("designer")
    renamed = REVIEW.replace('name="登记"', 'name="登记分类"').replace(
        'camunda:candidateGroups="office" camunda:formKey="register"',
        'camunda:candidateGroups="finance" camunda:formKey="register"',
    )
    c.get("/lang/en")
    assert c.post("/designer/deploy", data={"xml": renamed, "filename": "review.bpmn"}).status_code == 302
    front = c.get("/designer/")
    assert "Deployed: 意见办理（测试） (review) v2" in text_of(front)  # the flash: the key in ASCII brackets
    diff = text_of(c.get("/designer/processes/review/diff?old=1&new=2"))
    assert "<h1>Compare versions: 意见办理（测试） <code>review</code>" in diff
    assert "<li><code>camunda:candidateGroups</code>: “office” → “finance”</li>" in diff
    # what became of the element: "Changed" (a diff's word), not the verb of a button
    assert '<tr data-element="register" data-status="changed" class="diff-changed"><td>Changed</td>' in diff
    assert '<span class="l-changed">Changed</span>' in diff and "Removed (marked on the older" in diff
    for page in (front, c.get("/designer/new"), c.get("/designer/processes/review/diff?old=1&new=2")):
        assert "：" not in text_of(page)


def test_removed_elements_are_listed_with_an_english_comma(as_user):
    c = as_user("designer")
    # v2 without 登记: the task and the flow out of it removed, the start's flow goes on to set_due
    without = re.sub(r'<bpmn:userTask id="register".*?</bpmn:userTask>', "", REVIEW, count=1, flags=re.S)
    without = without.replace('<bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="set_due" />', "")
    without = without.replace('targetRef="register"', 'targetRef="set_due"')
    without = without.replace("<bpmn:flowNodeRef>register</bpmn:flowNodeRef>", "")
    deployed = c.post("/designer/deploy", data={"xml": without, "filename": "review.bpmn"})
    assert deployed.status_code == 302, text_of(deployed)[:2000]
    c.get("/lang/en")
    diff = text_of(c.get("/designer/processes/review/diff?old=1&new=2"))
    listed = re.search(r'<p id="diff-removed">(.*?)</p>', diff).group(1)
    assert listed == (
        'Removed elements: <a href="#" data-element="register">登记</a>, <a href="#" data-element="f2">f2</a>'
    )
    assert '<tr data-element="f2" data-status="removed" class="diff-removed"><td>Removed</td>' in diff
    c.get("/lang/zh_CN")
    chinese = text_of(c.get("/designer/processes/review/diff?old=1&new=2"))
    assert '登记</a>、<a href="#" data-element="f2">' in chinese


def template_form(page: str) -> str:
    return re.search(r'<section class="card" id="templates">.*?</section>', page).group(0)


def test_the_template_form_is_checked_by_the_server_and_comes_back_with_what_was_typed(as_user):
    c = as_user("designer")
    form = template_form(text_of(c.get("/designer/")))
    assert "novalidate" in form and 'id="form-errors"' not in form
    refused = c.post("/designer/drafts/from-template", data={"template": "unit_round", "key": "9 x", "name": ""})
    assert refused.status_code == 422
    page = text_of(refused)
    assert "<h1>流程设计器</h1>" in page  # the designer's page, not a bare error page
    form = template_form(page)
    summary = re.search(r'<div class="flash error" role="alert" id="form-errors".*?</div>', form).group(0)
    assert "有 2 项需要修改：" in summary
    assert '<a href="#tpl-key">流程标识：流程标识须以字母或 _ 开头' in summary
    assert '<a href="#tpl-name">流程名称：必填</a>' in summary
    # each link's target is its field, marked and saying why beside it; what was typed is kept
    assert re.search(
        r'<input name="key" id="tpl-key" value="9 x"[^>]*aria-describedby="key-error" aria-invalid="true"', form
    )
    assert re.search(r'<input name="name" id="tpl-name" value=""[^>]*aria-invalid="true"', form)
    assert '<p class="field-error" id="name-error" data-field="name">必填</p>' in form
    assert '<option value="unit_round"' in form and re.search(r'value="unit_round"[^>]*selected', form)
    assert 'id="tpl-template" required>' in form  # the template was fine: not marked


def test_the_template_form_refused_in_english(app, as_user):
    c = as_user("designer")
    c.get("/lang/en")
    taken = c.post("/designer/drafts/from-template", data={"template": "approval", "key": "review", "name": "请假"})
    assert taken.status_code == 422
    form = template_form(text_of(taken))
    assert "1 item needs changing:" in form
    assert re.search(r'<a href="#tpl-key">Process key: [^<]*“review”[^<]*</a>', html.unescape(form))
    assert 'value="review"' in form and 'value="请假"' in form and "：" not in form
    # a name longer than the drafts' list keeps: said at the name as a field's length, not a bare 422
    long = c.post("/designer/drafts/from-template", data={"template": "approval", "key": "leave", "name": "长" * 501})
    assert long.status_code == 422
    said = html.unescape(template_form(text_of(long)))
    assert '<a href="#tpl-name">Process name: Must be at most 500 characters long.</a>' in said
    assert '<p class="field-error" id="name-error" data-field="name">Must be at most 500 characters long.</p>' in said
    # nothing was stored either time
    assert "<code>leave</code>" not in text_of(c.get("/designer/"))


def test_the_template_form_says_every_fields_problem_at_once(as_user):
    """An unknown template is no reason to keep the key's and the name's problems for later:
    all three fields are said in one refusal, each at its field."""
    c = as_user("designer")
    refused = c.post("/designer/drafts/from-template", data={"template": "nope", "key": "9 x", "name": " "})
    assert refused.status_code == 422
    form = template_form(text_of(refused))
    summary = re.search(r'<div class="flash error" role="alert" id="form-errors".*?</div>', form).group(0)
    assert "有 3 项需要修改：" in summary
    assert re.findall(r'<a href="#(tpl-[a-z]+)">', summary) == ["tpl-template", "tpl-key", "tpl-name"]
    assert '<a href="#tpl-name">流程名称：必填</a>' in summary
    c.get("/lang/en")
    taken = c.post("/designer/drafts/from-template", data={"template": "nope", "key": "review", "name": "长" * 501})
    assert taken.status_code == 422
    said = html.unescape(template_form(text_of(taken)))
    assert "3 items need changing:" in said
    assert re.search(r'<a href="#tpl-key">Process key: [^<]*“review”[^<]*</a>', said)  # taken, whatever the template
    assert '<a href="#tpl-name">Process name: Must be at most 500 characters long.</a>' in said
    assert "<code>review</code>" in text_of(c.get("/designer/"))  # the deployed one, nothing new


def cases_on_v1(app, subjects: tuple[str, ...]) -> None:
    """The migrate process's v1 with a case per subject on it (each at its first task, which
    v2 has too: each can move), then v2."""
    deploy(app, "migrate_v1.bpmn")
    for subject in subjects:
        act(app, "office1", cases.start_instance, "migrate", {"subject": subject})
    deploy(app, "migrate_v2.bpmn")


def test_the_dry_run_counts_one_case_in_the_singular(app, as_user):
    cases_on_v1(app, ("来信甲",))
    c = as_user("designer")
    c.get("/lang/en")
    page = html.unescape(text_of(c.get("/designer/processes/migrate/v1/migrate")))
    assert "1 case running on v1: 1 can move, 0 cannot." in page
    assert "migrate the 1 case that can move to v2" in page and "(s)" not in page
    c.get("/lang/zh_CN")
    chinese = text_of(c.get("/designer/processes/migrate/v1/migrate"))
    assert "v1 上办理中的案件 1 件：可以迁移 1 件，不能迁移 0 件。" in chinese


def test_the_dry_run_counts_more_cases_in_the_plural(app, as_user):
    cases_on_v1(app, ("来信甲", "来信乙"))
    c = as_user("designer")
    c.get("/lang/en")
    page = html.unescape(text_of(c.get("/designer/processes/migrate/v1/migrate")))
    assert "2 cases running on v1" in page and "migrate the 2 cases that can move to v2" in page
