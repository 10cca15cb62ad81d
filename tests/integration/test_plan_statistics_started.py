"""统计 › 年度工作计划 counts a 代表述职 or 单位定期报送 round from the day it started, before the
office has chosen its deputies or its units: in the trend (启动事项) and, cancelled then, in
已撤销的事项, on the page, in the download and in the period report alike; and the rounds saved
before they had a row of their own get it when the database is upgraded (the migration
f2c6a8e4b0d7, then the backfill ``congressflow db upgrade`` runs). Every expected number is
counted by hand from the steps of ``december_rounds``."""

from __future__ import annotations

import html
import io
import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from engine.usecases import cases
from engine.usecases.statistics import Period, statistics, trend
from storage import migrate
from storage.models import CaseItemFacts
from tests.world import PASSWORD, REPO_ROOT, act, create_people, deploy
from web import database

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))  # the clock starts on Mon 2026-12-07
QUERY = "process=plan&from=2026-12-01&to=2026-12-31"
BEFORE_ROUND_ROWS = "a4d8e2c6f1b3"  # the revision before f2c6a8e4b0d7


@pytest.fixture
def app(session_factory, make_app, db_url, frozen_clock) -> Flask:
    app = make_app(db_url)
    create_people(app, "clerk", "supervisor")
    deploy(app, *(REPO_ROOT / "bpmn" / f"{name}.bpmn" for name in ("deputy_report", "unit_report")))
    return app


def december_rounds(app: Flask) -> dict[str, int]:
    """A unit report round started by hand and cancelled at once (下发报送通知 never done), and
    a deputies' report round waiting for 确定述职代表和安排: neither has an item."""
    reports = act(app, "clerk", cases.start_instance, "unit_report", {}).id
    act(app, "clerk", cases.cancel_instance, reports, "重复发起，撤销")
    deputies = act(app, "clerk", cases.start_instance, "deputy_report", {}).id
    return {"reports": reports, "deputies": deputies}


def counted(app: Flask) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """The plan's December figures that count anything, and its trend (启动事项)."""
    figures = act(app, "supervisor", statistics, "plan", DECEMBER).overall
    months = act(app, "supervisor", trend, "plan", DECEMBER)
    return {k: f.count for k, f in figures.items() if f.count}, [(m.month, m.received) for m in months]


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_page_the_download_and_the_report_count_both_rounds_from_their_start(app):
    c = december_rounds(app)
    assert counted(app) == ({"withdrawn": 1}, [("2026-12", 1)])  # the deputies' round; the cancelled one
    client = signed_in(app, "supervisor")

    page = text_of(client.get(f"/statistics/?{QUERY}"))
    withdrawn = page.split('data-figure="withdrawn"', 1)[1].split("</tr>", 1)[0]
    [(href, number)] = re.findall(r'<a href="([^"]+)">(\d+)</a>', withdrawn)
    assert number == "1" and f'href="/cases/{c["reports"]}"' in text_of(client.get(html.unescape(href)))
    row = page.split('<tr data-month="2026-12"><th scope="row">2026-12</th><td class="num">', 1)[1]
    december = row.split("</tr>", 1)[0]
    [(href, number)] = re.findall(r'<a href="([^"]+)">(\d+)</a>', december)  # the cases behind it
    behind = text_of(client.get(html.unescape(href)))
    assert number == "1" and re.findall(r'data-case-id="(\d+)"', behind) == [str(c["deputies"])]

    sheet = load_workbook(io.BytesIO(client.get(f"/statistics/export.xlsx?{QUERY}").data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert next(r for r in rows if r[0] == "已撤销的事项")[1] == 1
    assert next(r for r in rows if r[0] == "2026-12")[1] == 1

    report = text_of(client.get("/statistics/report?from=2026-12-01&to=2026-12-31"))
    assert "另有1项工作已撤销，未计入以上数字" in report.split("<h2>年度工作计划</h2>", 1)[1]


def round_kinds(app: Flask) -> list[str]:
    """The kinds of every item row (the two rounds have no items)."""
    with database.session_factory(app)() as s:
        return sorted(s.scalars(select(CaseItemFacts.kind)))


def test_the_upgrade_gives_the_rounds_saved_before_their_own_row(app, db_url):
    december_rounds(app)
    assert round_kinds(app) == ["deputy_report_round", "unit_report_round"]
    migrate.downgrade(db_url, BEFORE_ROUND_ROWS)  # the rows as the code before left them: none
    assert round_kinds(app) == []
    assert counted(app) == ({}, [("2026-12", 0)])  # QA's defect: started in no month, withdrawn never

    result = app.test_cli_runner().invoke(args=["db", "upgrade"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "case facts written for 2 earlier cases" in result.output
    assert round_kinds(app) == ["deputy_report_round", "unit_report_round"]
    assert counted(app) == ({"withdrawn": 1}, [("2026-12", 1)])
