"""The SQLite state's transaction: its writes kept in Python, written in a few statements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.mock_server.state.base import Basis, Encoded
from ismart_sms_kit.mock_server.state.model import CounterKey, JournalEntry, Message
from ismart_sms_kit.mock_server.state.sqlite_rows import (
    JOURNAL_INSERT,
    KEY_SEPARATOR,
    MESSAGE_INSERT,
    encode,
    newest_ids,
)

if TYPE_CHECKING:
    from ismart_sms_kit.mock_server.state.sqlite import SqliteStorage


class SqliteTransaction:
    """The writes of one transaction, kept in Python and written when it ends (:meth:`flush`)
    in a few statements: one ``UPDATE`` per account it touched, one ``executemany`` each for
    the journal and the messages, the caps' trims and the counters.

    A group commit puts a whole batch of requests in one transaction, so this makes the write
    lock's turn short (a few statements per batch instead of seven per request), which is what
    lets ``--workers`` scale. It changes nothing anyone can see: the transaction holds the
    write lock from ``BEGIN IMMEDIATE`` to ``COMMIT``, so the accounts it read stay as read, the
    ids it hands out (from ``sqlite_sequence``, as ``AUTOINCREMENT`` would) are nobody else's,
    and no one sees a row before the commit."""

    def __init__(self, storage: SqliteStorage) -> None:
        self.s = storage
        self.db = storage._db
        self.discard()

    def discard(self) -> None:
        """Forget the writes not flushed yet (the transaction rolled back, or was flushed)."""
        self._accounts: dict[str, Account] = {}
        self._revs: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._journal: list[tuple[object, ...]] = []
        self._messages: list[tuple[object, ...]] = []
        self._last_ids: list[int] | None = None  # the newest journal and message ids handed out
        self._counts: dict[CounterKey, int] = {}

    def current(self, user_id: str) -> Account | None:
        """The account as this transaction has it now (the batch's earlier requests applied)."""
        account = self._accounts.get(user_id)
        if account is None:
            loaded = self.s._load_rev(user_id)
            if loaded is None:
                return None
            self._revs[user_id], account = loaded
            self._accounts[user_id] = account
        return account

    def holds(self, basis: Basis | None, user_id: str, credit_matters: bool) -> bool:
        """Whether a decision taken on ``basis`` stands on the account as it is now: the same
        revision and status, and the same credit if the decision was about credit."""
        account = self.current(user_id)
        if basis is None or account is None:
            return False
        return (
            basis.rev == self._revs[user_id]
            and basis.status == account.status
            and (not credit_matters or basis.credit == account.credit)
        )

    def seen(self) -> dict[str, tuple[int, Account]]:
        """The accounts this transaction read, as it leaves them."""
        return {u: (self._revs[u], a) for u, a in self._accounts.items()}

    def _next_ids(self) -> list[int]:
        if self._last_ids is None:
            self._last_ids = list(newest_ids(self.db))
        return self._last_ids

    def failed_login(self, user_id: str) -> Account:
        account = self.current(user_id)
        if account is None:
            raise KeyError(user_id)
        account.fail_login()
        self._dirty.add(user_id)
        return account

    def clear_failed_logins(self, user_id: str) -> None:
        account = self.current(user_id)
        if account is not None and account.clear_failed_logins():
            self._dirty.add(user_id)

    def charge(self, user_id: str, cost: int) -> bool:
        account = self.current(user_id)
        if account is None or not account.charge(cost):
            return False
        self._dirty.add(user_id)
        return True

    def record(
        self, entry: JournalEntry, messages: list[Message], encoded: Encoded | None = None
    ) -> None:
        """``encoded``: :func:`encode` of this entry and these messages, if made already."""
        if encoded is None:
            encoded = encode(entry, messages)
        ids = self._next_ids()
        ids[0] += 1
        entry.id = ids[0]
        for m, row in zip(messages, encoded.messages, strict=True):
            ids[1] += 1
            m.id, m.request_id = ids[1], entry.id
            self._messages.append((*row, m.id, m.request_id))
        entry.messages = [m.id for m in messages]
        self._journal.append(
            (
                *encoded.journal,
                entry.id,
                entry.code,
                entry.reason,
                entry.decided_by,
                f"[{','.join(map(str, entry.messages))}]",
            )
        )

    def count(self, key: CounterKey, n: int = 1) -> None:
        self._counts[key] = self._counts.get(key, 0) + n

    def flush(self) -> None:
        """Write what this transaction did (before its ``COMMIT``)."""
        db = self.db
        for user_id in self._dirty:
            a = self._accounts[user_id]
            db.execute(
                "UPDATE accounts SET credit = ?, failed_logins = ?, status = ? WHERE user_id = ?",
                (a.credit, a.failed_logins, a.status, user_id),
            )
        if self._last_ids is not None:
            newest_request, newest_message = self._last_ids
            if self._journal:
                db.executemany(JOURNAL_INSERT, self._journal)
                self._trim("journal", newest_request, self.s._journal_cap)
            if self._messages:
                db.executemany(MESSAGE_INSERT, self._messages)
                self._trim("messages", newest_message, self.s._message_cap)
        if self._counts:
            db.executemany(
                "INSERT INTO counters (key, n) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET n = n + excluded.n",
                [(KEY_SEPARATOR.join(key), n) for key, n in self._counts.items()],
            )

    def _trim(self, table: str, newest: int, cap: int) -> None:
        """Keep at most ``cap`` rows: drop those more than ``cap`` ids behind the newest."""
        if newest > cap:
            cursor = self.db.execute(f"DELETE FROM {table} WHERE id <= ?", (newest - cap,))
            if cursor.rowcount > 0:
                self.count(("dropped", table), cursor.rowcount)
