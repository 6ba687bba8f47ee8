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
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from ismart_sms_kit.mock_server.state.accounts import Account, apply_patch, replace_definition
from ismart_sms_kit.mock_server.state.base import Basis, Encoded, GroupCommitStorage
from ismart_sms_kit.mock_server.state.model import (
    DEFAULT_JOURNAL_CAP,
    DEFAULT_MESSAGE_CAP,
    REMOVAL_KINDS,
    REPORTED,
    CounterKey,
    JournalEntry,
    Message,
    MessageQuery,
    RequestQuery,
)
from ismart_sms_kit.mock_server.state.sqlite_rows import (
    JOURNAL_COLUMNS,
    KEY_SEPARATOR,
    MESSAGE_COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    encode,
    entry_from_row,
    message_from_row,
    newest_ids,
    static_json,
    static_values,
)
from ismart_sms_kit.mock_server.state.sqlite_transaction import SqliteTransaction
from ismart_sms_kit.mock_server.state.sqlite_turn import WriterTurn, doorbell

_DELETED: Final = "deleted:"
"""The prefix of the ``meta`` keys naming configured accounts deleted through the admin API
(so that a restart does not bring them back; a reset does)."""
_ACCOUNT_REV: Final = "account_rev"
"""The ``meta`` key of the last account revision handed out: one sequence for every account,
so that an account deleted and created again never takes a revision a worker saw before."""
_REMOVED: Final = "removed"
"""The prefix of the ``meta`` keys that count resets and deletes (``removals``)."""


class StateFileError(RuntimeError):
    """The state file cannot be used (another schema, not a database, unwritable)."""


class SqliteStorage(WriterTurn):
    """The :class:`ismart_sms_kit.mock_server.state.base.Storage` interface on one SQLite file."""

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
        self._static: dict[str, tuple[int, dict[str, Any]]] = {}
        self._known: dict[str, tuple[int, Account]] = {}
        """The accounts as this process last read or wrote them (``recent_account``)."""
        self._writer = -1
        self._commits = 0
        """Transactions this process committed (``data_version`` counts the others')."""
        self.wake_fd: int | None = None
        """Readable when a writer ended its turn (see :meth:`release_writer`); None where the
        file system has no FIFOs."""
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
                self._create()
        except (sqlite3.DatabaseError, OSError) as exc:
            if self._writer >= 0:
                os.close(self._writer)
            if self.wake_fd is not None:
                os.close(self.wake_fd)
            raise StateFileError(f"state file {self.path}: {exc}") from None

    def _create(self) -> None:
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(journal)")}
        if columns and "params_cut" not in columns:  # a file from before the journal said
            self._db.execute("ALTER TABLE journal ADD COLUMN params_cut TEXT")  # what it cut
        for statement in SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,)
            )
        elif row[0] != SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"schema version {row[0]}, this emulator needs {SCHEMA_VERSION}: "
                "delete the file or use another path"
            )
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(messages)")}
        if "header_defaulted" not in columns:  # a state file from before issue 17
            self._db.execute(
                "ALTER TABLE messages ADD COLUMN header_defaulted INTEGER NOT NULL DEFAULT 0"
            )
        deleted = {
            r[0][len(_DELETED) :]
            for r in self._db.execute(
                "SELECT key FROM meta WHERE substr(key, 1, ?) = ?", (len(_DELETED), _DELETED)
            )
        }
        for account in self._initial_accounts:
            if account.user_id not in deleted:
                self._put(account, "INSERT OR IGNORE")

    def _next_rev(self) -> int:
        """A new account revision, above every one handed out (inside a transaction)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (_ACCOUNT_REV,)).fetchone()
        top = self._db.execute("SELECT MAX(rev) FROM accounts").fetchone()[0] or 0
        rev = max(int(row[0]) if row else 0, top) + 1
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (_ACCOUNT_REV, str(rev)),
        )
        return rev

    def _put(self, account: Account, verb: str = "INSERT OR REPLACE", rev: int = 1) -> None:
        self._db.execute(
            f"{verb} INTO accounts (user_id, rev, data, credit, failed_logins, status) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                account.user_id,
                rev,
                static_json(account),
                account.credit,
                account.failed_logins,
                account.status,
            ),
        )

    # accounts ---------------------------------------------------------------------------------
    def _load(self, user_id: str) -> Account | None:
        loaded = self._load_rev(user_id)
        return None if loaded is None else loaded[1]

    def _load_rev(self, user_id: str) -> tuple[int, Account] | None:
        """The account as the file has it, and its revision (a patch or a reset adds one)."""
        row = self._db.execute(
            "SELECT rev, data, credit, failed_logins, status FROM accounts WHERE user_id = ?",
            (user_id,),
        ).fetchone()
        if row is None:
            return None
        rev, data, credit, failed_logins, status = row
        cached = self._static.get(user_id)
        if cached is None or cached[0] != rev:
            cached = (rev, static_values(data))
            self._static[user_id] = cached
        static: dict[str, Any] = {
            k: list(v) if isinstance(v, list) else v for k, v in cached[1].items()
        }
        return rev, Account(
            user_id=user_id, credit=credit, failed_logins=failed_logins, status=status, **static
        )

    def recent_account(self, user_id: str) -> tuple[Account | None, Basis | None]:
        """The account as this process last read or wrote it, without reading the file (which
        another worker's commit makes slow: it empties this connection's page cache), and the
        :class:`Basis` a decision on it stands on. For the gateway's requests only: their group
        commit decides again any request whose basis no longer holds (``Backend``)."""
        known = self._known.get(user_id)
        if known is None:
            with self._lock:
                loaded = self._load_rev(user_id)
            if loaded is None:
                return None, None
            known = self._known[user_id] = loaded
        rev, account = known
        return account, Basis(rev, account.status, account.credit)

    def account(self, user_id: str) -> Account | None:
        with self._lock:
            return self._load(user_id)

    def accounts(self) -> list[Account]:
        with self._lock:
            ids = [r[0] for r in self._db.execute("SELECT user_id FROM accounts ORDER BY rowid")]
            return [a for a in (self._load(i) for i in ids) if a is not None]

    def company_exists(self, name: str) -> bool:
        return name not in self._closed_companies

    def patch_account(self, user_id: str, patch: Mapping[str, object]) -> Account | None:
        with self.transaction():
            current = self._load(user_id)
            if current is None:
                return None
            updated = apply_patch(current, patch)
            self._put(updated, rev=self._next_rev())
            self._known.pop(user_id, None)
            return updated

    def create_account(self, account: Account) -> bool:
        with self.transaction():
            if self._load_rev(account.user_id) is not None:
                return False
            self._put(account, "INSERT", rev=self._next_rev())
            self._db.execute("DELETE FROM meta WHERE key = ?", (_DELETED + account.user_id,))
            return True

    def put_account(self, user_id: str, data: Mapping[str, object]) -> tuple[Account, bool]:
        with self.transaction():
            current = self._load(user_id)
            account = replace_definition(current, data, user_id)
            self._put(account, rev=self._next_rev())
            self._db.execute("DELETE FROM meta WHERE key = ?", (_DELETED + user_id,))
            self._known.pop(user_id, None)
            return account, current is None

    def delete_account(self, user_id: str) -> bool:
        with self.transaction():
            self._next_rev()  # the sequence moves on: a revision is never handed out twice
            gone = self._db.execute("DELETE FROM accounts WHERE user_id = ?", (user_id,))
            if gone.rowcount == 0:
                return False
            if any(a.user_id == user_id for a in self._initial_accounts):
                self._db.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?, '1')", (_DELETED + user_id,)
                )
            self._known.pop(user_id, None)
            return True

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

    # messages and journal ---------------------------------------------------------------------
    def find_messages(self, query: MessageQuery) -> list[Message]:
        where: list[str] = ["id > ?"]
        args: list[Any] = [query.after]
        for column, value in (
            ("scope", query.scope),
            ("number", query.to),
            ("user_id", query.user),
            ("header", query.header),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if query.contains is not None:
            where.append("instr(text, ?) > 0")
            args.append(query.contains)
        if query.since is not None:
            where.append("received_at >= ?")
            args.append(query.since.timestamp())
        if query.reference_ids is not None:
            where.append(f"reference_id IN ({','.join('?' * len(query.reference_ids))})")
            args.extend(query.reference_ids)
        rows = self._select("messages", MESSAGE_COLUMNS, where, args, query)
        return [message_from_row(r) for r in rows]

    def find_requests(self, query: RequestQuery) -> list[JournalEntry]:
        where: list[str] = ["id > ?"]
        args: list[Any] = [query.after]
        if query.scope is not None:
            where.append("scope = ?")
            args.append(query.scope)
        if query.rejected:
            where.append("(code IS NULL OR code != 1) AND decided_by != ?")
            args.append(REPORTED)
        rows = self._select("journal", JOURNAL_COLUMNS, where, args, query)
        return [entry_from_row(r) for r in rows]

    def _select(
        self,
        table: str,
        columns: str,
        where: list[str],
        args: list[Any],
        query: MessageQuery | RequestQuery,
    ) -> list[tuple[Any, ...]]:
        """The rows of ``table`` that match ``where``, in the query's order and limit."""
        order = "ASC" if query.oldest_first else "DESC"
        sql = (
            f"SELECT {columns} FROM {table} WHERE {' AND '.join(where)} ORDER BY id {order} LIMIT ?"
        )
        with self._lock:
            return self._db.execute(sql, (*args, query.limit)).fetchall()

    def messages(self, scope: str | None = None) -> list[Message]:
        return self.find_messages(MessageQuery(scope=scope, limit=-1, oldest_first=True))

    def journal_entries(self, scope: str | None = None) -> list[JournalEntry]:
        return self.find_requests(RequestQuery(scope=scope, limit=-1, oldest_first=True))

    def version(self, scope: str | None = None) -> tuple[int, int]:
        """SQLite's ``data_version`` (it changes when another connection, of this process or
        another, commits) and this connection's own commits, whatever the scope: no table is
        read."""
        with self._lock:
            (data_version,) = self._db.execute("PRAGMA data_version").fetchone()
        return int(data_version), self._commits

    def latest_ids(self) -> tuple[int, int]:
        with self._lock:
            journal, messages = newest_ids(self._db)
        return messages, journal

    def set_delivery(self, message_id: int, state: str, at: datetime) -> Message | None:
        with self.transaction():
            self._db.execute(
                "UPDATE messages SET delivery = ?, delivered_at = ? WHERE id = ?",
                (state, at.timestamp(), message_id),
            )
            row = self._db.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
        return message_from_row(row) if row is not None else None

    def sizes(self, scope: str | None = None) -> tuple[int, int]:
        clause, args = ("", ()) if scope is None else (" WHERE scope = ?", (scope,))
        with self._lock:
            (messages,) = self._db.execute(
                f"SELECT COUNT(*) FROM messages{clause}", args
            ).fetchone()
            (journal,) = self._db.execute(f"SELECT COUNT(*) FROM journal{clause}", args).fetchone()
        return int(messages), int(journal)

    def counters(self) -> dict[CounterKey, int]:
        with self._lock:
            rows = self._db.execute("SELECT key, n FROM counters").fetchall()
        return {tuple(key.split(KEY_SEPARATOR)): int(n) for key, n in rows}

    def removals(self, scope: str | None = None) -> tuple[int, int]:
        """Kept in ``meta`` (``removed:KIND`` and ``removed:KIND:SCOPE``), so that a reset
        served by one worker reaches the event streams of every worker."""

        def count(kind: str) -> int:
            key = f"{_REMOVED}:{kind}"
            if scope is None:
                row = self._db.execute(
                    "SELECT SUM(CAST(value AS INTEGER)) FROM meta "
                    "WHERE key = ? OR substr(key, 1, ?) = ?",
                    (key, len(key) + 1, key + ":"),
                ).fetchone()
            else:
                row = self._db.execute(
                    "SELECT SUM(CAST(value AS INTEGER)) FROM meta WHERE key IN (?, ?)",
                    (key, f"{key}:{scope}"),
                ).fetchone()
            return int(row[0] or 0)

        with self._lock:
            messages, journal = (count(kind) for kind in REMOVAL_KINDS)
            return messages, journal

    def _removed(self, kind: str, scope: str | None) -> None:
        """Count a removal, within the caller's transaction (see :meth:`removals`)."""
        key = f"{_REMOVED}:{kind}" + ("" if scope is None else f":{scope}")
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
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                return None
            message = message_from_row(row)
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
            prefix = f"{_REMOVED}:"
            self._db.execute("DELETE FROM meta WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
            self._db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    (f"{_REMOVED}:{kind}", str(n + 1))
                    for kind, n in zip(REMOVAL_KINDS, counts, strict=True)
                ],
            )
            self._db.execute("DELETE FROM messages")
            self._db.execute("DELETE FROM journal")
            self._db.execute(
                "DELETE FROM meta WHERE substr(key, 1, ?) = ?", (len(_DELETED), _DELETED)
            )
            rev = self._next_rev()
            self._db.execute("DELETE FROM accounts")
            for account in self._initial_accounts:
                self._put(account, rev=rev)
            self._known.clear()

    def close(self) -> None:
        with self._lock:
            self._db.close()
            if self._writer >= 0:
                os.close(self._writer)
                self._writer = -1
            if self.wake_fd is not None:
                os.close(self.wake_fd)
                self.wake_fd = None
