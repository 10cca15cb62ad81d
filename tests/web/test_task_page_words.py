"""The task page's small words: who issued a 督办, by name as the history names them; an
attachment's size as people read it (bytes under 1 KB, not "0.0 KB")."""

from __future__ import annotations

from io import BytesIO

import pytest

from engine.usecases import supervision, tasks
from tests.web.conftest import text_of
from tests.web.test_inbox import to_reply
from tests.world import act
from web.i18n import file_size


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 B"),
        (22, "22 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (640 * 1024, "640 KB"),
        (1024 * 1024 - 1, "1 MB"),  # not "1024 KB"
        (int(2.34 * 1024 * 1024), "2.3 MB"),
        (10 * 1024 * 1024, "10 MB"),
    ],
)
def test_file_size(size, shown):
    assert file_size(size) == shown


def test_a_small_attachment_shows_its_bytes(app, as_user):
    task = to_reply(app, "finance")
    c = as_user("finance1")
    c.post(
        f"/tasks/{task}/attachments",
        data={"file": (BytesIO(b"%PDF-1.4 reply letter."), "答复函.pdf")},  # 22 bytes
        content_type="multipart/form-data",
    )
    attachments = text_of(c.get(f"/tasks/{task}")).split('id="attachments"', 1)[1].split("</ul>", 1)[0]
    assert '<span class="when">22 B · finance1 同志 · ' in attachments and "0.0 KB" not in attachments


def test_the_supervision_panel_names_who_issued_it(app, as_user):
    task = to_reply(app, "finance")
    case_id = act(app, "finance1", tasks.task_detail, task).summary.instance_id
    act(app, "supervisor", supervision.issue, case_id, task, "请今日内答复", None)
    panel = (
        text_of(as_user("finance1").get(f"/tasks/{task}")).split('id="supervisions"', 1)[1].split("</section>", 1)[0]
    )
    assert '<span title="supervisor">supervisor 同志</span>' in panel, panel
