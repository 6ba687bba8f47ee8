"""The default state: everything in this process (:class:`MemoryStorage`).

Messages and journal are bounded (oldest dropped first) so memory stays flat under long runs.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol, TypeVar

from ismart_sms_kit.mock_server.state.accounts import Account, apply_patch, replace_definition
from ismart_sms_kit.mock_server.state.base import Encoded, GroupCommitStorage
from ismart_sms_kit.mock_server.state.model import (
    DEFAULT_JOURNAL_CAP,
    DEFAULT_MESSAGE_CAP,
    REMOVAL_KINDS,
    CounterKey,
    JournalEntry,
    Message,
    MessageQuery,
    RequestQuery,
)

_T = TypeVar("_T")


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


_I = TypeVar("_I", bound=_HasId)


class _MemoryTransaction:
    def __init__(self, storage: MemoryStorage) -> None:
        self.s = storage

    def __enter__(self) -> _MemoryTransaction:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def failed_login(self, user_id: str) -> Account:
        account = self.s._accounts[user_id]
        account.fail_login()
        return account

    def clear_failed_logins(self, user_id: str) -> None:
        self.s._accounts[user_id].clear_failed_logins()

    def charge(self, user_id: str, cost: int) -> bool:
        return self.s._accounts[user_id].charge(cost)

    def record(
        self, entry: JournalEntry, messages: list[Message], encoded: Encoded | None = None
    ) -> None:
        s = self.s
        entry.id = s._next_request_id
        s._next_request_id += 1
        if messages:
            first = s._next_message_id
            for i, message in enumerate(messages, first):
                message.id = i
                message.request_id = entry.id
            s._next_message_id = first + len(messages)
            entry.messages = list(range(first, s._next_message_id))
            overflow = len(s._messages) + len(messages) - s._message_cap
            if overflow > 0:
                self.count(("dropped", "messages"), min(overflow, len(s._messages)))
            s._messages.extend(messages)
        elif entry.messages:
            entry.messages = []
        if len(s._journal) == s._journal_cap:
            self.count(("dropped", "journal"))
        s._journal.append(entry)
        s._scope_writes[entry.scope] = s._scope_writes.get(entry.scope, 0) + 1

    def count(self, key: CounterKey, n: int = 1) -> None:
        self.s._counters[key] = self.s._counters.get(key, 0) + n


def _newer(items: deque[_I], after: int, oldest_first: bool) -> Iterable[_I]:
    """The items of ``items`` (in id order) with an id above ``after``, in the order asked,
    looking only at those: the newest are at the end, so a cursor near the end (an event
    stream, a long-poll) reads what is new, not the whole store."""
    if after <= 0:
        return items if oldest_first else reversed(items)
    if not oldest_first:
        return itertools.takewhile(lambda item: item.id > after, reversed(items))
    newer: list[_I] = []
    for item in reversed(items):
        if item.id <= after:
            break
        newer.append(item)
    newer.reverse()
    return newer


def _select(items: Iterable[_T], limit: int) -> list[_T]:
    out: list[_T] = []
    for item in items:
        out.append(item)
        if len(out) >= limit:
            break
    return out


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
        self._scope_writes: dict[str, int] = {}
        """Requests recorded by scope (``version``); one entry per scope ever written."""
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

    def patch_account(self, user_id: str, patch: Mapping[str, object]) -> Account | None:
        current = self._accounts.get(user_id)
        if current is None:
            return None
        updated = apply_patch(current, patch)
        self._accounts[user_id] = updated
        return updated

    def create_account(self, account: Account) -> bool:
        if account.user_id in self._accounts:
            return False
        self._accounts[account.user_id] = account.copy()
        return True

    def put_account(self, user_id: str, data: Mapping[str, object]) -> tuple[Account, bool]:
        current = self._accounts.get(user_id)
        account = replace_definition(current, data, user_id)
        self._accounts[user_id] = account
        return account, current is None

    def delete_account(self, user_id: str) -> bool:
        return self._accounts.pop(user_id, None) is not None

    def transaction(self) -> _MemoryTransaction:
        """The transaction, as a context manager (no method awaits: nothing to lock)."""
        return self._tx

    def group_committer(self) -> GroupCommitStorage | None:
        return None  # one process, no disk: each request commits alone, at once

    # messages and journal ---------------------------------------------------------------------
    def find_messages(self, query: MessageQuery) -> list[Message]:
        items = _newer(self._messages, query.after, query.oldest_first)
        return _select((m for m in items if query.matches(m)), query.limit)

    def find_requests(self, query: RequestQuery) -> list[JournalEntry]:
        items = _newer(self._journal, query.after, query.oldest_first)
        return _select((e for e in items if query.matches(e)), query.limit)

    def messages(self, scope: str | None = None) -> list[Message]:
        return [m for m in self._messages if scope is None or m.scope == scope]

    def journal_entries(self, scope: str | None = None) -> list[JournalEntry]:
        return [e for e in self._journal if scope is None or e.scope == scope]

    def latest_ids(self) -> tuple[int, int]:
        return self._next_message_id - 1, self._next_request_id - 1

    def version(self, scope: str | None = None) -> tuple[int, int]:
        # a write adds an id (and counts in its scope); a reset or delete counts a removal
        removed = sum(self._removals.values())
        if scope is None:
            return self._next_message_id + self._next_request_id, removed
        return self._scope_writes.get(scope, 0), removed

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

    def delete_message(self, message_id: int) -> Message | None:
        for index, message in enumerate(self._messages):
            if message.id == message_id:
                del self._messages[index]
                self._removed("messages", message.scope or None)
                return message
        return None

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
