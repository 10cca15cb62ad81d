"""The units page refuses a unit's name that is already a candidate group (another unit's code
or name, a role's code), saying so beside the name field, in the reader's language."""

from __future__ import annotations

from markupsafe import escape

from tests.web.conftest import text_of


def test_a_name_that_is_a_candidate_group_already_is_said_beside_the_name(as_user):
    c = as_user("admin")
    response = c.post("/admin/departments", data={"code": "fake", "name": "office"})
    assert response.status_code == 422
    html = text_of(response)
    said = "“office”已是单位“镇人大办”（office）的代码或名称：任务按单位的代码和名称分派，不能与其他单位相同"
    assert f'<p class="field-error" id="name-error" data-field="name">{said}</p>' in html
    assert 'data-code="fake"' not in html  # nothing saved
    c.get("/lang/en")
    response = c.post("/admin/departments", data={"code": "x3", "name": "office_head"})
    assert response.status_code == 422
    said = (
        "“office_head” is the code of a role and cannot be the code or name of a unit: "
        "the role's tasks would be offered to the unit's people."
    )
    assert f'<p class="field-error" id="name-error" data-field="name">{escape(said)}</p>' in text_of(response)
