"""A .bpmn file whose name holds a direction character (evil\u202egnp.bpmn reads as another
file) is refused on the designer's pages, as a draft (saying why in the reader's language) and
to deploy; nothing is stored (engine.usecases.definitions.checked_filename)."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ProcessDefinition
from tests.conftest import FIXTURES
from tests.web.conftest import text_of
from tests.web.test_designer_uploads import upload
from tests.world import session_factory_of

REVIEW = (FIXTURES / "review.bpmn").read_bytes()
SAID = "含有看不见的文字方向控制符（如 U+202E），会使文字显示得与实际不同，请删去后再提交"


def test_a_file_name_with_a_direction_character_is_refused_as_a_draft_saying_why(as_user):
    c = as_user("designer")
    response = upload(c, "/designer/drafts/upload", REVIEW, "evil\u202egnp.bpmn")
    assert response.status_code == 422
    assert SAID in text_of(response)
    assert 'id="drafts"' not in text_of(c.get("/designer/"))  # no draft


def test_a_file_name_with_a_direction_character_is_refused_to_deploy(app, as_user):
    c = as_user("designer")
    changed = REVIEW.decode().replace('name="意见', 'name="新意见').encode()  # else unchanged, not stored anyway
    response = upload(c, "/designer/deploy", changed, "evil\u202egnp.bpmn")
    assert response.status_code == 422  # the modeler again, with the designer's document
    with session_factory_of(app)() as s:
        assert s.scalars(select(ProcessDefinition.version).where(ProcessDefinition.key == "review")).all() == [1]


def test_the_modeler_says_a_refused_file_name_in_the_readers_words_and_offers_it_back_clean(app, as_user):
    c = as_user("designer")
    changed = REVIEW.decode().replace('name="意见', 'name="新意见')
    posted = {"filename": "evil\u202egnp.bpmn", "xml": changed, "note": ""}
    response = c.post("/designer/drafts/save", data=posted)
    assert response.status_code == 422
    page = text_of(response)
    assert f"文件名：{SAID}" in page and "页面上的文件名已去掉这些字符" in page
    assert "the submitted data is not valid" not in page and "\u202e" not in page
    assert 'name="filename" value="evilgnp.bpmn"' in page
    # the name the page offers back is taken: the designer deploys from that same page
    assert c.post("/designer/deploy", data=posted | {"filename": "evilgnp.bpmn"}).status_code == 302
    with session_factory_of(app)() as s:
        assert s.scalars(select(ProcessDefinition.version).where(ProcessDefinition.key == "review")).all() == [1, 2]
