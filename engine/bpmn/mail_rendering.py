"""The mail a mail task (engine.bpmn.mail_tasks) makes when the engine reaches it: its fields'
values turned into text as JUEL writes them, the addresses checked as e-mail syntax, and the
result kept in the runtime's outbox until the use case that saves the case takes it
(``Runtime.queued_mails``; engine/usecases/outgoing_mails.py writes it to the outbox table).

No database and no SMTP here: what is checked is only what makes a mail that could be sent
(an address list that is not e-mail syntax, a charset Python does not know, a text the charset
cannot write). Such a mail fails the task as a failing script does (a ScriptError naming the
element), at deploy when the field is a literal, at run time when it is an expression.

A ``to`` expression that gives no address because the variables it reads were left empty (an
optional form field: the petitioner gave no e-mail address) is no error: the mail is kept as
not sent (``QueuedMail.unsent``, ``left_empty`` naming those variables) and the case goes
on, as a township office registering a letter without an e-mail address expects.

A mail naming a confidential address (a petitioner's, a confidential form field's value) with
other recipients is split (``split_confidential``): each confidential address gets a message
of its own, with no other recipient, and the others' message does not name it. Deploy refuses
such a mail task (engine.bpmn.mail_tasks); this keeps versions deployed before that safe.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from email.utils import parseaddr
from typing import Any
from weakref import WeakKeyDictionary

from ..errors import ScriptError

# the fields Camunda's mail task reads (org.camunda.bpm.engine.impl.bpmn.behavior.MailActivityBehavior)
MAIL_FIELDS = ("to", "from", "subject", "text", "html", "cc", "bcc", "charset")
ADDRESS_FIELDS = ("to", "cc", "bcc")
DEFAULT_CHARSET = "utf-8"
MAX_ENTRY = 320  # an address with its display name: what the outbox table's columns are sized for
MAX_CHARSET = 40

_NAMED = re.compile(r"(?P<name>[^<>]*)<(?P<address>[^<>]*)>")  # Kermit <kermit@camunda.org>
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_ADDRESS = re.compile(
    r"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    rf"@(?P<domain>{_LABEL}(?:\.{_LABEL})*)"
)


@dataclass(frozen=True)
class QueuedMail:
    """One mail a mail task rendered: what the outbox table keeps and the outbox sends."""

    task_id: str  # the SpiffWorkflow task that rendered it
    bpmn_id: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    sender: str | None  # the task's ``from``; None: the configured sender
    subject: str
    text: str | None  # None: the task has no such field
    html: str | None
    charset: str = DEFAULT_CHARSET
    # not sent: its ``to`` gave no address, these variables it reads having been left empty
    unsent: bool = False
    left_empty: tuple[str, ...] = ()
    # each recipient's bare address (lower case) → the variables of the task's data holding it
    sources: tuple[tuple[str, tuple[str, ...]], ...] = ()


class MailOutbox:
    """The mails one runtime's engine steps rendered, by the (top) workflow they were
    rendered in, until the use case saving that workflow takes them (once)."""

    def __init__(self) -> None:
        self._waiting: WeakKeyDictionary[Any, list[QueuedMail]] = WeakKeyDictionary()

    def put(self, workflow: Any, mail: QueuedMail) -> None:
        self._waiting.setdefault(workflow, []).append(mail)

    def take(self, workflow: Any) -> list[QueuedMail]:
        return self._waiting.pop(workflow, [])


def as_text(value: Any) -> str:
    """A field's value as JUEL coerces it to a string: null as nothing, ``true`` / ``false``;
    a list (of addresses, say) as its items separated by commas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(as_text(item) for item in value)
    return str(value)


def address_problem(entry: str) -> str:
    """Why one entry of an address list is not an e-mail address ("" when it is one):
    ``kermit@camunda.org`` or ``Kermit <kermit@camunda.org>``."""
    if len(entry) > MAX_ENTRY:
        return f"{entry[:40]!r}… is longer than {MAX_ENTRY} characters"
    if any(ord(c) < 32 or ord(c) == 127 for c in entry):
        return f"{entry!r} holds a line break or another control character"
    named = _NAMED.fullmatch(entry)
    address = named.group("address").strip() if named else entry
    found = _ADDRESS.fullmatch(address)
    if found is None or len(found.group("local")) > 64:
        return f"{entry!r} is not an e-mail address"
    return ""


def bare(entry: str) -> str:
    """The address of an address list's entry, in lower case (``Kermit <Kermit@camunda.org>``:
    ``kermit@camunda.org``): what tells two entries for one mailbox."""
    return parseaddr(entry)[1].strip().lower()


def addresses_in(value: Any) -> set[str]:
    """The e-mail addresses a value holds anywhere in its text (in lower case)."""
    if not isinstance(value, (str, list, tuple)):
        return set()
    return {found.group(0).lower() for found in _ADDRESS.finditer(as_text(value))}


def sources_of(recipients: Iterable[str], data: Mapping[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each recipient's bare address → the variables of ``data`` whose value holds it."""
    held = {name: addresses_in(value) for name, value in data.items()}
    return tuple(
        (address, tuple(sorted(name for name, found in held.items() if address in found)))
        for address in dict.fromkeys(bare(entry) for entry in recipients)
    )


def split_confidential(mail: QueuedMail, confidential: Collection[str]) -> list[QueuedMail]:
    """``mail`` as the messages it is sent as: each recipient whose address a ``confidential``
    variable holds (``mail.sources``) gets one of their own, as its only (``to``) recipient,
    and the others one that names none of them; ``[mail]`` when no recipient is confidential."""
    secret = {address for address, names in mail.sources if set(names) & set(confidential)}
    if not secret or mail.unsent:
        return [mail]
    own: dict[str, QueuedMail] = {}
    for entry in (*mail.to, *mail.cc, *mail.bcc):
        if bare(entry) in secret and bare(entry) not in own:
            own[bare(entry)] = replace(mail, to=(entry,), cc=(), bcc=())

    def others(entries: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(entry for entry in entries if bare(entry) not in secret)

    rest = replace(mail, to=others(mail.to), cc=others(mail.cc), bcc=others(mail.bcc))
    return [*own.values(), *([rest] if rest.to or rest.cc or rest.bcc else [])]


def addresses(field: str, text: str) -> tuple[str, ...]:
    """A comma-separated address list (as Camunda splits it), each entry checked; raises
    ValueError naming the field and the first entry that is not an address."""
    entries = tuple(entry.strip() for entry in text.split(",") if entry.strip())
    for entry in entries:
        why = address_problem(entry)
        if why:
            raise ValueError(f"mail field {field!r}: {why}")
    return entries


def charset_problem(charset: str) -> str:
    """Why ``charset`` cannot write a mail ("" when it can)."""
    if len(charset) > MAX_CHARSET:
        return f"charset {charset[:40]!r}… is not one Python knows"
    try:
        "".encode(charset)  # a text encoding (codecs also knows rot13, base64...)
    except LookupError:
        return f"charset {charset!r} is not one Python knows"
    return ""


def render(
    task_id: str, bpmn_id: str, values: Mapping[str, Any], left_empty: tuple[str, ...] | None = None
) -> QueuedMail:
    """The mail of a task whose fields gave ``values`` (by field name; a field the task does
    not have is absent); raises ScriptError naming the element and the field. ``left_empty``:
    the variables the ``to`` expression read that were empty; when it gives no address
    because of them, the mail is not sent (``unsent``) rather than an error."""
    try:
        return _render(task_id, bpmn_id, values, left_empty)
    except ValueError as exc:
        raise ScriptError(f"{bpmn_id}: {exc}") from None


def _render(task_id: str, bpmn_id: str, values: Mapping[str, Any], left_empty: tuple[str, ...] | None) -> QueuedMail:
    text = {name: as_text(value).strip() for name, value in values.items()}
    to = addresses("to", text.get("to", ""))
    if not to and not left_empty:
        raise ValueError("mail field 'to' gave no address")
    sender = addresses("from", text.get("from", ""))
    if len(sender) > 1:
        raise ValueError(f"mail field 'from' gave {len(sender)} addresses; a mail has one sender")
    charset = text.get("charset") or DEFAULT_CHARSET
    why = charset_problem(charset)
    if why:
        raise ValueError(f"mail field 'charset': {why}")
    mail = QueuedMail(
        task_id=task_id,
        bpmn_id=bpmn_id,
        to=to,
        cc=addresses("cc", text.get("cc", "")),
        bcc=addresses("bcc", text.get("bcc", "")),
        sender=sender[0] if sender else None,
        subject=" ".join(text.get("subject", "").split()),  # a header: one line
        text=text.get("text") if "text" in values else None,
        html=text.get("html") if "html" in values else None,
        charset=charset,
        unsent=not to,
        left_empty=() if to else tuple(left_empty or ()),
    )
    for name in ("subject", "text", "html"):
        try:
            (getattr(mail, name) or "").encode(charset)
        except UnicodeEncodeError:
            raise ValueError(f"mail field {name!r}: its text cannot be written in charset {charset!r}") from None
    return mail
