"""The emulator's records: one captured message, one journal entry, the queries over them.

Every storage (:mod:`.memory`, :mod:`.sqlite`), the gateway (which makes messages), the admin
API, the inbox and the OpenAPI document use these classes; a message's fields are spelled out
here once (``Message``), and a storage maps them to its own form (SQLite: :mod:`.sqlite_rows`).

Passwords are never kept: the journal keeps the request's parameters with the password masked
(:func:`mask_params`). Scopes: every message and journal entry carries the scope of the request
that made it (``""`` when unscoped); a query with ``scope=None`` sees everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from ismart_sms_kit.mock_server.masking import MASK, is_secret_name
from ismart_sms_kit.mock_server.params import KNOWN_KEYS, Params
from ismart_sms_kit.protocol.interfaces import describe, interface_of

Json = None | bool | int | float | str | Sequence["Json"] | Mapping[str, "Json"]
"""A value ``json.dumps`` writes: what the ``to_json`` methods give the admin API (read-only
containers, so that a ``list[str]`` is one)."""

SCOPE_HEADER: Final = "x-mock-scope"
"""The request header that puts a request (a send, or an admin call) in a scope."""
DEFAULT_MESSAGE_CAP: Final = 10_000
DEFAULT_JOURNAL_CAP: Final = 10_000

DELIVERY_STATES: Final = ("scheduled", "sent", "delivered", "failed")
"""A message's delivery state: ``scheduled`` (PushDateTime still ahead), ``sent`` (due, the
simulated delivery delay not yet over), ``delivered``, ``failed``."""
FIXED_DELIVERY_STATES: Final = ("delivered", "failed")


@dataclass(frozen=True, slots=True)
class EntryLimits:
    """What one journal entry keeps of a request's parameters (settings ``journal_max_*``):
    with ``journal_cap`` entries, the journal is bounded in bytes, not only in count."""

    params: int = 32
    """Parameters kept (the gateway's own nine come first)."""
    value_chars: int = 1024
    """Characters kept of one value (or name)."""
    entry_chars: int = 4096
    """Characters kept of all names and values together."""


DEFAULT_ENTRY_LIMITS: Final = EntryLimits()
_LISTED: Final = 5
"""At most this many cut values are named in ``params_cut``."""


def mask_params(
    params: Iterable[tuple[str, str]] | Params, limits: EntryLimits = DEFAULT_ENTRY_LIMITS
) -> tuple[dict[str, str], str | None]:
    """The parameters as the journal keeps them: every secret value (``masking``) replaced by
    ``***``, and within ``limits``; with what was cut, said in words (None: nothing was).

    When something must go, the gateway's own parameters are kept first, then the others in
    the order they came; a value over ``value_chars`` keeps its start."""
    if isinstance(params, Params):
        if params.fits(limits.params, limits.value_chars, limits.entry_chars):
            return params.masked(), None  # the usual request: nothing cut
        items = list(params.items())
    else:
        items = list(params)
    ordered = [p for p in items if p[0].lower() in KNOWN_KEYS]
    if len(ordered) < len(items):
        ordered += [p for p in items if p[0].lower() not in KNOWN_KEYS]
    kept: dict[str, str] = {}
    cut: list[tuple[str, int]] = []
    room = limits.entry_chars
    for name, value in ordered:
        if len(kept) >= limits.params or room <= 0:
            break
        if len(name) > limits.value_chars:
            cut.append((name[:40], len(name)))
            name = name[: limits.value_chars]
        if is_secret_name(name):
            value = MASK
        size = len(name) + len(value)
        if len(value) > limits.value_chars or size > room:
            cut.append((name[:40], len(value)))
            value = value[: max(0, min(limits.value_chars, room - len(name)))]
        kept[name] = value
        room -= len(name) + len(value)
    dropped = len(items) - len(kept)
    if not dropped and not cut:
        return kept, None
    said: list[str] = []
    if dropped:
        said.append(f"kept {len(kept)} of {len(items)} parameters")
    if cut:
        values = ", ".join(f"{name!r} ({size} characters)" for name, size in cut[:_LISTED])
        more = f" and {len(cut) - _LISTED} more" if len(cut) > _LISTED else ""
        said.append(f"cut {values}{more}")
    limit_words = (
        f"the journal keeps {limits.params} parameters, {limits.value_chars} characters a "
        f"value, {limits.entry_chars} in all"
    )
    return kept, f"{'; '.join(said)} ({limit_words})"


def bounded_text(text: str, limits: EntryLimits = DEFAULT_ENTRY_LIMITS) -> str:
    """A journal entry's text of its own (its ``reason``, which quotes what the request sent:
    an unknown user, an unregistered header) within ``value_chars``, saying what was cut."""
    if len(text) <= limits.value_chars:
        return text
    return f"{text[: limits.value_chars]}... (cut: {len(text)} characters)"


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

    def to_json(self, now: datetime, delivery_delay: timedelta = timedelta(0)) -> dict[str, Json]:
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
    params_cut: str | None = None
    """What the journal cut of the request's parameters, in words (None: nothing)."""

    def to_json(self) -> dict[str, Json]:
        return {
            "id": self.id,
            "time": self.time.isoformat(),
            "method": self.method,
            "endpoint": self.endpoint,
            "interface": interface_of(self.endpoint),
            "client_ip": self.client_ip,
            "params": dict(self.params),
            "params_cut": self.params_cut,
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
    before: int = 0
    """Only messages with an id below this one (0: no bound): the next page of a long list."""

    def matches(self, m: Message) -> bool:
        return (
            m.id > self.after
            and (not self.before or m.id < self.before)
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
    before: int = 0
    """Only entries with an id below this one (0: no bound): the next page of a long list."""

    def matches(self, e: JournalEntry) -> bool:
        return (
            e.id > self.after
            and (not self.before or e.id < self.before)
            and (self.scope is None or e.scope == self.scope)
            and not (self.rejected and (e.code == 1 or e.decided_by == REPORTED))
        )


REPORTED: Final = "report"
"""``decided_by`` of a delivery report answered with records (no code: not a refusal)."""

CounterKey = tuple[str, ...]
"""A metric name and its label values, e.g. ``("requests", endpoint, code, http_status)``."""


REMOVAL_KINDS: Final = ("messages", "journal")
"""What :meth:`ismart_sms_kit.mock_server.state.base.Storage.removals` counts, in its order."""
