"""督办 as a tracked action, and the overdue board (督查台) supervisors work from.

A 督办 names a case and, usually, the open task it presses on. A supervisor issues one
with an opinion and a date to answer by, optionally escalated to the head (负责人) of the
unit the task is offered to; for a unit the roster names no (active) head for, or whose head
claimed the task himself, everyone in the unit is told instead, the 督办 is recorded as not
reported to a head, and the supervisor is told so (``Unreported``) and who of the unit heard
of it; a deadline timer raises one by itself (``record_automatic``). Either way it is a
``supervisions`` row, in the case's history, told to the task's holders (notification and
e-mail), and tracked: *responded* once the task is done (one on the case as a whole, once
every unit it was addressed to has done the task it held then), *overdue again* when its
answer date passes first, otherwise *open*.

An opinion often names whom the case is about ("请尽快答复陈小红"): wherever it is read (the
case and task pages, the notice, the board, the API, the notification and e-mail to each of its
recipients) it is said with the case's confidential values masked to whoever may not read them
(``confidentiality.case_secrets``), as the case's history says it; the issuer too, whose notice
goes to the unit on paper.

The package, by concept (each module imports only those above it):

- ``states``: what a 督办 is in (``SupervisionState``), why an escalation reached no head
  (``Unreported``, ``Escalation``), and ``SupervisionView``, a 督办 as it is read;
- ``units``: which unit is late with a task, and so whose a 督办 on it is;
- ``answers``: how a 督办 is answered (the task done, a request decided), or ends unanswered
  (its task taken back, its case cancelled), and whom that is told;
- ``views``: a 督办 as its reader reads it (a case's, the badge on a task);
- ``issuing``: issuing one, by a supervisor or a deadline timer, and whom it tells; one on the
  case as a whole reaching the tasks the case opens while it stands (``reach_opened``);
- ``overdue_board``: the board of overdue tasks and open 督办;
- ``printed_notice``: the printed 督办通知书.

This module names what the rest of the product uses; the modules' other names are the
package's own."""

from .answers import (
    after_decision,
    answered_by_completion,
    tell_issuers_cancelled,
    tell_issuers_withdrawn,
    unanswered_issuers,
)
from .issuing import LOST_RACE, case_end, issue, reach_opened, record_automatic, respond_by_bounds
from .overdue_board import SORTS, BoardRow, board
from .printed_notice import notice
from .states import SupervisionView, Unreported, UnreportedUnit
from .views import canceller_name, of_case, open_on_items

__all__ = [
    "LOST_RACE",
    "SORTS",
    "BoardRow",
    "SupervisionView",
    "Unreported",
    "UnreportedUnit",
    "after_decision",
    "answered_by_completion",
    "board",
    "canceller_name",
    "case_end",
    "issue",
    "notice",
    "of_case",
    "open_on_items",
    "reach_opened",
    "record_automatic",
    "respond_by_bounds",
    "tell_issuers_cancelled",
    "tell_issuers_withdrawn",
    "unanswered_issuers",
]
