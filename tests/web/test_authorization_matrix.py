"""Each role × each page and action. One test per person walks every row of the matrix,
so a failure names the person and lists every row that went wrong."""
from __future__ import annotations

import pytest

from engine.usecases import collab, tasks
from tests.web.conftest import PEOPLE, start_petition, start_review, use

OK, REDIRECT, FORBIDDEN, LOGIN = 200, 302, 403, "login"

# who:          office1 office2 finance1 civil1 petition1 chair supervisor admin designer deputy anonymous
PEOPLE_ORDER = ["office1", "office2", "finance1", "civil1", "petition1", "chair", "supervisor", "admin",
                "designer", "deputy", None]


def row(*expected):
    return dict(zip(PEOPLE_ORDER, expected, strict=True))


L, F = LOGIN, FORBIDDEN
MATRIX = {
    # page or action                      office1 office2 finance1 civil1 petit. chair  superv. admin  design. deputy anon
    ("GET", "/"):                      row(OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, L),
    ("GET", "/?tab=all"):              row(OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, L),
    ("GET", "/cases"):                 row(OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, L),
    ("GET", "/cases?status=running"):  row(OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, L),
    ("GET", "/start"):                 row(OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, L),
    ("GET", "/start/review"):          row(OK, OK, OK, OK, OK, OK, F, OK, F, F, L),
    ("GET", "/start/petition_min"):    row(OK, OK, F, F, OK, F, F, OK, F, F, L),
    ("POST", "/start/review"):         row(REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, F, REDIRECT,
                                           F, F, L),
    ("GET", "finance task"):           row(F, F, OK, F, F, F, OK, OK, F, F, L),
    ("POST", "claim finance task"):    row(F, F, REDIRECT, F, F, F, F, F, F, F, L),
    ("POST", "complete finance task"): row(F, F, REDIRECT, F, F, F, F, F, F, F, L),
    ("POST", "draft finance task"):    row(F, F, REDIRECT, F, F, F, F, F, F, F, L),
    ("POST", "comment finance task"):  row(F, F, REDIRECT, F, F, F, REDIRECT, REDIRECT, F, F, L),
    ("GET", "office task"):            row(OK, OK, F, F, F, F, OK, OK, F, F, L),
    ("GET", "finance case"):           row(OK, OK, OK, F, F, F, OK, OK, F, F, L),
    ("POST", "comment finance case"):  row(REDIRECT, REDIRECT, REDIRECT, F, F, F, REDIRECT, REDIRECT, F, F, L),
    ("GET", "finance attachment"):     row(OK, OK, OK, F, F, F, OK, OK, F, F, L),
    ("GET", "bpmn xml"):               row(OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, L),
    ("GET", "/admin/users"):           row(F, F, F, F, F, F, F, OK, F, F, L),
    ("GET", "/admin/users/office1"):   row(F, F, F, F, F, F, F, OK, F, F, L),
    ("POST", "/admin/users"):          row(F, F, F, F, F, F, F, REDIRECT, F, F, L),
    ("GET", "/admin/departments"):     row(F, F, F, F, F, F, F, OK, F, F, L),
    ("POST", "/admin/departments"):    row(F, F, F, F, F, F, F, REDIRECT, F, F, L),
    ("GET", "/designer/"):             row(F, F, F, F, F, F, F, OK, OK, F, L),
    ("GET", "/settings"):              row(OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, L),
    ("POST", "/settings"):             row(REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT,
                                           REDIRECT, REDIRECT, REDIRECT, L),
    ("POST", "/admin/users/deputy/password"): row(F, F, F, F, F, F, F, REDIRECT, F, F, L),
    ("GET", "/notifications"):         row(OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, L),
    ("POST", "/notifications/read"):   row(REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT,
                                           REDIRECT, REDIRECT, REDIRECT, L),
}


def _fixtures(app):
    review = start_review(app, "财政所的案件")
    (finance_task,) = use(app, tasks.complete, "office1", review.task_id, {"lead_unit": "finance"})
    attachment = use(app, collab.add_attachment, "office1", "a.txt", b"x", instance_id=review.id)
    office = start_review(app, "人大办的案件")
    start_petition(app, unit="office")
    return {"finance task": f"/tasks/{finance_task.task_id}", "office task": f"/tasks/{office.task_id}",
            "finance case": f"/cases/{review.id}", "finance attachment": f"/attachments/{attachment.id}",
            "bpmn xml": f"/definitions/{1}/bpmn.xml"}, finance_task.task_id, review.id


def _request(client, method, what, urls, task_id, case_id, n):
    if what in urls:
        return client.get(urls[what])
    if what == "claim finance task":
        return client.post(f"/tasks/{task_id}/claim")
    if what == "complete finance task":
        return client.post(f"/tasks/{task_id}", data={"action": "complete", "reply_class": "A", "pages": "1"})
    if what == "draft finance task":
        return client.post(f"/tasks/{task_id}", data={"action": "draft", "reply_class": "A"})
    if what == "comment finance task":
        return client.post(f"/tasks/{task_id}/comments", data={"body": "意见"})
    if what == "comment finance case":
        return client.post(f"/cases/{case_id}/comments", data={"body": "意见"})
    if method == "POST" and what == "/start/review":
        return client.post(what, data={"subject": f"新意见{n}"})
    if method == "POST" and what == "/admin/users":
        return client.post(what, data={"username": f"new{n}", "password": "long-password", "roles": ["officer"]})
    if method == "POST" and what == "/settings":
        return client.post(what, data={"timezone": "Asia/Urumqi"})
    if method == "POST" and what == "/admin/users/deputy/password":
        return client.post(what, data={"password": "another-long-password"})
    if method == "POST" and what == "/notifications/read":
        return client.post(what)
    if method == "POST" and what == "/admin/departments":
        return client.post(what, data={"code": f"unit{n}", "name": "新单位"})
    return client.get(what)


@pytest.mark.parametrize("person", PEOPLE_ORDER, ids=lambda p: p or "anonymous")
def test_matrix(app, client, as_user, person):
    assert set(PEOPLE_ORDER) - {None} <= set(PEOPLE)
    urls, task_id, case_id = _fixtures(app)
    if person:
        as_user(person)
    wrong = []
    for n, ((method, what), expected) in enumerate(MATRIX.items()):
        want = expected[person]
        response = _request(client, method, what, urls, task_id, case_id, n)
        got = response.status_code
        if want == LOGIN:
            ok = got == 302 and response.headers["Location"].startswith("/login")
        else:
            ok = got == want and not (want == REDIRECT and response.headers["Location"].startswith("/login"))
        if not ok:
            wrong.append(f"{method} {what}: expected {want}, got {got}")
        if what == "complete finance task" and got == REDIRECT:
            # put a fresh finance task in place for the rows that follow
            urls, task_id, case_id = _fixtures(app)
    assert not wrong, "\n".join(wrong)
