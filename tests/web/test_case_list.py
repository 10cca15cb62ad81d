"""The case list (/cases): newest first, filters kept in the URL, pages, open and overdue
tasks, who sees which case (the same rule as opening it), no confidential data, English."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engine import clock
from engine.usecases import cases as instances
from engine.usecases import tasks
from tests.web.conftest import text_of
from tests.world import act, start_petition, start_review

SECRETS = ("张三丰", "13900001111")


def case_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr class="[^"]*" data-case-id="(\d+)"', html)]


def row_of(html: str, case_id: int) -> str:
    match = re.search(rf'<tr class="[^"]*" data-case-id="{case_id}".*?</tr>', html)
    assert match, f"case {case_id} is not listed"
    return match.group(0)


def later(minutes: int = 5) -> None:
    clock.advance(timedelta(minutes=minutes))


def at_reply(app, unit: str, subject: str) -> int:
    """A review case whose 答复 task is offered to ``unit``; returns the case id."""
    case = start_review(app, "office1", subject)
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": unit})
    return case.id


@pytest.fixture
def three_cases(app):
    """A running review, a completed petition and a cancelled review, started in that order."""
    running = start_review(app, "office1", "关于修缮村道的意见")
    later()
    petition = start_petition(app, "petition1", unit="office")  # handled by the office: office1 sees it
    act(app, "office1", tasks.complete, petition.task_id, {"answer": "已核实", "answered_on": "2026-12-08"})
    later()
    cancelled = start_review(app, "office1", "重复登记的意见")
    act(app, "office1", instances.cancel_instance, cancelled.id, "重复")
    return running.id, petition.id, cancelled.id


def test_nav_link_to_the_case_list(app, as_user):
    c = as_user("finance1")
    inbox = text_of(c.get("/"))
    assert '<a href="/cases" class="">案件</a>' in inbox
    assert inbox.index(">待办</a>") < inbox.index('href="/cases"') < inbox.index(">发起</a>")
    assert '<a href="/cases" aria-current="page" class="on">案件</a>' in text_of(c.get("/cases"))
    # written with the slash, as /statistics/ and /board/ are: the list, not 404
    assert '<a href="/cases" aria-current="page" class="on">案件</a>' in text_of(c.get("/cases/"))


def test_lists_cases_newest_first_with_status_starter_and_times(app, as_user, three_cases):
    running, completed, cancelled = three_cases
    html = text_of(as_user("office1").get("/cases"))
    assert case_ids(html) == [cancelled, completed, running]
    row = row_of(html, running)
    assert f'<a href="/cases/{running}">关于修缮村道的意见</a>' in row
    assert '<span class="badge running">办理中</span>' in row and "意见办理（测试）" in row
    assert '<td title="office1" data-label="发起人">office1 同志</td>' in row
    assert "2026-12-07 09:00" in row and "1 项" in row  # started at (Beijing time), its open task
    row = row_of(html, completed)
    assert '<span class="badge ok">已办结</span>' in row and "petition1 同志" in row
    assert row.count("2026-12-07 09:05") == 2  # started and ended
    assert '<span class="badge muted">已撤销</span>' in row_of(html, cancelled)
    assert "共 3 项" in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["cancelled", "completed", "running"]),
        ("?status=all", ["cancelled", "completed", "running"]),
        ("?status=running", ["running"]),
        ("?status=completed", ["completed"]),
        ("?status=cancelled", ["cancelled"]),
        ("?status=lost", ["cancelled", "completed", "running"]),  # unknown: all
        ("?process=petition_min", ["completed"]),
        ("?process=review&status=running", ["running"]),
        ("?process=nope", []),
        ("?q=村道", ["running"]),
        ("?q=意见", ["cancelled", "running"]),
        ("?q=%25", []),  # LIKE wildcards are plain text
        ("?mine=1", ["cancelled", "running"]),  # office1 started the reviews
        ("?mine=1&status=cancelled", ["cancelled"]),
    ],
)
def test_each_filter(app, as_user, three_cases, query, expected):
    ids = dict(zip(("running", "completed", "cancelled"), three_cases, strict=True))
    html = text_of(as_user("office1").get(f"/cases{query}"))
    assert case_ids(html) == [ids[name] for name in expected]
    if not expected:
        assert "没有符合条件的案件。" in html and 'id="cases"' not in html


def test_search_finds_the_business_key(app, as_user):
    with_key = act(app, "office1", instances.start_instance, "review", {"subject": "修桥"}, business_key="RD-2026-017")
    start_review(app, "office1", "修渠")
    html = text_of(as_user("office1").get("/cases?q=2026-017"))
    assert case_ids(html) == [with_key.id] and "RD-2026-017" in html


def test_search_finds_a_case_by_its_number_with_or_without_the_hash(app, as_user):
    """Cases started on the web have no business key: the number the list shows (#2) finds
    the case, first, beside the titles that hold the digits; never a case one may not see."""
    first = start_review(app, "office1", "修桥")
    numbered = [start_review(app, "office1", title).id for title in ("修渠", "修路")]
    digits = start_review(app, "office1", f"关于{first.id}号路灯的意见")  # a title holding the number
    for query in (str(first.id), f"%23{first.id}", f"%20%23%20{first.id}%20", f"＃{first.id}"):
        assert case_ids(text_of(as_user("office1").get(f"/cases?q={query}")))[0] == first.id, query
    assert case_ids(text_of(as_user("office1").get(f"/cases?q=%23{first.id}"))) == [first.id]
    assert case_ids(text_of(as_user("office1").get(f"/cases?q={first.id}"))) == [first.id, digits.id]
    assert case_ids(text_of(as_user("office1").get(f"/cases?q=%23{numbered[0]}"))) == [numbered[0]]
    assert case_ids(text_of(as_user("office1").get("/cases?q=%2399999"))) == []
    assert case_ids(text_of(as_user("office1").get("/cases?q=99999999999999"))) == []  # past any id: no error
    # a case one may not see is not found by its number either
    assert case_ids(text_of(as_user("civil1").get(f"/cases?q={first.id}"))) == []


def test_filters_stay_in_the_form_and_the_url(app, as_user, three_cases):
    html = text_of(as_user("office1").get("/cases?process=review&status=running&q=村道&mine=1"))
    assert '<form method="get" class="filters" id="case-filters" action="/cases">' in html
    assert '<option value="review" selected>' in html and '<option value="running" selected>' in html
    assert 'name="q" value="村道"' in html and 'name="mine" value="1" checked' in html
    assert '<a href="/cases">清除筛选</a>' in html
    plain = text_of(as_user("office1").get("/cases"))
    assert "清除筛选" not in plain and "checked" not in plain and "selected" not in plain


def test_pages_of_25_with_the_total_and_the_filters_in_the_links(app, as_user):
    ids = []
    for n in range(27):
        ids.append(start_review(app, "office1", f"意见{n:02d}").id)
        later(1)
    start_petition(app, "petition1")  # filtered out below
    c = as_user("office1")
    first = text_of(c.get("/cases?process=review"))
    assert case_ids(first) == ids[::-1][:25]
    assert "第 1 / 2 页，共 27 项" in first and 'rel="prev"' not in first
    assert '<a href="/cases?process=review&amp;page=2" rel="next">' in first
    second = text_of(c.get("/cases?process=review&page=2"))
    assert case_ids(second) == ids[1::-1] and "第 2 / 2 页，共 27 项" in second
    assert '<a href="/cases?process=review" rel="prev">' in second and 'rel="next"' not in second
    # a page past the end shows the last one; nonsense is the first
    assert case_ids(text_of(c.get("/cases?process=review&page=9"))) == ids[1::-1]
    assert case_ids(text_of(c.get("/cases?process=review&page=99999999999999999999"))) == ids[1::-1]
    assert case_ids(text_of(c.get("/cases?process=review&page=x"))) == ids[::-1][:25]


def test_open_and_overdue_tasks(app, as_user):
    at_reply(app, "finance", "按期答复的意见")
    case = start_review(app, "office1", "尚未登记的意见")
    c = as_user("office1")
    html = text_of(c.get("/cases"))
    assert 'class="overdue"' not in html and "已逾期" not in html
    clock.advance(timedelta(days=16))  # the reply is due after 15
    html = text_of(c.get("/cases"))
    (late,) = re.findall(r'<tr class="overdue" data-case-id="(\d+)"', html)
    assert "1 项已逾期" in row_of(html, int(late)) and "已逾期" not in row_of(html, case.id)
    assert "1 项" in row_of(html, case.id)  # registering has no due date


# who sees which case: those with case.view_all (supervisors, admins, the chair) all;
# everyone else the cases they started or that have (had) a task for them or their unit
# (the office registered every review case; the petition never had an office task)
WHO_SEES = {
    "office1": {"finance", "civil", "deputy"},
    "supervisor": {"finance", "civil", "deputy", "petition"},
    "admin": {"finance", "civil", "deputy", "petition"},
    "chair": {"finance", "civil", "deputy", "petition"},
    "finance1": {"finance", "petition"},
    "finance2": {"finance", "petition"},
    "civil1": {"civil"},
    "petition1": {"petition"},
    "deputy": {"deputy"},
    "designer": set(),
}


@pytest.mark.parametrize("person", WHO_SEES)
def test_who_sees_which_case(app, as_user, person):
    cases = {}
    for name, unit in (("finance", "finance"), ("civil", "civil_affairs"), ("deputy", "deputy")):
        cases[name] = at_reply(app, unit, f"{name}的意见")
        later()
    cases["petition"] = start_petition(app, "petition1", unit="finance").id
    c = as_user(person)
    listed = set(case_ids(text_of(c.get("/cases"))))
    assert listed == {cases[name] for name in WHO_SEES[person]}
    # the list shows exactly the cases one may open, and the API lists the same
    for case_id in cases.values():
        assert (c.get(f"/cases/{case_id}").status_code == 200) is (case_id in listed), case_id
    api = c.get("/api/v1/instances?per_page=100").get_json()
    assert {item["id"] for item in api["items"]} == listed and api["total"] == len(listed)


@pytest.mark.parametrize("username", ["finance1", "supervisor", "petition1"])
def test_no_confidential_petition_data_in_the_list(app, as_user, username):
    case = start_petition(app, "petition1", unit="finance")
    c = as_user(username)
    html = text_of(c.get("/cases"))
    # the title is no confidential field: shown as on the case page and in the inbox
    assert case_ids(html) == [case.id] and "反映低保评定问题" in row_of(html, case.id)
    assert not any(secret in html for secret in SECRETS)
    # the search reads the title and business key only: it cannot probe the petitioner
    for secret in SECRETS:
        assert case_ids(text_of(c.get(f"/cases?q={secret}"))) == []


def test_english_page(app, client, as_user):
    c = as_user("office1")
    start_review(app, "office1", "关于修缮村道的意见")
    c.get("/lang/en")
    html = text_of(c.get("/cases"))
    assert '<html lang="en">' in html and "<h1>Cases</h1>" in html
    assert '<a href="/cases" aria-current="page" class="on">Cases</a>' in html
    for text in (
        "Started by",
        "Started at",
        "Ended at",
        "Current tasks",
        "Started by me",
        "In progress",
        "1 task",
        "Page 1 of 1, 1 in all",
        'placeholder="Search title or number"',
    ):
        assert text in html, text
    assert not any(word in html for word in ("发起人", "发起时间", "办理中", "我发起的", "共 1 项"))
    assert "No cases match." in text_of(c.get("/cases?status=completed"))


def test_signed_out_goes_to_the_login(client):
    response = client.get("/cases?status=running")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
