"""An import's upload between preview and confirmation waits in the database
(engine/usecases/pending_uploads.py), not in the instance folder of the machine that answered the
preview: two web machines on one database (the production shape) each confirm what the other
previewed; only the administrator who uploaded a file may confirm it; a day later it has expired."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine import clock
from engine.usecases import people
from storage.models import Department, PendingUpload
from tests.web.conftest import login
from tests.web.test_imports import UNITS, token_of, upload
from tests.web.test_ledger_page import LIBRARY
from tests.web.test_ledger_page import upload as ledger_upload
from tests.world import act, create_people, deploy, session_factory_of

GONE = "这次上传已失效，请重新上传文件。"


def other_machine(make_app, db_url):
    """A second web process on the same database, with an instance folder of its own, its
    administrator signed in."""
    client = make_app(db_url, instance="machine-b").test_client()
    assert login(client, "admin").status_code == 302
    return client


def unit_codes(app) -> set[str]:
    with session_factory_of(app)() as s:
        return set(s.scalars(select(Department.code)))


def kept_tokens(app) -> set[str]:
    with session_factory_of(app)() as s:
        return set(s.scalars(select(PendingUpload.token)))


def test_a_preview_on_one_machine_is_confirmed_on_the_other(app, as_user, make_app, db_url):
    preview = upload(as_user("admin"), "units", UNITS)
    assert preview.status_code == 200
    confirmed = other_machine(make_app, db_url).post("/admin/imports/units/confirm", data={"token": token_of(preview)})
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    assert "water" in unit_codes(app)
    assert kept_tokens(app) == set()  # confirmed: gone


def test_a_ledger_previewed_on_one_machine_is_imported_on_the_other(app, as_user, make_app, db_url, frozen_clock):
    deploy(app, LIBRARY / "petition.bpmn")
    preview = ledger_upload(as_user("admin"))
    assert preview.status_code == 200
    done = other_machine(make_app, db_url).post(
        "/admin/imports/ledger/petitions/confirm", data={"token": token_of(preview)}
    )
    assert done.status_code == 200 and "已导入台账：信访台账.csv" in done.get_data(as_text=True)


def test_another_administrator_cannot_confirm_someone_elses_upload(app, client, as_user):
    create_people(app, "root")
    token = token_of(upload(as_user("admin"), "units", UNITS))
    refused = as_user("root").post("/admin/imports/units/confirm", data={"token": token})
    assert refused.status_code == 410 and GONE in refused.get_data(as_text=True)
    assert "water" not in unit_codes(app)
    # still the uploader's to confirm
    assert as_user("admin").post("/admin/imports/units/confirm", data={"token": token}).status_code == 200
    assert "water" in unit_codes(app)


def test_an_upload_is_for_the_import_it_was_previewed_for(app, as_user):
    c = as_user("admin")
    token = token_of(upload(c, "units", UNITS))
    assert c.post("/admin/imports/people/confirm", data={"token": token}).status_code == 410
    assert kept_tokens(app) == {token}


def test_an_upload_a_day_old_is_refused_and_removed(app, as_user, frozen_clock):
    c = as_user("admin")
    token = token_of(upload(c, "units", UNITS))
    clock.advance(timedelta(hours=24, seconds=1))
    refused = c.post("/admin/imports/units/confirm", data={"token": token})
    assert refused.status_code == 410 and GONE in refused.get_data(as_text=True)
    assert kept_tokens(app) == set()
    assert "water" not in unit_codes(app)


def test_an_upload_is_kept_for_a_day(app, as_user, frozen_clock):
    c = as_user("admin")
    token = token_of(upload(c, "units", UNITS))
    clock.advance(timedelta(hours=23, minutes=59))
    assert c.post("/admin/imports/units/confirm", data={"token": token}).status_code == 200


def test_keeping_a_new_upload_removes_the_expired_ones(app, as_user, frozen_clock):
    c = as_user("admin")
    upload(c, "units", UNITS)
    clock.advance(timedelta(hours=24, seconds=1))
    newer = token_of(upload(c, "units", UNITS))
    assert kept_tokens(app) == {newer}


def test_an_import_refused_at_its_confirmation_leaves_nothing_to_confirm(app, as_user):
    """The contact officer named was deactivated between preview and confirm: the preview again
    with the problem, nothing written, the upload gone (the same file would be refused again)."""
    c = as_user("admin")
    preview = upload(c, "units", "代码,名称,负责人,联络员\r\nfinance,财政所,,finance2\r\n".encode())
    token = token_of(preview)
    act(app, "admin", people.set_active, "finance2", False)
    refused = c.post("/admin/imports/units/confirm", data={"token": token})
    assert refused.status_code == 422 and 'name="token"' not in refused.get_data(as_text=True)
    assert kept_tokens(app) == set()
    with session_factory_of(app)() as s:
        assert s.scalars(select(Department.contact).where(Department.code == "finance")).one() != "finance2"
