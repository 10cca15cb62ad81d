"""A label names one thing: two different fields of a library process never share one, or the
case page, the history and its download would show two facts under the same name (the plan's
and the on-site review's 参加人员, the review's and the re-review's 收到请求日期). One field may
be asked on two forms under two labels (整改期限, 新的整改截止日期): it is still one fact."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.bpmn.parsing import parse_bpmn

LIBRARY = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.mark.parametrize("bpmn_file", sorted(LIBRARY.glob("*.bpmn")), ids=lambda p: p.stem)
def test_no_two_fields_of_a_process_share_a_label(bpmn_file):
    [process] = parse_bpmn(bpmn_file.read_bytes(), bpmn_file.name)
    fields_by_label: dict[str, set[str]] = {}
    for meta in process.tasks.values():
        for f in meta.form.fields:
            fields_by_label.setdefault(f.label, set()).add(f.id)
    assert {label: ids for label, ids in fields_by_label.items() if len(ids) > 1} == {}


def test_the_inspection_and_petition_fields_say_whose_they_are():
    labels = {}
    for name in ("inspection", "petition"):
        [process] = parse_bpmn((LIBRARY / f"{name}.bpmn").read_bytes(), f"{name}.bpmn")
        labels |= {f.id: f.label for meta in process.tasks.values() for f in meta.form.fields}
    assert (labels["participants"], labels["onsite_participants"]) == ("检查组成员", "现场监查参加人员")
    assert labels["plan_opinion"] == "主席意见"  # the chair's, beside 审定意见 (同意 / 退回修改)
    assert (labels["review_requested_on"], labels["rereview_requested_on"]) == ("收到复查请求日期", "收到复核请求日期")
    assert labels["acceptance_reason"] == "不予受理理由"
