"""The SQLite state file's schema, and bringing a file of an earlier version up to it
(:func:`create_tables`, run by ``SqliteStorage`` in its first transaction).

The ``messages`` and ``journal`` tables are the model's (:mod:`.sqlite_rows`: a column per
field of ``Message`` and ``JournalEntry``); the others are written here.
"""

from __future__ import annotations

import sqlite3
from typing import Final

from ismart_sms_kit.mock_server.state.sqlite_rows import JOURNAL, MESSAGES

SCHEMA_VERSION: Final = "1"
"""Kept in ``meta``; a file of another version is refused. A field added to the model since
does not change it: :func:`create_tables` adds its column to an older file."""

SCHEMA: Final = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    user_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, data TEXT NOT NULL,
    credit INTEGER NOT NULL, failed_logins INTEGER NOT NULL, status TEXT NOT NULL);
{MESSAGES.create()};
CREATE INDEX IF NOT EXISTS messages_number ON messages (number);
CREATE INDEX IF NOT EXISTS messages_reference ON messages (user_id, reference_id);
{JOURNAL.create()};
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS messages_scope ON messages (scope, id);
CREATE INDEX IF NOT EXISTS journal_scope ON journal (scope, id);
"""


def create_tables(db: sqlite3.Connection) -> None:
    """The tables, created where missing; to a file made before a field of the model, its
    column (with the field's default: ``header_defaulted`` of issue 17, ``params_cut`` of
    issue 19). Raises ``sqlite3.DatabaseError`` for a file of another schema version."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if row is None:
        db.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
    elif row[0] != SCHEMA_VERSION:
        raise sqlite3.DatabaseError(
            f"schema version {row[0]}, this emulator needs {SCHEMA_VERSION}: "
            "delete the file or use another path"
        )
    for table in (MESSAGES, JOURNAL):
        present = {r[1] for r in db.execute(f"PRAGMA table_info({table.name})")}
        for column in table.columns:
            if column.name not in present:
                db.execute(f"ALTER TABLE {table.name} ADD COLUMN {column.ddl}")
