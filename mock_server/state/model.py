"""The emulator's records: one captured message, one journal entry, the queries over them.

Every storage (:mod:`.memory`, :mod:`.sqlite`), the gateway (which makes messages), the admin
API, the inbox and the OpenAPI document use these classes; a message's fields are spelled out
here once (``Message``), and a storage maps them to its own form (SQLite: :mod:`.sqlite_rows`).

Passwords are never kept: the journal keeps the request's parameters with the password masked
(:func:`mask_params`). Scopes: every message and journal entry carries the scope of the request
that made it (``""`` when unscoped); a query with ``scope=None`` sees everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from ismart_sms_kit.mock_server.params import Params
from ismart_sms_kit.protocol.interfaces import describe, interface_of

DEFAULT_MESSAGE_CAP: Final = 10_000
DEFAULT_JOURNAL_CAP: Final = 10_000
MASK: Final = "***"
SECRET_PARAMS: Final = frozenset({"password"})

DELIVERY_STATES: Final = ("scheduled", "sent", "delivered", "failed")
"""A message's delivery state: ``scheduled`` (PushDateTime still ahead), ``sent`` (due, the
simulated delivery delay not yet over), ``delivered``, ``failed``."""
FIXED_DELIVERY_STATES: Final = ("delivered", "failed")


def mask_params(params: Iterable[tuple[str, str]] | Params) -> dict[str, str]:
    """The parameters as received, with every secret value replaced by ``***``."""
    if isinstance(params, Params):
        return params.masked(SECRET_PARAMS, MASK)
    return {k: (MASK if k.lower() in SECRET_PARAMS else v) for k, v in params}


@dataclass(slots=True)
class Message:
    """One captured SMS: one recipient of one accepted request."""

    id: int
    request_id: int
    received_at: datetime
    push_at: datetime | None
    user_id: str
    header: str
    number: str
    reference_id: str | None
    text: str
    lang: int
    encoding: str
    parts: int
    units: int
    endpoint: str
    flash: bool = False
    scope: str = ""
    delivery: str | None = None
    """A fixed delivery state (``delivered``/``failed``) set by a rule, a magic number or the
    admin API; None: simulated from the clock."""
    delivered_at: datetime | None = None
    header_defaulted: bool = False
    """The request gave no Header (or an empty one): ``header`` is the account's default
    sender, which the message went out under."""

    def pending(self, now: datetime) -> bool:
        """Scheduled for later and not yet due."""
        return self.push_at is not None and self.push_at > now

    def due(self) -> datetime:
        """When the gateway hands the message on: its PushDateTime, or its arrival."""
        if self.push_at is not None and self.push_at > self.received_at:
            return self.push_at
        return self.received_at

    def delivery_state(self, now: datetime, delay: timedelta) -> tuple[str, datetime | None]:
        """The state and, when final, its time; simulated unless a state was fixed."""
        if self.delivery is not None:
            return self.delivery, self.delivered_at
        due = self.due()
        if due > now:
            return "scheduled", None
        if due + delay > now:
            return "sent", None
        return "delivered", due + delay

    def to_json(self, now: datetime, delivery_delay: timedelta = timedelta(0)) -> dict[str, Any]:
        status, status_at = self.delivery_state(now, delivery_delay)
        return {
            "id": self.id,
            "request_id": self.request_id,
            "received_at": self.received_at.isoformat(),
            "push_at": self.push_at.isoformat() if self.push_at else None,
            "pending": self.pending(now),
            "status": status,
            "status_at": status_at.isoformat() if status_at else None,
            "user_id": self.user_id,
            "header": self.header,
            "header_defaulted": self.header_defaulted,
            "to": self.number,
            "reference_id": self.reference_id,
            "text": self.text,
            "lang": self.lang,
            "encoding": self.encoding,
            "parts": self.parts,
            "units": self.units,
            "endpoint": self.endpoint,
            "interface": interface_of(self.endpoint),
            "flash": self.flash,
            "scope": self.scope,
        }


@dataclass(slots=True)
class JournalEntry:
    """One answered request, accepted or not, and why it got its answer."""

    id: int
    time: datetime
    method: str
    endpoint: str
    client_ip: str
    params: dict[str, str]
    code: int | None
    reason: str
    decided_by: str
    http_status: int = 200
    user_id: str | None = None
    messages: list[int] = field(default_factory=list)
    scope: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.time.isoformat(),
            "method": self.method,
            "endpoint": self.endpoint,
            "interface": interface_of(self.endpoint),
            "client_ip": self.client_ip,
            "params": dict(self.params),
            "code": self.code,
            "description": (
                describe(self.code, interface_of(self.endpoint)) if self.code is not None else None
            ),
            "reason": self.reason,
            "decided_by": self.decided_by,
            "http_status": self.http_status,
            "user_id": self.user_id,
            "messages": list(self.messages),
            "scope": self.scope,
        }


@dataclass(frozen=True, slots=True)
class MessageQuery:
    """A filter over the stored messages; every given field must hold."""

    to: str | None = None
    user: str | None = None
    header: str | None = None
    contains: str | None = None
    since: datetime | None = None
    after: int = 0
    """Only messages with an id above this one (ids only ever grow)."""
    reference_ids: tuple[str, ...] | None = None
    scope: str | None = None
    limit: int = 100
    oldest_first: bool = False

    def matches(self, m: Message) -> bool:
        return (
            m.id > self.after
            and (self.scope is None or m.scope == self.scope)
            and (self.to is None or m.number == self.to)
            and (self.user is None or m.user_id == self.user)
            and (self.header is None or m.header == self.header)
            and (self.contains is None or self.contains in m.text)
            and (self.since is None or m.received_at >= self.since)
            and (self.reference_ids is None or m.reference_id in self.reference_ids)
        )


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """A filter over the journal; newest first."""

    scope: str | None = None
    after: int = 0
    limit: int = 100
    rejected: bool = False
    """Only requests that were refused: not answered 1 (a delivery report answered with its
    records, ``decided_by == "report"``, is not refused)."""
    oldest_first: bool = False

    def matches(self, e: JournalEntry) -> bool:
        return (
            e.id > self.after
            and (self.scope is None or e.scope == self.scope)
            and not (self.rejected and (e.code == 1 or e.decided_by == REPORTED))
        )


REPORTED: Final = "report"
"""``decided_by`` of a delivery report answered with records (no code: not a refusal)."""

CounterKey = tuple[str, ...]
"""A metric name and its label values, e.g. ``("requests", endpoint, code, http_status)``."""


REMOVAL_KINDS: Final = ("messages", "journal")
"""What :meth:`ismart_sms_kit.mock_server.state.base.Storage.removals` counts, in its order."""
