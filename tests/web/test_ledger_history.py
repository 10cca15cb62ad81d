"""A case brought in from this year's ledger (台账): its history says each step replayed from
the ledger's row was recorded from it (台账补录, with the administrator who imported it, and the
file and row), not done by the administrator himself: on the case page (Chinese and English),
in its download, and as the deputy whose proposal it is reads it. Who imported it, and when,
stays his own entry (按台账导入)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.usecases import ledger
from tests.integration.test_ledger import DONE, PROPOSAL_HEADERS, workbook
from tests.web.conftest import text_of
from tests.world import act, deploy

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"
ROW = {**DONE, "提出代表": "deputy"}  # row 3 of the file: registered, assigned, replied, evaluated


@pytest.fixture
def case(app, frozen_clock) -> int:
    deploy(app, LIBRARY / "proposal.bpmn")
    [outcome] = act(app, "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, ROW)).outcomes
    assert outcome.instance_id is not None
    return outcome.instance_id


def entries(response) -> list[str]:
    """The case page's history, an entry a line: who, what, at which step, then what it says."""
    timeline = re.search(r'<ol class="timeline" id="history">(.*?)</ol>', text_of(response))[1]
    items = re.findall(r'<li data-action="[^"]*">\s*<div class="when">[^<]*</div>(.*?)</li>', timeline)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in items]


def test_the_case_page_says_each_step_was_recorded_from_the_ledgers_row(as_user, case):
    admin = as_user("admin")
    assert entries(admin.get(f"/cases/{case}")) == [
        "台账补录（admin 同志） 发起 · 登记建议或议案 台账.xlsx 第 3 行；类型：建议、批评和意见；"
        "标题：关于修缮村道的建议；内容：村道破损；提出代表：deputy 同志；提出时间：闭会期间",
        "台账补录（admin 同志） 办理完成 · 整理分类并交办 台账.xlsx 第 3 行；类别：城乡建设；主办单位：财政所；"
        "协办单位：国土所；交办意见：（按台账导入）",
        "台账补录（admin 同志） 办理完成 · 向主办单位提出协办意见 · 国土所 台账.xlsx 第 3 行；"
        "协办意见：（按台账导入；台账未记协办意见日期，记为不晚于答复日期和协办期限）",
        "台账补录（admin 同志） 办理完成 · 办理并书面答复 台账.xlsx 第 3 行；办理操作：提交书面答复；"
        "答复类别：A 已解决或基本解决；答复内容：已修缮",
        "台账补录（admin 同志） 办理完成 · 评价办理结果（回执） 台账.xlsx 第 3 行；评价：满意",
        "admin 同志 按台账导入 台账.xlsx 第 3 行",  # his own act, when he did it: he imported it
    ]
    admin.get("/lang/en")
    english = entries(admin.get(f"/cases/{case}"))
    assert [english[1], english[-1]] == [
        "From the ledger (admin 同志) Completed · 整理分类并交办 台账.xlsx, row 3; 类别: 城乡建设; 主办单位: 财政所; "
        "协办单位: 国土所; 交办意见: (imported from the ledger)",
        "admin 同志 Imported from the ledger 台账.xlsx, row 3",
    ]
    assert english[3] == (
        "From the ledger (admin 同志) Completed · 办理并书面答复 台账.xlsx, row 3; 办理操作: 提交书面答复; "
        "答复类别: A 已解决或基本解决; 答复内容: 已修缮"
    )


def test_the_history_download_says_so_too(as_user, case):
    csv = as_user("admin").get(f"/cases/{case}/history.csv").get_data(as_text=True)
    assert csv.lstrip("\ufeff").splitlines() == [
        "时间,操作人,操作,环节,内容",
        "2026-03-02 09:00,台账补录（admin 同志）,发起,登记建议或议案,台账.xlsx 第 3 行；类型：建议、批评和意见；"
        "标题：关于修缮村道的建议；内容：村道破损；提出代表：deputy 同志；提出时间：闭会期间",
        "2026-03-09 09:01,台账补录（admin 同志）,办理完成,整理分类并交办,台账.xlsx 第 3 行；类别：城乡建设；"
        "主办单位：财政所；协办单位：国土所；交办意见：（按台账导入）",
        "2026-04-09 09:00,台账补录（admin 同志）,办理完成,向主办单位提出协办意见 · 国土所,台账.xlsx 第 3 行；"
        "协办意见：（按台账导入；台账未记协办意见日期，记为不晚于答复日期和协办期限）",
        "2026-05-20 09:02,台账补录（admin 同志）,办理完成,办理并书面答复,台账.xlsx 第 3 行；办理操作：提交书面答复；"
        "答复类别：A 已解决或基本解决；答复内容：已修缮",
        "2026-06-01 09:03,台账补录（admin 同志）,办理完成,评价办理结果（回执）,台账.xlsx 第 3 行；评价：满意",
        "2026-12-07 09:00,admin 同志,按台账导入,,台账.xlsx 第 3 行",  # when he imported it
    ]


def test_the_deputy_reads_the_units_reply_as_recorded_from_the_ledger(as_user, case):
    """Nor does the deputy whose proposal it is read that the administrator replied for 财政所,
    or evaluated for him."""
    history = entries(as_user("deputy").get(f"/cases/{case}"))
    assert history[3:5] == [
        "台账补录（admin 同志） 办理完成 · 办理并书面答复 台账.xlsx 第 3 行；答复类别：A 已解决或基本解决；"
        "答复内容：已修缮",
        "台账补录（admin 同志） 办理完成 · 评价办理结果（回执） 台账.xlsx 第 3 行；评价：满意",
    ]
    assert [e for e in history if e.startswith("admin 同志")] == ["admin 同志 按台账导入 台账.xlsx 第 3 行"]
