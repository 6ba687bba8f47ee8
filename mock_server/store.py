"""What the emulator keeps: account state, captured messages and the request journal.

One object, :class:`MemoryStorage`, holds all three so that accepting a send (charge the
credit, store one message per recipient) is a single atomic step; a persistent backend only
has to implement the same methods. Messages and journal are bounded (oldest dropped first) so
memory stays flat under long runs. Passwords are never stored: the journal keeps the request's
parameters with the password masked.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Protocol

from mock_server.accounts import Account, apply_patch

DEFAULT_MESSAGE_CAP: Final = 10_000
DEFAULT_JOURNAL_CAP: Final = 10_000
MASK: Final = "***"
SECRET_PARAMS: Final = frozenset({"password"})


def mask_params(params: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The parameters as received, with every secret value replaced by ``***``."""
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

    def pending(self, now: datetime) -> bool:
        """Scheduled for later and not yet due."""
        return self.push_at is not None and self.push_at > now

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "request_id": self.request_id,
            "received_at": self.received_at.isoformat(),
            "push_at": self.push_at.isoformat() if self.push_at else None,
            "pending": self.pending(now),
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

    def to_json(self) -> dict[str, Any]:
        from client.protocol import describe

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
        }


class Storage(Protocol):
    """What the gateway needs from its state; :class:`MemoryStorage` is the reference."""

    def account(self, user_id: str) -> Account | None: ...
    def accounts(self) -> list[Account]: ...
    def company_exists(self, name: str) -> bool: ...
    def patch_account(self, user_id: str, patch: Mapping[str, Any]) -> Account | None: ...
    def failed_login(self, user_id: str) -> Account: ...
    def clear_failed_logins(self, user_id: str) -> None: ...
    def accept(self, user_id: str, cost: int, messages: list[Message]) -> list[Message] | None: ...
    def messages(self) -> list[Message]: ...
    def clear_messages(self) -> None: ...
    def next_request_id(self) -> int: ...
    def journal(self, entry: JournalEntry) -> JournalEntry: ...
    def journal_entries(self) -> list[JournalEntry]: ...
    def reset(self) -> None: ...


class MemoryStorage:
    """All state in this process. Every method runs without awaiting, so on the event loop
    each is atomic: credit can never be spent twice."""

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
        self.dropped_messages = 0
        self.dropped_journal = 0
        self.reset()

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

    def failed_login(self, user_id: str) -> Account:
        account = self._accounts[user_id]
        account.failed_logins += 1
        if account.failed_logins >= account.lockout_threshold:
            account.status = "blocked"
        return account

    def clear_failed_logins(self, user_id: str) -> None:
        self._accounts[user_id].failed_logins = 0

    def accept(self, user_id: str, cost: int, messages: list[Message]) -> list[Message] | None:
        """Charge ``cost`` and store ``messages`` together, or do neither (credit too low)."""
        account = self._accounts[user_id]
        if account.credit < cost:
            return None
        account.credit -= cost
        for message in messages:
            message.id = self._next_message_id
            self._next_message_id += 1
        overflow = len(self._messages) + len(messages) - self._message_cap
        if overflow > 0:
            self.dropped_messages += min(overflow, len(self._messages) + len(messages))
        self._messages.extend(messages)
        return messages

    # messages and journal ---------------------------------------------------------------------
    def messages(self) -> list[Message]:
        """Every stored message, oldest first."""
        return list(self._messages)

    def clear_messages(self) -> None:
        self._messages.clear()

    def next_request_id(self) -> int:
        request_id = self._next_request_id
        self._next_request_id += 1
        return request_id

    def journal(self, entry: JournalEntry) -> JournalEntry:
        if len(self._journal) == self._journal_cap:
            self.dropped_journal += 1
        self._journal.append(entry)
        return entry

    def journal_entries(self) -> list[JournalEntry]:
        """Every journal entry, oldest first."""
        return list(self._journal)

    def reset(self) -> None:
        """Back to the configured start state: accounts as configured, nothing captured."""
        self._accounts = {a.user_id: a.copy() for a in self._initial_accounts}
        self._messages.clear()
        self._journal.clear()
