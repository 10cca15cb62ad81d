"""An import's file between its preview and its confirmation (导入: units, people, the year's
ledger): kept in the database, as attachments are, so that the confirmation may reach any web
process on any machine, not only the one that answered the preview.

``keep`` stores the file under an unguessable token, with who uploaded it; ``take`` hands it
back to that person alone, for the import it was previewed for, and removes it. A day after it
was kept an upload has expired: refused, and removed (every ``keep`` and ``take`` sweeps the
expired ones, so no scheduler job is needed)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import AuditEntry, PendingUpload

from .. import access, clock
from ..access import Actor, Permission
from ..errors import NotFound

KEPT_FOR = timedelta(hours=24)
FILENAME_LENGTH = 500  # the column's

# what each kind of upload imports, and the permission that import needs (onboarding's, ledger's)
_NEEDS = {
    "units": Permission.ADMIN_USERS,
    "people": Permission.ADMIN_USERS,
    "ledger-proposals": Permission.CASE_IMPORT,
    "ledger-petitions": Permission.CASE_IMPORT,
}


# the audit entry each kind of upload's import writes (onboarding's, ledger's), which keeps the
# upload's ``receipt``
_IMPORTED_AS = {
    "units": "import_units",
    "people": "import_people",
    "ledger-proposals": "import_ledger",
    "ledger-petitions": "import_ledger",
}


@dataclass(frozen=True)
class KeptUpload:
    filename: str
    content: bytes


@dataclass(frozen=True)
class Imported:
    """An upload confirmed already: when, by whom, from which file, and what its import
    made (its audit entry's counts: created, updated, unchanged...)."""

    at: datetime
    by: str
    filename: str
    made: dict[str, Any]


def receipt(token: str) -> str:
    """What an import's audit entry keeps of the upload it confirmed: not the token itself
    (the log is read by more people than the uploader), a digest of it."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def imported(session: Session, actor: Actor, kind: str, token: str) -> Imported | None:
    """The import of the upload ``actor`` kept under ``token``, when ``take`` finds it gone
    because it was confirmed already (a double click, the browser's back and a second
    confirm): found by its receipt among his imports of that kind within the day uploads are
    kept. None: never confirmed (expired, unknown, or its import changed nothing)."""
    _require(actor, kind)
    if not token:
        return None
    wanted = receipt(token)
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action == _IMPORTED_AS[kind],
            AuditEntry.actor == actor.username,
            AuditEntry.at >= clock.now() - KEPT_FOR,
        )
        .order_by(AuditEntry.id.desc())
    )
    for entry in entries:
        data = entry.data or {}
        if data.get("upload") == wanted:
            made = {k: v for k, v in data.items() if k not in ("upload", "file")}
            return Imported(entry.at, entry.actor, str(data.get("file") or ""), made)
    return None


def keep(session: Session, actor: Actor, kind: str, filename: str, content: bytes) -> str:
    """Keep ``actor``'s upload for the ``kind`` of import it was previewed for, until it is
    confirmed; return the token it is known by."""
    _require(actor, kind)
    _sweep(session)
    token = secrets.token_urlsafe(18)
    session.add(
        PendingUpload(
            token=token,
            uploaded_by=actor.username,
            kind=kind,
            filename=filename[:FILENAME_LENGTH],
            created_at=clock.now(),
            content=content,
        )
    )
    return token


def take(session: Session, actor: Actor, kind: str, token: str) -> KeptUpload | None:
    """The upload ``actor`` kept under ``token`` for this ``kind`` of import, removed in the
    caller's transaction: an import that fails leaves it waiting, and a second confirmation
    (a double click) finds it gone. None when there is no such upload: an unknown token, an
    expired upload (removed), another person's or another import's."""
    _require(actor, kind)
    _sweep(session)
    query = select(PendingUpload).where(
        PendingUpload.token == token, PendingUpload.uploaded_by == actor.username, PendingUpload.kind == kind
    )
    # a confirmation under way locks its upload (PostgreSQL): the same one at once waits, then finds none
    upload = session.scalars(query.with_for_update()).one_or_none()
    if upload is None:
        return None
    kept = KeptUpload(upload.filename, upload.content)
    session.delete(upload)
    session.flush()
    return kept


def _require(actor: Actor, kind: str) -> None:
    needs = _NEEDS.get(kind)
    if needs is None:
        raise NotFound(f"no import {kind!r} (known: {', '.join(_NEEDS)})")
    access.require(actor, needs, f"import {kind}")


def _sweep(session: Session) -> None:
    """Remove the uploads never confirmed within their day."""
    session.execute(delete(PendingUpload).where(PendingUpload.created_at < clock.now() - KEPT_FOR))
