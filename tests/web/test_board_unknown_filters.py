"""督查台 opened with a filter or sort naming nothing there is (an edited or stale address,
QA walk B): the page says which and why above the board, shown as the rest of the address
asks, never an empty board that reads as "nothing overdue" nor one quietly sorted otherwise;
its refresh and its download refuse the value as the API does."""

from __future__ import annotations

from datetime import timedelta

from engine import clock
from engine.usecases import tasks
from tests.web.conftest import text_of
from tests.world import act, start_review


def overdue_case(app):
    case = start_review(app, "office1")
    act(app, "office1", tasks.complete, case.task_id, {"lead_unit": "finance"})
    clock.advance(timedelta(days=16))  # the reply was due 2026-12-22 24:00; now 12-23 09:00
    return case


def notice(page: str) -> str:
    return page.split('<div class="flash error" role="alert" id="flash-said" tabindex="-1" autofocus>', 1)[1].split(
        "</div>", 1
    )[0]


def test_an_unknown_unit_is_said_and_the_board_shown_without_it(app, as_user):
    case = overdue_case(app)
    client = as_user("supervisor")
    response = client.get("/board/?unit=nope&sort=unit")
    page = text_of(response)
    assert response.status_code == 422
    assert notice(page) == "筛选或排序条件有误，已忽略：单位：没有这个单位：nope"
    # the board as the rest asks: every unit's rows (finance's overdue reply), sorted by unit
    rows = page.split('id="board"', 1)[1].split("</table>", 1)[0]
    assert f'<a href="/cases/{case.id}">' in rows and '<tr class="overdue"' in rows
    # its refresh, its 督办 forms and its downloads ask without the refused filter
    assert 'data-refresh="/board/?partial=1&amp;sort=unit"' in page
    assert 'href="/board/export.csv?sort=unit"' in page
    # (the header's language button alone returns to the address as asked, its notice said again)
    assert '<input type="hidden" name="next" value="/board/?unit=nope&amp;sort=unit">' in page
    assert "unit=nope" not in page.replace('name="next" value="/board/?unit=nope&amp;sort=unit"', "")


def test_an_unknown_sort_and_list_values_are_said_by_their_labels(app, as_user):
    overdue_case(app)
    client = as_user("supervisor")
    response = client.get("/board/?sort=bogus")
    assert response.status_code == 422
    assert notice(text_of(response)) == "筛选或排序条件有误，已忽略：排序：不是可选的值：bogus"
    page = text_of(client.get("/board/?process=nope&deputy=ghost&category=zzz"))
    assert notice(page) == (
        "筛选或排序条件有误，已忽略：流程：不是可选的值：nope；代表：没有这个用户：ghost；类别：不是可选的值：zzz"
    )


def test_the_refresh_and_the_download_refuse_an_unknown_filter(app, as_user):
    overdue_case(app)
    client = as_user("supervisor")
    assert client.get("/board/?partial=1&unit=nope").status_code == 422
    assert client.get("/board/export.csv?unit=nope").status_code == 422
    assert client.get("/board/?unit=finance").status_code == 200
    assert client.get("/board/export.csv?unit=finance").status_code == 200
