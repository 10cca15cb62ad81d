"""The inbox: tabs with counts, filters, sorting, pagination, due marks; claim, unclaim,
hand over."""

from __future__ import annotations

import re
from datetime import timedelta

from engine import clock
from engine.usecases import tasks
from tests.web.conftest import text_of
from tests.world import act, start_petition, start_review


def to_reply(app, unit: str = "finance", subject: str = "关于修缮村道的意见") -> str:
    """A review case at its 答复 step for ``unit``; returns that task id."""
    case = start_review(app, "office1", subject)
    (reply,) = act(app, "office1", tasks.complete, case.task_id, {"lead_unit": unit})
    return reply.task_id


def tab_counts(html: str) -> dict[str, int]:
    return {
        t: int(n)
        for t, n in re.findall(
            r'data-tab="(\w+)"[^>]*>[^<]*<span class="count"><span class="visually-hidden">，</span>(\d+)</span>', html
        )
    }


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-task-id="([^"]+)">', html)


def test_tabs_and_counts(app, as_user):
    mine = start_review(app, "office1", "甲")
    start_review(app, "office1", "乙")
    act(app, "office1", tasks.claim, mine.task_id)
    html = text_of(as_user("office1").get("/"))
    assert tab_counts(html) == {"mine": 1, "group": 1}
    assert rows(html) == [mine.task_id]
    html = text_of(as_user("office1").get("/?tab=group"))
    assert len(rows(html)) == 1 and mine.task_id not in rows(html)


def test_default_tab_is_group_when_i_hold_nothing(app, as_user):
    case = start_review(app, "office1")
    html = text_of(as_user("office2").get("/"))
    assert 'class="on" data-tab="group"' in html and rows(html) == [case.task_id]


def test_only_supervisors_get_the_all_tab(app, as_user):
    to_reply(app, "finance")
    to_reply(app, "civil_affairs")
    html = text_of(as_user("supervisor").get("/?tab=all"))
    assert tab_counts(html)["all"] == 2 and len(rows(html)) == 2
    html = text_of(as_user("finance1").get("/?tab=all"))
    assert "all" not in tab_counts(html)
    assert 'class="on" data-tab="all"' not in html and len(rows(html)) == 1


def test_a_unit_sees_only_its_own_tasks(app, as_user):
    finance_task = to_reply(app, "finance")
    civil_task = to_reply(app, "civil_affairs")
    html = text_of(as_user("finance1").get("/?tab=group"))
    assert rows(html) == [finance_task] and "待签收</span> 财政所" in html  # units by name
    assert rows(text_of(as_user("civil1").get("/?tab=group"))) == [civil_task]
    assert rows(text_of(as_user("deputy").get("/?tab=group"))) == []


def test_filters_process_text_and_unit(app, as_user):
    a = start_review(app, "office1", "修缮村道")
    b = start_review(app, "office1", "学校食堂")
    p = start_petition(app, "petition1", unit="office")
    c = as_user("office1")
    assert set(rows(text_of(c.get("/?tab=group")))) == {a.task_id, b.task_id, p.task_id}
    assert set(rows(text_of(c.get("/?tab=group&process=review")))) == {a.task_id, b.task_id}
    assert rows(text_of(c.get("/?tab=group&q=食堂"))) == [b.task_id]
    assert rows(text_of(c.get("/?tab=group&q=%25"))) == []  # LIKE wildcards are literal
    assert set(rows(text_of(c.get("/?tab=group&unit=office")))) == {a.task_id, b.task_id, p.task_id}
    assert rows(text_of(c.get("/?tab=group&unit=finance"))) == []
    html = text_of(c.get("/?tab=group&q=食堂"))
    assert tab_counts(html) == {"mine": 0, "group": 1}  # counts follow the filters


def test_due_filters_marks_and_sorting(app, as_user):
    early = to_reply(app, "finance", "早")
    clock.advance(timedelta(days=5))
    late = to_reply(app, "finance", "晚")
    c = as_user("finance1")
    html = text_of(c.get("/?tab=group"))
    assert rows(html) == [early, late]  # by due date, soonest first
    assert "已逾期" not in html.split("<tbody>")[1] and "即将到期" not in html.split("<tbody>")[1]
    clock.advance(timedelta(days=9))  # early due in 1 day, late in 6
    html = text_of(c.get("/?tab=group"))
    assert f'<tr class="due-soon" data-task-id="{early}">' in html
    assert f'<tr class="" data-task-id="{late}">' in html
    assert rows(text_of(c.get("/?tab=group&due=soon"))) == [early]
    assert rows(text_of(c.get("/?tab=group&due=overdue"))) == []
    clock.advance(timedelta(days=2))  # early is now overdue
    html = text_of(c.get("/?tab=group"))
    assert f'<tr class="overdue" data-task-id="{early}">' in html and "已逾期" in html
    assert rows(text_of(c.get("/?tab=group&due=overdue"))) == [early]


def test_sorting_by_due_date_and_by_received_time(app, as_user):
    early = to_reply(app, "finance", "早")
    clock.advance(timedelta(days=5))
    late = to_reply(app, "civil_affairs", "晚")
    undated = start_review(app, "office1", "未分办").task_id  # 登记 has no due date
    c = as_user("supervisor")
    assert rows(text_of(c.get("/?tab=all"))) == [early, late, undated]  # default: earliest due
    assert rows(text_of(c.get("/?tab=all&sort=-due"))) == [late, early, undated]  # undated stay last
    assert rows(text_of(c.get("/?tab=all&sort=-created"))) == [undated, late, early]
    assert rows(text_of(c.get("/?tab=all&sort=created"))) == [early, late, undated]
    assert rows(text_of(c.get("/?tab=all&sort=nonsense"))) == [early, late, undated]
    html = text_of(c.get("/?tab=all"))
    # the 期限 header shows the current order and links to the reverse one
    assert re.search(r'<th aria-sort="ascending">\s*<a class="sort on" href="/\?tab=all&amp;sort=-due">期限 ↑', html)
    assert re.search(r'<th aria-sort="none">\s*<a class="sort" href="/\?tab=all&amp;sort=-created">接收时间<', html)
    html = text_of(c.get("/?tab=all&sort=-due&q=早"))
    assert re.search(r'<th aria-sort="descending">\s*<a class="sort on" href="/\?tab=all&amp;q=%E6%97%A9">期限 ↓', html)
    assert '<input type="hidden" name="sort" value="-due">' in html  # filtering keeps the order
    assert re.search(
        r'href="/\?tab=mine&amp;q=%E6%97%A9&amp;sort=-due" class="[^"]*" data-tab="mine"', html
    )  # tabs too


def test_pagination(app, as_user):
    ids = [start_review(app, "office1", f"意见{i:02d}").task_id for i in range(27)]
    c = as_user("office1")
    first = text_of(c.get("/?tab=group"))
    second = text_of(c.get("/?tab=group&page=2"))
    assert len(rows(first)) == 25 and len(rows(second)) == 2
    assert set(rows(first)) | set(rows(second)) == set(ids)
    assert "第 1 / 2 页，共 27 项" in first and 'rel="next"' in first and 'rel="prev"' in second
    assert len(rows(text_of(c.get("/?tab=group&page=99")))) == 0
    assert len(rows(text_of(c.get("/?tab=group&page=abc")))) == 25


def test_claim_and_unclaim(app, as_user):
    case = start_review(app, "office1")
    c = as_user("office1")
    response = c.post(f"/tasks/{case.task_id}/claim", data={"next": "/?tab=group"})
    assert response.status_code == 302 and response.headers["Location"] == "/?tab=group"
    assert rows(text_of(c.get("/?tab=mine"))) == [case.task_id]
    assert rows(text_of(as_user("office2").get("/?tab=group"))) == []  # gone from the colleague's list
    assert as_user("office2").post(f"/tasks/{case.task_id}/claim").status_code == 409
    c = as_user("office1")
    # giving it back is said as such (退回 reads as sending the work back a step)
    assert ">放弃签收</button>" in text_of(c.get(f"/tasks/{case.task_id}")) and ">退回<" not in text_of(
        c.get("/?tab=mine")
    )
    assert c.post(f"/tasks/{case.task_id}/unclaim").status_code == 302
    assert rows(text_of(c.get("/?tab=group"))) == [case.task_id]


def test_hand_over_to_a_colleague_of_the_same_group(app, as_user):
    task = to_reply(app, "finance")
    c = as_user("finance1")
    response = c.post(f"/tasks/{task}/handover", data={"colleague": "finance2", "comment": "请张所长处理"})
    assert response.status_code == 302
    assert rows(text_of(as_user("finance2").get("/?tab=mine"))) == [task]
    page = text_of(as_user("finance2").get(f"/tasks/{task}"))
    assert "转交" in page and "请张所长处理" in page


def test_hand_over_to_another_unit_is_refused(app, as_user):
    task = to_reply(app, "finance")
    response = as_user("finance1").post(f"/tasks/{task}/handover", data={"colleague": "civil1"})
    assert response.status_code == 403
    assert "没有权限" in text_of(response)
    assert rows(text_of(as_user("civil1").get("/?tab=mine"))) == []


def test_claim_of_another_units_task_is_refused(app, as_user):
    task = to_reply(app, "finance")
    response = as_user("civil1").post(f"/tasks/{task}/claim")
    assert response.status_code == 404  # not even there for another unit
    assert as_user("office1").post(f"/tasks/{task}/claim").status_code == 403  # seen, not theirs to claim
    assert rows(text_of(as_user("finance1").get("/?tab=group"))) == [task]


def test_json_clients_get_json_errors(app, as_user):
    task = to_reply(app, "finance")
    response = as_user("office1").post(f"/tasks/{task}/claim", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json["code"] == "not_allowed" and response.json["fields"] == {}


def test_an_overlong_hand_over_note_is_refused_and_the_task_stays(app, as_user):
    task = to_reply(app, "finance")
    c = as_user("finance1")
    assert 'maxlength="500"' in text_of(c.get(f"/tasks/{task}"))
    response = c.post(f"/tasks/{task}/handover", data={"colleague": "finance2", "comment": "说明" * 251})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{task}")
    assert "未转交：转交说明：最多 500 个字符" in text_of(c.get(f"/tasks/{task}"))
    assert rows(text_of(as_user("finance2").get("/?tab=mine"))) == []
    c = as_user("finance1")
    refused = c.post(f"/tasks/{task}/handover", data={"colleague": " ", "comment": "请处理"})
    assert refused.headers["Location"].endswith(f"/tasks/{task}")
    assert "未转交：转交给：必填" in text_of(c.get(f"/tasks/{task}"))
    assert c.post(f"/tasks/{task}/handover", data={"colleague": "finance2", "comment": "说" * 500}).status_code == 302
    assert rows(text_of(as_user("finance2").get("/?tab=mine"))) == [task]


def process_options(html: str) -> dict[str, str]:
    """The 流程 filter's choices, key → name ({} when the filter is not offered)."""
    if '<select name="process">' not in html:
        return {}
    select = html.split('<select name="process">', 1)[1].split("</select>", 1)[0]
    return dict(re.findall(r'<option value="([^"]*)" ?(?:selected)?>([^<]*)</option>', select))


def test_the_filters_offer_only_the_processes_of_the_tasks_one_may_hold(app, as_user):
    """Not every process deployed: a unit sees the processes of its tasks, a supervisor those of
    every open task, a deputy holding nothing no 流程 or 单位 filter at all."""
    start_review(app, "office1", "修缮村道")  # the office registers it
    start_petition(app, "petition1", unit="finance")  # 财政所 answers it
    office = text_of(as_user("office1").get("/"))
    assert process_options(office) == {"": "全部", "review": "意见办理（测试）"}
    finance = process_options(text_of(as_user("finance1").get("/")))
    assert set(finance) == {"", "petition_min"}
    assert set(process_options(text_of(as_user("supervisor").get("/?tab=all")))) == {"", "review", "petition_min"}
    deputy = text_of(as_user("deputy").get("/"))
    assert process_options(deputy) == {} and 'name="unit"' not in deputy
    # a process chosen (a bookmarked address) is still said, though none of its tasks is here
    chosen = text_of(as_user("office1").get("/?process=petition_min"))
    assert set(process_options(chosen)) == {"", "review", "petition_min"}
    assert '<option value="petition_min" selected>' in chosen and rows(chosen) == []
