"""``--state sqlite:PATH``: the emulator's state in one SQLite file.

What it gives over the memory state:

* **Restarts keep everything**: messages, journal, counters and account state (credit,
  failed logins, lockouts, admin patches). Accounts of the config that the file does not have
  yet are added at start-up; accounts it has keep their state. ``POST /_mock/api/reset`` goes
  back to the config (delete the file to start from scratch too).
* **Several workers share it** (``--workers N``): every answered request is written in a
  ``BEGIN IMMEDIATE`` transaction (charge, store, journal, counters), so credit is spent exactly
  once across processes: a charge never takes more than the account has, as the file has it
  in that transaction. The gateway's requests are committed in groups (``group_commit``), and a
  transaction keeps its writes in memory until it ends, then writes them in a few statements
  (``sqlite_transaction.SqliteTransaction``), so each write turn is short.
* **Crash safety**: WAL mode with ``synchronous=NORMAL`` makes every committed transaction
  survive the process being killed (``kill -9``); only a power loss or OS crash may lose the
  last ones. A request is answered only after its transaction committed.

Beside ``PATH`` live SQLite's ``PATH-wal`` and ``PATH-shm``, and the emulator's ``PATH-lock``
(the writers' turn, an ``flock``) and ``PATH-wake`` (a FIFO: the doorbell a writer rings when
its turn ends, see :meth:`SqliteStorage.release_writer`). Copy the state file with the
emulator stopped, and copy ``PATH`` (and ``PATH-wal`` if it is there), not the FIFO.

Passwords are not in the file: accounts keep a salted digest (``accounts.digest_password``),
the journal masks them.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path

from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.mock_server.state.base import Encoded, GroupCommitStorage, StateFileError
from ismart_sms_kit.mock_server.state.model import (
    DEFAULT_JOURNAL_CAP,
    DEFAULT_MESSAGE_CAP,
    REMOVAL_KINDS,
    JournalEntry,
    Message,
)
from ismart_sms_kit.mock_server.state.sqlite_accounts import SqliteAccounts
from ismart_sms_kit.mock_server.state.sqlite_reads import REMOVED, SqliteReads
from ismart_sms_kit.mock_server.state.sqlite_rows import MESSAGES, encode
from ismart_sms_kit.mock_server.state.sqlite_schema import create_tables
from ismart_sms_kit.mock_server.state.sqlite_transaction import SqliteTransaction
from ismart_sms_kit.mock_server.state.sqlite_turn import WriterTurn, doorbell


class SqliteStorage(SqliteAccounts, SqliteReads, WriterTurn):
    """The :class:`ismart_sms_kit.mock_server.state.base.Storage` interface on one SQLite file:
    its accounts (:class:`~.sqlite_accounts.SqliteAccounts`), its reads
    (:class:`~.sqlite_reads.SqliteReads`), the writers' turn
    (:class:`~.sqlite_turn.WriterTurn`); here, its transactions and the admin side's writes
    to messages and journal."""

    def __init__(
        self,
        path: str | Path,
        accounts: Iterable[Account],
        closed_companies: Iterable[str] = (),
        *,
        message_cap: int = DEFAULT_MESSAGE_CAP,
        journal_cap: int = DEFAULT_JOURNAL_CAP,
    ) -> None:
        self.path = str(path)
        self._initial_accounts = [a.copy() for a in accounts]
        self._closed_companies = frozenset(closed_companies)
        self._message_cap = message_cap
        self._journal_cap = journal_cap
        self._lock = threading.RLock()
        self._static = {}
        self._known = {}
        self._writer = -1
        self._commits = 0
        self.wake_fd = None
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA wal_autocheckpoint = 0")  # see release_writer
            self._checkpointed = 0.0
            self._writer = os.open(f"{self.path}-lock", os.O_RDWR | os.O_CREAT, 0o600)
            self.wake_fd = doorbell(f"{self.path}-wake")
            self._tx = SqliteTransaction(self)
            with self.transaction():
                create_tables(self._db)
                self._add_configured()
        except (sqlite3.DatabaseError, OSError) as exc:
            if self._writer >= 0:
                os.close(self._writer)
            if self.wake_fd is not None:
                os.close(self.wake_fd)
            raise StateFileError(f"state file {self.path}: {exc}") from None

    def encode(self, entry: JournalEntry, messages: list[Message]) -> Encoded:
        """The rows of a journal entry and its messages, made before their transaction."""
        return encode(entry, messages)

    def group_committer(self) -> GroupCommitStorage:
        return self

    def group_transaction(self) -> AbstractContextManager[SqliteTransaction]:
        return self.transaction(writer_held=True)

    @contextmanager
    def transaction(self, *, writer_held: bool = False) -> Iterator[SqliteTransaction]:
        """One write transaction. Writers of every process on this file take turns through
        an ``flock`` on ``PATH-lock`` first: the kernel wakes the next one the moment the lock
        is free, where SQLite's own busy handler would poll in sleeps of 1 to 100 ms (two
        ``--workers`` collide on nearly every request). A transaction never awaits, so the
        lock is held for its few statements only. ``writer_held``: the caller took the turn
        with :meth:`try_writer` and releases it. (The turn only spares SQLite's busy handler;
        SQLite's own locks keep the file consistent in any case.)"""
        with self._lock:
            if not writer_held:
                fcntl.flock(self._writer, fcntl.LOCK_EX)
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._tx
                    self._tx.flush()
                except BaseException:
                    self._tx.discard()
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
                self._commits += 1
                self._known.update(self._tx.seen())
                self._tx.discard()
            finally:
                if not writer_held:
                    self.release_writer()

    def set_delivery(self, message_id: int, state: str, at: datetime) -> Message | None:
        with self.transaction():
            self._db.execute(
                "UPDATE messages SET delivery = ?, delivered_at = ? WHERE id = ?",
                (state, at.timestamp(), message_id),
            )
            row = self._db.execute(
                f"SELECT {MESSAGES.select} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
        return MESSAGES.decode(row) if row is not None else None

    def _removed(self, kind: str, scope: str | None) -> None:
        """Count a removal, within the caller's transaction (see :meth:`removals`)."""
        key = f"{REMOVED}:{kind}" + ("" if scope is None else f":{scope}")
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, '1') "
            "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
            (key,),
        )

    def clear_messages(self, scope: str | None = None) -> None:
        with self.transaction():
            self._removed("messages", scope)
            if scope is None:
                self._db.execute("DELETE FROM messages")
            else:
                self._db.execute("DELETE FROM messages WHERE scope = ?", (scope,))

    def delete_message(self, message_id: int) -> Message | None:
        with self.transaction():
            row = self._db.execute(
                f"SELECT {MESSAGES.select} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                return None
            message = MESSAGES.decode(row)
            self._removed("messages", message.scope or None)
            self._db.execute("DELETE FROM messages WHERE id = ?", (message_id,))
        return message

    def reset(self, scope: str | None = None) -> None:
        with self.transaction():
            if scope is not None:
                self._removed("messages", scope)
                self._removed("journal", scope)
                self._db.execute("DELETE FROM messages WHERE scope = ?", (scope,))
                self._db.execute("DELETE FROM journal WHERE scope = ?", (scope,))
                return
            # every view loses everything: one count per kind is enough from here on (it only
            # has to change), so the scopes' counts are folded into it and do not pile up
            counts = self.removals()
            prefix = f"{REMOVED}:"
            self._db.execute("DELETE FROM meta WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
            self._db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    (f"{REMOVED}:{kind}", str(n + 1))
                    for kind, n in zip(REMOVAL_KINDS, counts, strict=True)
                ],
            )
            self._db.execute("DELETE FROM messages")
            self._db.execute("DELETE FROM journal")
            self._reset_accounts()

    def close(self) -> None:
        with self._lock:
            self._db.close()
            if self._writer >= 0:
                os.close(self._writer)
                self._writer = -1
            if self.wake_fd is not None:
                os.close(self.wake_fd)
                self.wake_fd = None
