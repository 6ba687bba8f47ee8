"""What the emulator keeps: account state, captured messages, the request journal, counters.

A :class:`Storage` holds all of it so that answering one request is one atomic
:meth:`Storage.transaction`: count a failed login or clear the count, charge the credit, store
one message per recipient, write the journal entry and bump the counters, all or nothing. Two
implementations share this interface: :class:`MemoryStorage` (the default, this module) and
:class:`ismart_sms_kit.mock_server.state.sqlite.SqliteStorage` (``--state sqlite:PATH``: survives
restarts and
is shared by several worker processes).

Messages and journal are bounded (oldest dropped first) so memory stays flat under long runs.
Passwords are never stored: accounts keep a salted digest, the journal keeps the request's
parameters with the password masked.

Scopes: every message and journal entry carries the scope of the request that made it (``""``
when unscoped). A query with ``scope=None`` sees everything; with a scope name, only that
scope's items.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from ismart_sms_kit.mock_server.params import Params
from ismart_sms_kit.mock_server.state.accounts import Account, apply_patch
from ismart_sms_kit.protocol.spec import describe

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
            "to": self.number,
            "reference_id": self.reference_id,
            "text": self.text,
            "lang": self.lang,
            "encoding": self.encoding,
            "parts": self.parts,
            "units": self.units,
            "endpoint": self.endpoint,
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
            "client_ip": self.client_ip,
            "params": dict(self.params),
            "code": self.code,
            "description": describe(self.code) if self.code is not None else None,
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


class Transaction(Protocol):
    """The writes of one answered request, applied together or not at all."""

    def failed_login(self, user_id: str) -> Account:
        """Count a wrong password; at the account's threshold it becomes ``blocked``."""

    def clear_failed_logins(self, user_id: str) -> None: ...

    def charge(self, user_id: str, cost: int) -> bool:
        """Take ``cost`` credits if the account has them (else change nothing: False)."""

    def record(self, entry: JournalEntry, messages: list[Message], encoded: Any = None) -> None:
        """Store the journal entry and the messages, giving each its id and linking them.
        ``encoded``: the storage's own form of them, if it made it before the transaction
        (``SqliteStorage.encode``); None otherwise."""

    def count(self, key: CounterKey, n: int = 1) -> None: ...


class Storage(Protocol):
    """What the emulator needs from its state; :class:`MemoryStorage` is the reference."""

    def account(self, user_id: str) -> Account | None: ...
    def accounts(self) -> list[Account]: ...
    def company_exists(self, name: str) -> bool: ...
    def patch_account(self, user_id: str, patch: Mapping[str, Any]) -> Account | None: ...
    def transaction(self) -> Any:
        """A context manager giving a :class:`Transaction`."""

    def find_messages(self, query: MessageQuery) -> list[Message]: ...
    def find_requests(self, query: RequestQuery) -> list[JournalEntry]: ...
    def messages(self, scope: str | None = None) -> list[Message]:
        """Every stored message, oldest first (for tests and small tools)."""

    def journal_entries(self, scope: str | None = None) -> list[JournalEntry]: ...
    def latest_ids(self) -> tuple[int, int]:
        """The newest message id and the newest journal id (0 when none yet)."""

    def set_delivery(self, message_id: int, state: str, at: datetime) -> Message | None: ...
    def sizes(self, scope: str | None = None) -> tuple[int, int]:
        """How many messages and journal entries are kept now."""

    def counters(self) -> dict[CounterKey, int]: ...
    def clear_messages(self, scope: str | None = None) -> None: ...
    def reset(self, scope: str | None = None) -> None:
        """Back to the start: accounts as configured, nothing captured (``scope``: only that
        scope's messages and journal; accounts are shared and stay)."""

    def removals(self, scope: str | None = None) -> tuple[int, int]:
        """How many resets and deletes (:meth:`reset`, :meth:`clear_messages`) have removed
        messages, and journal entries, that a view of ``scope`` shows (None: every scope):
        those of the whole state and those of that scope. The event stream tells its client to
        start again when one changes."""

    def close(self) -> None: ...


class _MemoryTransaction:
    def __init__(self, storage: MemoryStorage) -> None:
        self.s = storage

    def __enter__(self) -> _MemoryTransaction:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def failed_login(self, user_id: str) -> Account:
        account = self.s._accounts[user_id]
        account.failed_logins += 1
        if account.failed_logins >= account.lockout_threshold:
            account.status = "blocked"
        return account

    def clear_failed_logins(self, user_id: str) -> None:
        account = self.s._accounts[user_id]
        if account.failed_logins and account.status != "blocked":
            account.failed_logins = 0

    def charge(self, user_id: str, cost: int) -> bool:
        account = self.s._accounts[user_id]
        if account.credit < cost:
            return False
        account.credit -= cost
        return True

    def record(self, entry: JournalEntry, messages: list[Message], encoded: Any = None) -> None:
        s = self.s
        entry.id = s._next_request_id
        s._next_request_id += 1
        for message in messages:
            message.id = s._next_message_id
            message.request_id = entry.id
            s._next_message_id += 1
        entry.messages = [m.id for m in messages]
        if messages:
            overflow = len(s._messages) + len(messages) - s._message_cap
            if overflow > 0:
                self.count(("dropped", "messages"), min(overflow, len(s._messages)))
            s._messages.extend(messages)
        if len(s._journal) == s._journal_cap:
            self.count(("dropped", "journal"))
        s._journal.append(entry)

    def count(self, key: CounterKey, n: int = 1) -> None:
        self.s._counters[key] = self.s._counters.get(key, 0) + n


def _select(items: Iterable[Any], limit: int) -> list[Any]:
    out = []
    for item in items:
        out.append(item)
        if len(out) >= limit:
            break
    return out


REMOVAL_KINDS: Final = ("messages", "journal")
"""What :meth:`Storage.removals` counts, in its order."""


class MemoryStorage:
    """All state in this process. No method awaits, so on the event loop each transaction is
    atomic: credit can never be spent twice."""

    def __init__(
        self,
        accounts: Iterable[Account],
        closed_companies: Iterable[str] = (),
        *,
        message_cap: int = DEFAULT_MESSAGE_CAP,
        journal_cap: int = DEFAULT_JOURNAL_CAP,
    ) -> None:
        self._initial_accounts = [a.copy() for a in accounts]
        self._closed_companies = frozenset(closed_companies)
        self._message_cap = message_cap
        self._journal_cap = journal_cap
        self._accounts: dict[str, Account] = {}
        self._messages: deque[Message] = deque(maxlen=message_cap)
        self._journal: deque[JournalEntry] = deque(maxlen=journal_cap)
        self._next_message_id = 1
        self._next_request_id = 1
        self._counters: dict[CounterKey, int] = {}
        self._removals: dict[tuple[str, str | None], int] = {}
        """Resets and deletes by (``messages`` or ``journal``, scope or None): ``removals``."""
        self._tx = _MemoryTransaction(self)
        self.reset()
        self._removals.clear()  # that reset only set the start state up: it removed nothing

    # accounts ---------------------------------------------------------------------------------
    def account(self, user_id: str) -> Account | None:
        return self._accounts.get(user_id)

    def accounts(self) -> list[Account]:
        return list(self._accounts.values())

    def company_exists(self, name: str) -> bool:
        return name not in self._closed_companies

    def patch_account(self, user_id: str, patch: Mapping[str, Any]) -> Account | None:
        current = self._accounts.get(user_id)
        if current is None:
            return None
        updated = apply_patch(current, patch)
        self._accounts[user_id] = updated
        return updated

    def transaction(self) -> _MemoryTransaction:
        """The transaction, as a context manager (no method awaits: nothing to lock)."""
        return self._tx

    # messages and journal ---------------------------------------------------------------------
    def find_messages(self, query: MessageQuery) -> list[Message]:
        items = self._messages if query.oldest_first else reversed(self._messages)
        return _select((m for m in items if query.matches(m)), query.limit)

    def find_requests(self, query: RequestQuery) -> list[JournalEntry]:
        items = self._journal if query.oldest_first else reversed(self._journal)
        return _select((e for e in items if query.matches(e)), query.limit)

    def messages(self, scope: str | None = None) -> list[Message]:
        return [m for m in self._messages if scope is None or m.scope == scope]

    def journal_entries(self, scope: str | None = None) -> list[JournalEntry]:
        return [e for e in self._journal if scope is None or e.scope == scope]

    def latest_ids(self) -> tuple[int, int]:
        return self._next_message_id - 1, self._next_request_id - 1

    def set_delivery(self, message_id: int, state: str, at: datetime) -> Message | None:
        for message in reversed(self._messages):
            if message.id == message_id:
                message.delivery, message.delivered_at = state, at
                return message
        return None

    def sizes(self, scope: str | None = None) -> tuple[int, int]:
        if scope is None:
            return len(self._messages), len(self._journal)
        return len(self.messages(scope)), len(self.journal_entries(scope))

    def counters(self) -> dict[CounterKey, int]:
        return dict(self._counters)

    def removals(self, scope: str | None = None) -> tuple[int, int]:
        def count(kind: str) -> int:
            return sum(
                n
                for (k, s), n in self._removals.items()
                if k == kind and (scope is None or s is None or s == scope)
            )

        messages, journal = (count(kind) for kind in REMOVAL_KINDS)
        return messages, journal

    def _removed(self, kind: str, scope: str | None) -> None:
        self._removals[kind, scope] = self._removals.get((kind, scope), 0) + 1

    def clear_messages(self, scope: str | None = None) -> None:
        self._removed("messages", scope)
        if scope is None:
            self._messages.clear()
        else:
            kept = [m for m in self._messages if m.scope != scope]
            self._messages.clear()
            self._messages.extend(kept)

    def reset(self, scope: str | None = None) -> None:
        if scope is not None:
            self.clear_messages(scope)
            self._removed("journal", scope)
            kept = [e for e in self._journal if e.scope != scope]
            self._journal.clear()
            self._journal.extend(kept)
            return
        # every view loses everything: one count per kind is enough from here on (it only has
        # to change), so the scopes' counts are folded into it and do not pile up
        self._removals = {
            (kind, None): n + 1 for kind, n in zip(REMOVAL_KINDS, self.removals(), strict=True)
        }
        self._accounts = {a.user_id: a.copy() for a in self._initial_accounts}
        self._messages.clear()
        self._journal.clear()

    def close(self) -> None:
        pass
