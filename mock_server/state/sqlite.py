"""``--state sqlite:PATH``: the emulator's state in one SQLite file.

What it gives over the memory state:

* **Restarts keep everything**: messages, journal, counters and account state (credit,
  failed logins, lockouts, admin patches). Accounts of the config that the file does not have
  yet are added at start-up; accounts it has keep their state. ``POST /_mock/api/reset`` goes
  back to the config (delete the file to start from scratch too).
* **Several workers share it** (``--workers N``): every answered request is written in a
  ``BEGIN IMMEDIATE`` transaction (charge, store, journal, counters), so credit is spent exactly
  once across processes: a charge never takes more than the account has, as the file has it
  in that transaction. The gateway's requests are committed in groups (``Backend``), and a
  transaction keeps its writes in memory until it ends, then writes them in a few statements
  (:class:`_SqliteTransaction`), so each write turn is short.
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

import contextlib
import fcntl
import json
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final, NamedTuple

from ismart_sms_kit.mock_server.state.accounts import DATETIME_FIELDS, Account, apply_patch
from ismart_sms_kit.mock_server.state.memory import (
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

SCHEMA_VERSION: Final = "1"
_DYNAMIC: Final = ("credit", "failed_logins", "status")
_STATIC: Final = tuple(f.name for f in fields(Account) if f.name not in (*_DYNAMIC, "user_id"))
_KEY_SEPARATOR: Final = "\x1f"

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    user_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, data TEXT NOT NULL,
    credit INTEGER NOT NULL, failed_logins INTEGER NOT NULL, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, request_id INTEGER NOT NULL, received_at REAL NOT NULL,
    push_at REAL, user_id TEXT NOT NULL, header TEXT NOT NULL, number TEXT NOT NULL,
    reference_id TEXT, text TEXT NOT NULL, lang INTEGER NOT NULL, encoding TEXT NOT NULL,
    parts INTEGER NOT NULL, units INTEGER NOT NULL, endpoint TEXT NOT NULL,
    flash INTEGER NOT NULL, scope TEXT NOT NULL, delivery TEXT, delivered_at REAL);
CREATE INDEX IF NOT EXISTS messages_number ON messages (number);
CREATE INDEX IF NOT EXISTS messages_reference ON messages (user_id, reference_id);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, method TEXT NOT NULL,
    endpoint TEXT NOT NULL, client_ip TEXT NOT NULL, params TEXT NOT NULL, code INTEGER,
    reason TEXT NOT NULL, decided_by TEXT NOT NULL, http_status INTEGER NOT NULL,
    user_id TEXT, messages TEXT NOT NULL, scope TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL);
"""
_MESSAGE_COLUMNS: Final = (
    "id, request_id, received_at, push_at, user_id, header, number, reference_id, text, lang, "
    "encoding, parts, units, endpoint, flash, scope, delivery, delivered_at"
)
_JOURNAL_COLUMNS: Final = (
    "id, time, method, endpoint, client_ip, params, code, reason, decided_by, http_status, "
    "user_id, messages, scope"
)
_JOURNAL_INSERT: Final = (
    "INSERT INTO journal (time, method, endpoint, client_ip, params, http_status, user_id, scope, "
    "id, code, reason, decided_by, messages) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_MESSAGE_INSERT: Final = (
    "INSERT INTO messages (received_at, push_at, user_id, header, number, reference_id, text, "
    "lang, encoding, parts, units, endpoint, flash, scope, delivery, delivered_at, id, request_id) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_REMOVED: Final = "removed"
"""The prefix of the ``meta`` keys that count resets and deletes (``removals``)."""
CHECKPOINT_EVERY_S: Final = 0.05
"""A process that writes checkpoints the WAL after its turn if it has not for this long."""
WAL_RESTART_FRAMES: Final = 1024
"""A WAL this long (4 MiB of 4 KiB pages, SQLite's own threshold) is checkpointed again with the
writers held off, so that the next write restarts it; until then checkpoints run beside them.
(With two busy workers a checkpoint beside writers never quite catches up: the WAL would only
grow. Measured with ``--workers 2`` under wrk: the WAL file stays under 7 MB, at the same
requests/s as with a 64 MiB threshold.)"""


def _doorbell(path: str) -> int | None:
    """The FIFO every process on the state file rings after its write turn (a byte), so that
    a worker waiting for the turn wakes at once instead of polling; None where the file system
    has no FIFOs (then they poll). Bytes nobody waited for are stale: a waiter drains them and
    tries the lock once for nothing."""
    with contextlib.suppress(FileExistsError):
        try:
            os.mkfifo(path, 0o600)
        except OSError as exc:
            if isinstance(exc, FileExistsError):
                raise
            return None
    if not stat.S_ISFIFO(os.stat(path).st_mode):
        raise OSError(f"{path} is not a FIFO (the state file's doorbell): remove it")
    return os.open(path, os.O_RDWR | os.O_NONBLOCK)


class StateFileError(RuntimeError):
    """The state file cannot be used (another schema, not a database, unwritable)."""


def _ts(when: datetime | None) -> float | None:
    return when.timestamp() if when is not None else None


def _dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, timezone.utc) if value is not None else None


def _static_json(account: Account) -> str:
    data: dict[str, Any] = {}
    for name in _STATIC:
        value = getattr(account, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(data)


def _static_values(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    for name in DATETIME_FIELDS:
        if data.get(name) is not None:
            data[name] = datetime.fromisoformat(data[name])
    return data


def _message(row: tuple[Any, ...]) -> Message:
    (id_, request_id, received_at, push_at, user_id, header, number, reference_id, text, lang,
     encoding, parts, units, endpoint, flash, scope, delivery, delivered_at) = row  # fmt: skip
    return Message(
        id=id_,
        request_id=request_id,
        received_at=_dt(received_at) or datetime.now(timezone.utc),
        push_at=_dt(push_at),
        user_id=user_id,
        header=header,
        number=number,
        reference_id=reference_id,
        text=text,
        lang=lang,
        encoding=encoding,
        parts=parts,
        units=units,
        endpoint=endpoint,
        flash=bool(flash),
        scope=scope,
        delivery=delivery,
        delivered_at=_dt(delivered_at),
    )


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    (id_, time, method, endpoint, client_ip, params, code, reason, decided_by, http_status,
     user_id, messages, scope) = row  # fmt: skip
    return JournalEntry(
        id=id_,
        time=_dt(time) or datetime.now(timezone.utc),
        method=method,
        endpoint=endpoint,
        client_ip=client_ip,
        params=json.loads(params),
        code=code,
        reason=reason,
        decided_by=decided_by,
        http_status=http_status,
        user_id=user_id,
        messages=json.loads(messages),
        scope=scope,
    )


def _newest_ids(db: sqlite3.Connection) -> tuple[int, int]:
    """The newest journal and message ids ever handed out (``AUTOINCREMENT``'s record)."""
    seq = dict(db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    return int(seq.get("journal", 0)), int(seq.get("messages", 0))


class Encoded(NamedTuple):
    """A journal entry and its messages as rows, but for what only the transaction knows (the
    ids, and the code the entry ends with); made before it, outside the write lock."""

    journal: tuple[Any, ...]
    messages: list[tuple[Any, ...]]


class Basis(NamedTuple):
    """What a decision read of its account that another request may change since: the
    revision (patches, resets), the status (lockouts) and the credit."""

    rev: int
    status: str
    credit: int


def encode(entry: JournalEntry, messages: list[Message]) -> Encoded:
    return Encoded(
        (
            entry.time.timestamp(),
            entry.method,
            entry.endpoint,
            entry.client_ip,
            json.dumps(entry.params),
            entry.http_status,
            entry.user_id,
            entry.scope,
        ),
        [
            (
                m.received_at.timestamp(),
                _ts(m.push_at),
                m.user_id,
                m.header,
                m.number,
                m.reference_id,
                m.text,
                m.lang,
                m.encoding,
                m.parts,
                m.units,
                m.endpoint,
                int(m.flash),
                m.scope,
                m.delivery,
                _ts(m.delivered_at),
            )
            for m in messages
        ],
    )


class _SqliteTransaction:
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
        self._journal: list[tuple[Any, ...]] = []
        self._messages: list[tuple[Any, ...]] = []
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
            self._last_ids = list(_newest_ids(self.db))
        return self._last_ids

    def failed_login(self, user_id: str) -> Account:
        account = self.current(user_id)
        if account is None:
            raise KeyError(user_id)
        account.failed_logins += 1
        if account.failed_logins >= account.lockout_threshold:
            account.status = "blocked"
        self._dirty.add(user_id)
        return account

    def clear_failed_logins(self, user_id: str) -> None:
        account = self.current(user_id)
        if account is not None and account.failed_logins > 0 and account.status != "blocked":
            account.failed_logins = 0
            self._dirty.add(user_id)

    def charge(self, user_id: str, cost: int) -> bool:
        account = self.current(user_id)
        if account is None or account.credit < cost:
            return False
        account.credit -= cost
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
                db.executemany(_JOURNAL_INSERT, self._journal)
                self._trim("journal", newest_request, self.s._journal_cap)
            if self._messages:
                db.executemany(_MESSAGE_INSERT, self._messages)
                self._trim("messages", newest_message, self.s._message_cap)
        if self._counts:
            db.executemany(
                "INSERT INTO counters (key, n) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET n = n + excluded.n",
                [(_KEY_SEPARATOR.join(key), n) for key, n in self._counts.items()],
            )

    def _trim(self, table: str, newest: int, cap: int) -> None:
        """Keep at most ``cap`` rows: drop those more than ``cap`` ids behind the newest."""
        if newest > cap:
            cursor = self.db.execute(f"DELETE FROM {table} WHERE id <= ?", (newest - cap,))
            if cursor.rowcount > 0:
                self.count(("dropped", table), cursor.rowcount)


class SqliteStorage:
    """The :class:`ismart_sms_kit.mock_server.state.memory.Storage` interface on one SQLite file."""

    group_commit = True
    """Requests answered together may share one transaction (``Backend.commit_together``)."""

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
            self.wake_fd = _doorbell(f"{self.path}-wake")
            self._tx = _SqliteTransaction(self)
            with self.transaction():
                self._create()
        except (sqlite3.DatabaseError, OSError) as exc:
            if self._writer >= 0:
                os.close(self._writer)
            if self.wake_fd is not None:
                os.close(self.wake_fd)
            raise StateFileError(f"state file {self.path}: {exc}") from None

    def _create(self) -> None:
        for statement in _SCHEMA.split(";"):
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
        for account in self._initial_accounts:
            self._put(account, "INSERT OR IGNORE")

    def _put(self, account: Account, verb: str = "INSERT OR REPLACE", rev: int = 1) -> None:
        self._db.execute(
            f"{verb} INTO accounts (user_id, rev, data, credit, failed_logins, status) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                account.user_id,
                rev,
                _static_json(account),
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
            cached = (rev, _static_values(data))
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

    def patch_account(self, user_id: str, patch: Mapping[str, Any]) -> Account | None:
        with self.transaction():
            current = self._load(user_id)
            if current is None:
                return None
            updated = apply_patch(current, patch)
            (rev,) = self._db.execute(
                "SELECT rev FROM accounts WHERE user_id = ?", (user_id,)
            ).fetchone()
            self._put(updated, rev=rev + 1)
            self._known.pop(user_id, None)
            return updated

    @staticmethod
    def encode(entry: JournalEntry, messages: list[Message]) -> Encoded:
        """The rows of a journal entry and its messages, made before their transaction."""
        return encode(entry, messages)

    def try_writer(self) -> bool:
        """Take the writers' turn (see :meth:`transaction`) if it is free, without waiting."""
        try:
            fcntl.flock(self._writer, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release_writer(self) -> None:
        """End the writers' turn, ring the doorbell (``PATH-wake``) so that a worker waiting
        for the turn wakes at once, then checkpoint the WAL if this process has not for
        ``CHECKPOINT_EVERY_S`` (see :meth:`checkpoint`)."""
        fcntl.flock(self._writer, fcntl.LOCK_UN)
        self._ring()
        self.checkpoint(CHECKPOINT_EVERY_S)

    def checkpoint(self, unless_within: float) -> bool:
        """Checkpoint the WAL unless this process did within the last ``unless_within``
        seconds; whether it did. Outside the writers' turn, or while waiting for it.

        SQLite's automatic checkpoint would run inside ``COMMIT``, that is within the turn,
        copying pages for milliseconds while every other worker waits (a fifth of the turns'
        time with two workers). Here it runs outside the turn, beside the other writers
        (``PASSIVE``): after a turn, or, better, while a worker waits for the turn, time it
        would otherwise spend idle (``Backend``). A checkpoint beside writers may not catch
        up with them, and the WAL restarts from its beginning (at the next write) only once one
        has, so a WAL that reaches ``WAL_RESTART_FRAMES`` is checkpointed again with the writers
        held off, which copies the few frames written meanwhile. ``PASSIVE`` there too: it never
        waits (``RESTART`` would wait, in the turn, for another process's checkpoint, which a
        worker runs while it waits for the turn)."""
        now = time.monotonic()
        if now - self._checkpointed < unless_within:
            return False
        self._checkpointed = now
        with self._lock:
            try:
                _, frames, _ = self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if frames >= WAL_RESTART_FRAMES:  # again, with the writers held off
                    fcntl.flock(self._writer, fcntl.LOCK_EX)
                    try:
                        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    finally:
                        fcntl.flock(self._writer, fcntl.LOCK_UN)
                        self._ring()
            except sqlite3.OperationalError:  # another process is checkpointing: it will do
                pass
        return True

    def drain_doorbell(self) -> None:
        """Read the doorbell's bytes (see :func:`_doorbell`)."""
        if self.wake_fd is not None:
            with contextlib.suppress(BlockingIOError):
                while os.read(self.wake_fd, 4096):
                    pass

    def _ring(self) -> None:
        if self.wake_fd is not None:
            with contextlib.suppress(BlockingIOError):  # full: nobody has read for a while
                os.write(self.wake_fd, b"\0")

    @contextmanager
    def transaction(self, *, writer_held: bool = False) -> Iterator[_SqliteTransaction]:
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
        rows = self._select("messages", _MESSAGE_COLUMNS, where, args, query)
        return [_message(r) for r in rows]

    def find_requests(self, query: RequestQuery) -> list[JournalEntry]:
        where: list[str] = ["id > ?"]
        args: list[Any] = [query.after]
        if query.scope is not None:
            where.append("scope = ?")
            args.append(query.scope)
        if query.rejected:
            where.append("(code IS NULL OR code != 1) AND decided_by != ?")
            args.append(REPORTED)
        rows = self._select("journal", _JOURNAL_COLUMNS, where, args, query)
        return [_entry(r) for r in rows]

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

    def latest_ids(self) -> tuple[int, int]:
        with self._lock:
            journal, messages = _newest_ids(self._db)
        return messages, journal

    def set_delivery(self, message_id: int, state: str, at: datetime) -> Message | None:
        with self.transaction():
            self._db.execute(
                "UPDATE messages SET delivery = ?, delivered_at = ? WHERE id = ?",
                (state, at.timestamp(), message_id),
            )
            row = self._db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
        return _message(row) if row is not None else None

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
        return {tuple(key.split(_KEY_SEPARATOR)): int(n) for key, n in rows}

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
            revs = dict(self._db.execute("SELECT user_id, rev FROM accounts").fetchall())
            self._db.execute("DELETE FROM accounts")
            for account in self._initial_accounts:
                self._put(account, rev=revs.get(account.user_id, 0) + 1)
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
