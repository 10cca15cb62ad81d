"""The HTTP errors a browser meets are the app's own pages in its language: a form refused for
where it came from says so (behind a proxy forwarding the wrong Host, reloading never helps)
rather than blaming an expired form; a 410 and any status without a title of its own get the
app's page, not Werkzeug's bare English one; a redirect raised while routing stays a redirect."""

from __future__ import annotations

import io
import re

from flask import Flask, abort

from tests.web.conftest import text_of
from tests.web.test_error_pages import page, said
from tests.world import PASSWORD

SITE = "https://flow.example.gov.cn:8443"  # what the browser uses, with its port


def sign_in_form(app: Flask, referrer: str | None):
    """The sign-in form posted over HTTPS, for SITE as the app sees it, from ``referrer``."""
    client = app.test_client()
    page = client.get("/login", base_url=SITE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    headers = {"Referer": referrer} if referrer else {}
    form = {"username": "office1", "password": PASSWORD, "csrf_token": token}
    return client.post("/login", data=form, base_url=SITE, headers=headers)


def test_a_post_from_another_address_than_the_app_believes_names_the_proxys_host_header(db_url, make_app, app):
    strict = make_app(db_url, instance="csrf-instance", csrf=True)
    # a proxy forwarding Host without the port: the page was https://…:8443, the app believes
    # it is https://flow.example.gov.cn
    refused = sign_in_form(strict, referrer="https://flow.example.gov.cn/login")
    assert refused.status_code == 400
    text = said(refused)
    assert "这次提交来自 https://flow.example.gov.cn 的页面，而系统收到的本站地址是 " + SITE in text, text
    assert "Host 请求头没有带上浏览器使用的地址和端口" in text and "proxy_set_header Host $http_host" in text
    assert "表单已过期" not in text
    assert sign_in_form(strict, referrer=SITE + "/login").status_code == 302  # the same address: accepted


def test_a_post_without_a_referrer_says_the_browser_sent_none(db_url, make_app, app):
    refused = sign_in_form(make_app(db_url, instance="csrf-instance", csrf=True), referrer=None)
    assert refused.status_code == 400
    text = said(refused)
    assert "浏览器没有随这次提交发送来源页地址（Referer 请求头）" in text and "表单已过期" not in text, text


def test_a_missing_token_still_says_to_reload_the_form(db_url, make_app, app):
    strict = make_app(db_url, instance="csrf-instance", csrf=True)
    refused = strict.test_client().post("/login", data={"username": "office1", "password": PASSWORD}, base_url=SITE)
    assert refused.status_code == 400
    assert "表单已过期或缺少安全令牌，请刷新页面后重新提交。" in said(refused)


def test_an_expired_import_upload_is_the_apps_page_with_its_words(as_user):
    c = as_user("admin")
    gone = c.post("/admin/imports/units/confirm", data={"token": "never-uploaded"})
    assert gone.status_code == 410
    shown = text_of(gone)
    assert "<title>Gone" not in shown and "<h1>Gone</h1>" not in shown
    assert 'class="card narrow error-page" data-status="410"' in shown
    assert "<h1>已失效 <small>410</small></h1>" in shown, shown
    assert "这次上传已失效，请重新上传文件。" in said(gone)


def test_a_status_without_a_title_of_its_own_is_still_the_apps_page(app: Flask, client):
    app.add_url_rule("/teapot", "teapot", lambda: abort(418))
    app.add_url_rule("/not-implemented", "not_implemented", lambda: abort(501))
    teapot = client.get("/teapot")
    assert teapot.status_code == 418
    assert "<h1>无法完成请求 <small>418</small></h1>" in text_of(teapot), text_of(teapot)
    assert "这个请求未能完成，请返回后重试。" in said(teapot) and "I'm a teapot" not in page(teapot)
    server = client.get("/not-implemented")
    assert server.status_code == 501 and "<h1>系统错误 <small>501</small></h1>" in text_of(server)


def test_a_redirect_raised_while_routing_stays_a_redirect(as_user):
    moved = as_user("office1").get("/board")  # the board lives at /board/
    assert moved.status_code == 308 and moved.headers["Location"].endswith("/board/")


def test_a_body_refused_as_too_large_is_read_to_its_end_before_the_answer(client):
    # a proxy in front holds the whole body and is still sending it: closing the connection
    # on a body left unread would reset it, and the proxy would answer 502 instead
    size = 12 * 1024 * 1024 + 1  # one byte over the app's limit
    body = io.BytesIO(b"x" * size)
    form = "application/x-www-form-urlencoded"
    refused = client.post(
        "/login", input_stream=body, content_type=form, environ_overrides={"CONTENT_LENGTH": str(size)}
    )
    assert refused.status_code == 413 and "<h1>文件太大 <small>413</small></h1>" in text_of(refused)
    assert body.tell() == size
    # a body far over what any proxy of the sample lets through is not waited for
    announced = io.BytesIO(b"x" * 1024)
    declared = {"CONTENT_LENGTH": str(25 * 1024 * 1024)}
    refused = client.post("/login", input_stream=announced, content_type=form, environ_overrides=declared)
    assert refused.status_code == 413 and announced.tell() == 0
