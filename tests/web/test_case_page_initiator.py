"""The case page's 其他流程变量 names the person who started the case (``initiator``) by name,
also when the user name is a unit's code as well (the demo officer ``office`` beside the unit
``office``, 镇人大办): a user name is a person here, never the unit (QA walk Q, defect 3)."""

from __future__ import annotations

from engine.usecases import people
from engine.usecases.context import SYSTEM
from tests.web.conftest import text_of
from tests.world import OFFICER, PASSWORD, session_factory_of, start_review


def test_the_initiator_is_the_person_not_the_unit_of_the_same_code(app, as_user):
    with session_factory_of(app).begin() as s:
        people.create_user(
            s,
            SYSTEM,
            "office",
            PASSWORD,
            display_name="王干事",
            roles=OFFICER,
            department="office",
            must_change_password=False,
        )
    case = start_review(app, "office")
    page = text_of(as_user("office").get(f"/cases/{case.id}"))
    shown = page.split('data-var="initiator">', 1)[1].split("</dd>", 1)[0]
    assert shown == "王干事"
