"""An attachment's name as kept and served: a name too long for its column loses the end of
its stem, never its extension; the download's ASCII ``filename`` (for clients that read no
``filename*``) is never empty nor a dotfile, while ``filename*`` gives the real name
(QA-D defect 12)."""

from io import BytesIO
from urllib.parse import quote

import pytest


def upload(world, case: dict, name: str, content: bytes = "答复函正文".encode()) -> dict:
    up = world.as_("fin").post(
        f"/tasks/{case['reply']}/attachments",
        data={"file": (BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert up.status_code == 201, up.get_json()
    return up.get_json()


def test_a_long_name_is_shortened_in_its_stem_and_keeps_its_extension(world):
    case = world.to_unit("finance")
    meta = upload(world, case, "名" * 300 + ".txt")
    assert meta["filename"] == "名" * 251 + ".txt"  # 255 characters, the column's
    listed = world.as_("clerk").get(f"/instances/{case['case']}/attachments").get_json()
    assert [a["filename"] for a in listed] == ["名" * 251 + ".txt"]
    down = world.as_("clerk").get(f"/attachments/{meta['id']}")
    assert down.headers["Content-Disposition"] == (
        f"attachment; filename=attachment-{meta['id']}.txt; filename*=UTF-8''{quote('名' * 251)}.txt"
    )


@pytest.mark.parametrize(
    ("name", "ascii_name"),
    [
        ("报告😀.txt", "attachment-{id}.txt"),  # only the extension would be left: a dotfile
        ("报告-2026.txt", "-2026.txt"),  # some ASCII of its own: kept, as Werkzeug makes it
        ("café.txt", "cafe.txt"),
    ],
)
def test_the_ascii_filename_is_never_empty_nor_a_dotfile(world, name, ascii_name):
    case = world.to_unit("finance")
    meta = upload(world, case, name)
    disposition = world.as_("clerk").get(f"/attachments/{meta['id']}").headers["Content-Disposition"]
    assert disposition == (
        f"attachment; filename={ascii_name.format(id=meta['id'])}; filename*=UTF-8''{quote(name, safe='-.')}"
    )


def test_an_ascii_name_is_sent_as_it_is(world):
    case = world.to_unit("finance")
    meta = upload(world, case, "reply.txt")
    assert world.as_("clerk").get(f"/attachments/{meta['id']}").headers["Content-Disposition"] == (
        "attachment; filename=reply.txt"
    )
