"""The start page refuses a case title that would carry the petitioner's identity written with an
invisible character inside (a zero-width space: on screen the plain name), or that holds a control
character (every .xlsx export of the case would fail on it): beside the title typed in, the form
as typed, nothing started."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import ProcessInstance
from tests.web.conftest import text_of
from tests.world import PETITIONER
from web import database

FORM = {"subject": "反映低保评定问题", **PETITIONER, "unit": "finance"}


@pytest.mark.parametrize(
    "title, said",
    [
        ("张\u200b三丰反映低保问题", "用作案件标题，能看到此案件的人都可见：不能含有保密的“来信人姓名”"),
        ("低保\x0b问题", "含有控制字符（如 NUL），请删去后再提交"),
    ],
)
def test_the_title_typed_in_is_refused_beside_it(app, as_user, title, said):
    refused = as_user("petition1").post("/start/petition_min", data={**FORM, "case_title": title})
    assert refused.status_code == 422
    page = text_of(refused)
    assert f'<p class="field-error" id="f-case_title-error" role="alert">{said}</p>' in page
    with app.app_context(), database.session_factory()() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0
