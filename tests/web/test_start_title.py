"""The start page's 案件标题: on a process with confidential fields it says the title is read by
everyone who sees the case, and a title repeating one of them comes back refused beside it, as typed."""

from __future__ import annotations

from tests.web.conftest import text_of
from tests.world import deploy


def test_a_title_carrying_the_petitioners_name_comes_back_refused_as_typed(as_user):
    client = as_user("petition1")
    assert "标题对能看到此案件的人都可见，不要写入保密信息。" in text_of(client.get("/start/petition_min"))
    answer = client.post(
        "/start/petition_min",
        data={
            "case_title": "张三丰反映低保问题",
            "subject": "反映低保问题",
            "petitioner_name": "张三丰",
            "unit": "finance",
        },
    )
    html = text_of(answer)
    assert answer.status_code == 422
    refusal = "用作案件标题，能看到此案件的人都可见：不能含有保密的“来信人姓名”"
    assert f'id="f-case_title-error" role="alert">{refusal}<' in html
    assert 'name="case_title" value="张三丰反映低保问题"' in html


def test_a_process_without_confidential_fields_says_nothing_of_it(as_user):
    assert "不要写入保密信息" not in text_of(as_user("office1").get("/start/review"))


def hint(html: str) -> str:
    return html.split('id="f-case_title-hint">', 1)[1].split("</span>", 1)[0]


def test_the_title_hint_says_where_a_title_left_empty_comes_from(app, as_user):
    client = as_user("office1")
    assert hint(text_of(client.get("/start/review"))) == "可不填：默认取表单中的「标题」。"  # its subject field
    deploy(app, "deadline.bpmn")  # a start form with no title field
    assert hint(text_of(client.get("/start/deadline"))) == "可不填：默认为“限期办理（测试） 发起日期”。"
    client.get("/lang/en")
    assert hint(text_of(client.get("/start/review"))) == "Optional: by default the form's “标题”."
