"""The ledger's preview says what the import will give, the periods already over at the import
counted in: a case whose lapsed evaluation ends it is closed, one whose reply's 答复期满 is due is
under a 督办 at once (the page's summary counts it); and that 督办, raised at the scheduler's first
sweep after the import, is dated when the reply's period lapsed, not at the sweep. The preview
writes nothing. The clock stands at Monday 2026-12-07 09:00 in Beijing."""

from __future__ import annotations

from sqlalchemy import func, select

from engine import clock
from engine.usecases import ledger, supervision, timers
from storage.models import ProcessInstance
from tests.integration.test_ledger import LATE, OPEN, PROPOSAL_HEADERS, workbook
from tests.integration.test_ledger import world as world  # the fixture: people, processes
from tests.world import act

# replied 09-01 class A, never evaluated: 逾期未反馈 at 09-29 24:00 ends the case then
UNEVALUATED = {**LATE, "编号": "2026-建-005", "答复类别": "A", "答复内容": "已安装"}
# assigned 07-01, not replied: due 10-08 24:00 (past the National Day holidays), 答复期满 then
STUCK = {**OPEN, "编号": "2026-建-004", "登记日期": "2026-06-28", "交办日期": "2026-07-01"}


def test_the_preview_counts_what_the_import_gives(world):
    content = workbook(PROPOSAL_HEADERS, UNEVALUATED, STUCK, OPEN)
    dry = act(world, "admin", ledger.plan, "proposals", "台账.xlsx", content)

    assert [(o.closed, o.waiting_at, o.supervised) for o in dry.outcomes] == [
        (True, [], False),  # the evaluation lapsed: the case ended then
        (False, ["办理并书面答复"], True),  # 答复期满 due: under a 督办 at once
        (False, ["办理并书面答复"], False),  # in its period
    ]
    # the lapse still said, with what ends it
    assert [(x.task, x.ends_by) for x in dry.outcomes[0].lapsed] == [("评价办理结果（回执）", "逾期未反馈")]
    with world() as s:  # and nothing written
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0

    done = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", content)
    assert [(o.closed, o.supervised) for o in done.outcomes] == [(True, False), (False, True), (False, False)]


def test_the_supervision_of_a_reply_lapsed_before_the_import_is_dated_at_the_lapse(world):
    [outcome] = act(world, "admin", ledger.apply, "proposals", "台账.xlsx", workbook(PROPOSAL_HEADERS, STUCK)).outcomes
    swept = clock.now()
    assert timers.fire_due(world) >= 1

    [raised] = act(world, "boss", supervision.of_case, outcome.instance_id)
    assert (raised.automatic, raised.opinion, raised.state) == (True, "答复期满", "open")
    assert raised.issued_at.isoformat() == "2026-10-08T16:00:00+00:00"  # 10-08 24:00 Beijing, the lapse
    assert raised.fired_at == swept  # when the scheduler fired it and the unit was told
