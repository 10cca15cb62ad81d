"""A Chinese word with two English meanings is said by the one meant where it stands: the
messages page heads its columns Type and Message (not the board's Category, not the audit log's
Details); a token's life is "1 day" or "90 days" (not the board's "days late"); a 督办 is a
supervision notice, on the messages page and in the audit log's history alike."""

from __future__ import annotations

from engine.usecases import tokens
from tests.web.conftest import text_of
from tests.web.test_audit_admin_changes import said_on_page
from tests.web.test_notifications_page import overdue_reply
from tests.world import act


def test_the_messages_page_heads_its_columns_type_and_message(app, as_user):
    overdue_reply(app)
    client = as_user("finance1")
    client.get("/lang/en")
    html = text_of(client.get("/notifications"))
    assert "<thead><tr><th>Type</th><th>Message</th><th>Time ↓</th><th>Actions</th></tr></thead>" in html
    client.get("/lang/zh_CN")
    html = text_of(client.get("/notifications"))
    assert "<thead><tr><th>类别</th><th>内容</th><th>时间 ↓</th><th>操作</th></tr></thead>" in html


def test_a_tokens_life_is_said_in_days_one_or_many(app, as_user):
    act(app, "admin", tokens.create_token, "finance2", "对账脚本", 1)
    act(app, "admin", tokens.create_token, "finance2", "报表脚本", 90)
    client = as_user("admin")
    assert [said.rsplit("；", 1)[1] for said in said_on_page(client, "create_token")] == ["有效期 90 天", "有效期 1 天"]
    client.get("/lang/en")
    assert [said.rsplit("; ", 1)[1] for said in said_on_page(client, "create_token")] == [
        "Valid for 90 days",
        "Valid for 1 day",
    ]
