"""The start page's 编号 (business key): optional, as the API's and the command line's start take
it; one a running case of the process holds already is refused beside the field, naming that
case, everything typed kept; of two people starting with one 编号 at the same moment, one starts
the case and the other is told so (on PostgreSQL: two writers at once)."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import select

from storage.models import ProcessInstance
from tests.web.conftest import login, text_of
from web import database

FORM = {"subject": "关于修缮村道的意见", "checker": "chair", "rounds": "0"}


def cases_with_key(app: Flask, business_key: str) -> list[int]:
    with app.app_context(), database.session_factory()() as s:
        return list(s.scalars(select(ProcessInstance.id).where(ProcessInstance.business_key == business_key)))


def test_the_start_form_takes_a_business_key_and_the_case_keeps_it(app, as_user):
    client = as_user("office1")
    form = text_of(client.get("/start/review"))
    assert '<label for="f-case_business_key">编号</label>' in form
    assert 'name="case_business_key" value=""' in form and 'aria-describedby="f-case_business_key-hint"' in form
    started = client.post("/start/review", data={**FORM, "case_business_key": "  2026-建-001 "})
    assert started.status_code == 302
    assert len(cases_with_key(app, "2026-建-001")) == 1  # without the spaces around it, as every door takes it
    # left empty: none, as before
    assert client.post("/start/review", data=FORM).status_code == 302
    with app.app_context(), database.session_factory()() as s:
        assert s.scalars(select(ProcessInstance.business_key).order_by(ProcessInstance.id)).all() == [
            "2026-建-001",
            None,
        ]


def test_a_key_a_running_case_holds_is_refused_beside_the_field_naming_it_all_typed_kept(app, as_user):
    client = as_user("office1")
    assert client.post("/start/review", data={**FORM, "case_business_key": "2026-建-002"}).status_code == 302
    [holder] = cases_with_key(app, "2026-建-002")

    again = client.post(
        "/start/review",
        data={**FORM, "subject": "第二件", "case_title": "另一件意见", "case_business_key": "2026-建-002"},
    )
    assert again.status_code == 409
    page = text_of(again)
    said = f"编号 2026-建-002 已由在办案件 #{holder} 使用：同一流程在办的案件不能共用一个编号，请换一个。"
    assert f'<p class="field-error" id="f-case_business_key-error" role="alert">{said}</p>' in page
    assert 'name="case_business_key" value="2026-建-002"' in page and 'aria-invalid="true"' in page
    assert 'href="#f-case_business_key"' in page  # the summary links the field
    assert 'name="case_title" value="另一件意见"' in page and 'value="第二件"' in page
    assert cases_with_key(app, "2026-建-002") == [holder]  # nothing started

    client.get("/lang/en")
    english = text_of(client.post("/start/review", data={**FORM, "case_business_key": "2026-建-002"}))
    assert f"The number 2026-建-002 is used by the running case #{holder}" in english


def test_a_refused_key_is_said_at_its_field(app, as_user):
    answer = as_user("office1").post("/start/review", data={**FORM, "case_business_key": "2026\u200b-001"})
    assert answer.status_code == 422
    page = text_of(answer)
    assert 'id="f-case_business_key-error" role="alert">' in page and cases_with_key(app, "2026\u200b-001") == []


def test_two_starts_with_one_key_at_once_make_one_case_and_tell_the_other(app):
    callers = {}
    for username in ("office1", "office2"):
        callers[username] = app.test_client()
        assert login(callers[username], username).status_code == 302
    barrier = threading.Barrier(len(callers))
    answers = {}

    def start(username: str) -> None:
        barrier.wait()
        answers[username] = callers[username].post(
            "/start/review", data={**FORM, "subject": f"{username} 的意见", "case_business_key": "2026-建-003"}
        )

    threads = [threading.Thread(target=start, args=(u,)) for u in callers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(a.status_code for a in answers.values()) == [302, 409], {u: a.status_code for u, a in answers.items()}
    [case] = cases_with_key(app, "2026-建-003")
    [told] = [text_of(a) for a in answers.values() if a.status_code == 409]
    assert f"编号 2026-建-003 已由在办案件 #{case} 使用" in told
