"""The SQLite state's reads: messages and journal by query, sizes, counters, the newest ids,
and what tells a watcher that something changed (``version``, ``removals``).
:class:`SqliteReads` is a base of ``SqliteStorage``."""

from __future__ import annotations

import sqlite3
import threading
from typing import Final

from ismart_sms_kit.mock_server.state.model import (
    REMOVAL_KINDS,
    REPORTED,
    CounterKey,
    JournalEntry,
    Message,
    MessageQuery,
    RequestQuery,
)
from ismart_sms_kit.mock_server.state.sqlite_rows import (
    JOURNAL,
    KEY_SEPARATOR,
    MESSAGES,
    Row,
    SqlValue,
    Table,
    newest_ids,
)

REMOVED: Final = "removed"
"""The prefix of the ``meta`` keys that count resets and deletes (``removals``)."""


class SqliteReads:
    """The reads of a SQLite state file (see the module's docstring)."""

    _db: sqlite3.Connection
    _lock: threading.RLock
    _commits: int
    """Transactions this process committed (``data_version`` counts the others')."""

    def find_messages(self, query: MessageQuery) -> list[Message]:
        where: list[str] = ["id > ?"]
        args: list[SqlValue] = [query.after]
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
        return [MESSAGES.decode(r) for r in self._select(MESSAGES, where, args, query)]

    def find_requests(self, query: RequestQuery) -> list[JournalEntry]:
        where: list[str] = ["id > ?"]
        args: list[SqlValue] = [query.after]
        if query.scope is not None:
            where.append("scope = ?")
            args.append(query.scope)
        if query.rejected:
            where.append("(code IS NULL OR code != 1) AND decided_by != ?")
            args.append(REPORTED)
        return [JOURNAL.decode(r) for r in self._select(JOURNAL, where, args, query)]

    def _select(
        self,
        table: Table[Message] | Table[JournalEntry],
        where: list[str],
        args: list[SqlValue],
        query: MessageQuery | RequestQuery,
    ) -> list[Row]:
        """The rows of ``table`` that match ``where``, in the query's order and limit."""
        if query.before:
            where = [*where, "id < ?"]
            args = [*args, query.before]
        order = "ASC" if query.oldest_first else "DESC"
        sql = (
            f"SELECT {table.select} FROM {table.name} WHERE {' AND '.join(where)} "
            f"ORDER BY id {order} LIMIT ?"
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
            key = f"{REMOVED}:{kind}"
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
