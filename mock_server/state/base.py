"""The storage interface: what the emulator needs from its state, typed.

A :class:`Storage` holds accounts, messages, journal and counters so that answering one request
is one atomic :meth:`Storage.transaction`: count a failed login or clear the count, charge the
credit, store one message per recipient, write the journal entry and bump the counters, all or
nothing. :class:`ismart_sms_kit.mock_server.state.memory.MemoryStorage` (the default) and
:class:`ismart_sms_kit.mock_server.state.sqlite.SqliteStorage` (``--state sqlite:PATH``) implement
it. A storage that writes to disk also implements :class:`GroupCommitStorage`, through which
:mod:`ismart_sms_kit.mock_server.group_commit` commits many requests in one transaction.

The rules a transaction applies to an account (lockout, charge) are the account's own
(:class:`ismart_sms_kit.mock_server.state.accounts.Account`), written once for both storages.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import NamedTuple, Protocol

from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.mock_server.state.model import (
    CounterKey,
    JournalEntry,
    Message,
    MessageQuery,
    RequestQuery,
)


class StateFileError(RuntimeError):
    """The state file cannot be used (another schema, not a database, unwritable)."""


class Encoded(NamedTuple):
    """A journal entry and its messages as a storage's rows, but for what only the transaction
    knows (the ids, and the code the entry ends with); made before it, outside the write lock
    (:meth:`GroupCommitStorage.encode`)."""

    journal: tuple[object, ...]
    messages: list[tuple[object, ...]]


class Basis(NamedTuple):
    """What a decision read of its account that another request may change since: the
    revision (patches, resets), the status (lockouts) and the credit."""

    rev: int
    status: str
    credit: int


class Transaction(Protocol):
    """The writes of one answered request, applied together or not at all."""

    def failed_login(self, user_id: str) -> Account:
        """Count a wrong password; at the account's threshold it becomes ``blocked``."""

    def clear_failed_logins(self, user_id: str) -> None: ...

    def charge(self, user_id: str, cost: int) -> bool:
        """Take ``cost`` credits if the account has them (else change nothing: False)."""

    def record(
        self, entry: JournalEntry, messages: list[Message], encoded: Encoded | None = None
    ) -> None:
        """Store the journal entry and the messages, giving each its id and linking them.
        ``encoded``: the storage's own form of them, if it made it before the transaction
        (:meth:`GroupCommitStorage.encode`); None otherwise."""

    def count(self, key: CounterKey, n: int = 1) -> None: ...


class Storage(Protocol):
    """What the emulator needs from its state; ``MemoryStorage`` is the reference."""

    def account(self, user_id: str) -> Account | None: ...
    def accounts(self) -> list[Account]: ...
    def company_exists(self, name: str) -> bool: ...
    def patch_account(self, user_id: str, patch: Mapping[str, object]) -> Account | None: ...
    def create_account(self, account: Account) -> bool:
        """Add ``account`` unless its user id exists (then change nothing: False)."""

    def put_account(self, user_id: str, data: Mapping[str, object]) -> tuple[Account, bool]:
        """Define ``user_id`` as ``data`` says (``replace_definition``); the account, and
        whether it was created."""

    def delete_account(self, user_id: str) -> bool:
        """Remove the account (False: there was none). A reset brings back a configured one."""

    def transaction(self) -> AbstractContextManager[Transaction]:
        """One write transaction: a context manager giving a :class:`Transaction`."""

    def group_committer(self) -> GroupCommitStorage | None:
        """This storage, if its gateway requests are committed in groups; else None."""

    def find_messages(self, query: MessageQuery) -> list[Message]: ...
    def find_requests(self, query: RequestQuery) -> list[JournalEntry]: ...
    def messages(self, scope: str | None = None) -> list[Message]:
        """Every stored message, oldest first (for tests and small tools)."""

    def journal_entries(self, scope: str | None = None) -> list[JournalEntry]: ...
    def latest_ids(self) -> tuple[int, int]:
        """The newest message id and the newest journal id (0 when none yet)."""

    def version(self, scope: str | None = None) -> tuple[int, int]:
        """A value that changes whenever anything stored changes (in ``scope``, when given; it
        may change for other scopes too), in any process sharing the state, and that costs
        next to nothing to read: an idle event stream or long-poll compares it before reading
        anything."""

    def set_delivery(self, message_id: int, state: str, at: datetime) -> Message | None: ...
    def sizes(self, scope: str | None = None) -> tuple[int, int]:
        """How many messages and journal entries are kept now."""

    def counters(self) -> dict[CounterKey, int]: ...
    def clear_messages(self, scope: str | None = None) -> None: ...
    def delete_message(self, message_id: int) -> Message | None:
        """Forget one message (counted as a removal of its scope's messages); the message, or
        None when there is none with that id."""

    def reset(self, scope: str | None = None) -> None:
        """Back to the start: accounts as configured, nothing captured (``scope``: only that
        scope's messages and journal; accounts are shared and stay)."""

    def removals(self, scope: str | None = None) -> tuple[int, int]:
        """How many resets and deletes (:meth:`reset`, :meth:`clear_messages`,
        :meth:`delete_message`) have removed
        messages, and journal entries, that a view of ``scope`` shows (None: every scope):
        those of the whole state and those of that scope. The event stream tells its client to
        start again when one changes."""

    def close(self) -> None: ...


class GroupTransaction(Transaction, Protocol):
    """A transaction that several requests share (``mock_server.group_commit``)."""

    def current(self, user_id: str) -> Account | None:
        """The account as this transaction has it now (the batch's earlier requests applied)."""

    def holds(self, basis: Basis | None, user_id: str, credit_matters: bool) -> bool:
        """Whether a decision taken on ``basis`` stands on the account as it is now."""

    def discard(self) -> None:
        """Forget the writes not flushed yet (to apply the batch again without one request)."""


class GroupCommitStorage(Storage, Protocol):
    """A storage whose writes are worth batching (a file shared by processes): the writers'
    turn (which checkpoints the WAL before it ends), its doorbell, and decisions on the account
    as last seen."""

    wake_fd: int | None
    """Readable when a writer ended its turn; None where the file system has no FIFOs."""

    def recent_account(self, user_id: str) -> tuple[Account | None, Basis | None]: ...
    def encode(self, entry: JournalEntry, messages: list[Message]) -> Encoded: ...
    def try_writer(self) -> bool: ...
    def release_writer(self) -> None: ...
    def drain_doorbell(self) -> None: ...
    def group_transaction(self) -> AbstractContextManager[GroupTransaction]:
        """A transaction in the writers' turn, which the caller took (:meth:`try_writer`)."""
