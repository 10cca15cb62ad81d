"""Comments and attachments through the API."""

import hashlib
from io import BytesIO


def test_comments_on_case_and_task(world):
    case = world.to_unit("finance")
    fin = world.as_("fin")
    on_task = fin.post(f"/tasks/{case['reply']}/comments", json={"body": "  正在核实  "})
    assert on_task.status_code == 201
    assert on_task.get_json()["body"] == "正在核实" and on_task.get_json()["task_id"] == case["reply"]
    on_case = world.as_("clerk").post(f"/instances/{case['case']}/comments", json={"body": "请加快"})
    assert on_case.status_code == 201 and on_case.get_json()["task_id"] is None
    listed = fin.get(f"/instances/{case['case']}/comments").get_json()
    assert [(c["author"], c["body"]) for c in listed] == [("fin", "正在核实"), ("clerk", "请加快")]
    empty = fin.post(f"/instances/{case['case']}/comments", json={"body": ""})
    assert empty.status_code == 422 and set(empty.get_json()["fields"]) == {"body"}
    # another unit: the case is not there for them
    assert world.as_("landy").get(f"/instances/{case['case']}/comments").status_code == 404
    assert world.as_("landy").post(f"/tasks/{case['reply']}/comments", json={"body": "x"}).status_code == 404


def test_attachments_upload_list_download(world):
    case = world.to_unit("finance")
    content = b"%PDF-1.4\n" + "答复函正文".encode() * 100  # a PDF's content: attachments check it
    up = world.as_("fin").post(
        f"/tasks/{case['reply']}/attachments",
        data={"file": (BytesIO(content), "答复函.pdf")},
        content_type="multipart/form-data",
    )
    assert up.status_code == 201, up.get_json()
    meta = up.get_json()
    assert meta["filename"] == "答复函.pdf" and meta["content_type"] == "application/pdf"
    assert meta["size"] == len(content) and meta["sha256"] == hashlib.sha256(content).hexdigest()
    listed = world.as_("clerk").get(f"/instances/{case['case']}/attachments").get_json()
    assert [a["id"] for a in listed] == [meta["id"]]
    down = world.as_("clerk").get(f"/attachments/{meta['id']}")
    assert down.status_code == 200 and down.get_data() == content and down.mimetype == "application/pdf"
    assert "attachment" in down.headers["Content-Disposition"]
    assert world.as_("landy").get(f"/attachments/{meta['id']}").status_code == 404
    exe = world.as_("clerk").post(
        f"/instances/{case['case']}/attachments",
        data={"file": (BytesIO(b"MZ"), "tool.exe")},
        content_type="multipart/form-data",
    )
    assert exe.status_code == 422 and "file type not allowed" in exe.get_json()["fields"]["file"]
    missing = world.as_("clerk").post(
        f"/instances/{case['case']}/attachments", data={}, content_type="multipart/form-data"
    )
    assert missing.status_code == 422 and set(missing.get_json()["fields"]) == {"file"}
