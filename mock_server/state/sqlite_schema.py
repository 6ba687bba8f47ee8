"""The SQLite state file's schema, and bringing a file of an earlier version up to it
(:func:`create_tables`, run by ``SqliteStorage`` in its first transaction)."""

from __future__ import annotations

import sqlite3
from typing import Final

SCHEMA_VERSION: Final = "1"
"""Kept in ``meta``; a file of another version is refused (columns added since version 1 are
added to an older file instead, see :func:`create_tables`)."""

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    user_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, data TEXT NOT NULL,
    credit INTEGER NOT NULL, failed_logins INTEGER NOT NULL, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, request_id INTEGER NOT NULL, received_at REAL NOT NULL,
    push_at REAL, user_id TEXT NOT NULL, header TEXT NOT NULL, number TEXT NOT NULL,
    reference_id TEXT, text TEXT NOT NULL, lang INTEGER NOT NULL, encoding TEXT NOT NULL,
    parts INTEGER NOT NULL, units INTEGER NOT NULL, endpoint TEXT NOT NULL,
    flash INTEGER NOT NULL, scope TEXT NOT NULL, delivery TEXT, delivered_at REAL,
    header_defaulted INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS messages_number ON messages (number);
CREATE INDEX IF NOT EXISTS messages_reference ON messages (user_id, reference_id);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, method TEXT NOT NULL,
    endpoint TEXT NOT NULL, client_ip TEXT NOT NULL, params TEXT NOT NULL, code INTEGER,
    reason TEXT NOT NULL, decided_by TEXT NOT NULL, http_status INTEGER NOT NULL,
    user_id TEXT, messages TEXT NOT NULL, scope TEXT NOT NULL, params_cut TEXT);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS messages_scope ON messages (scope, id);
CREATE INDEX IF NOT EXISTS journal_scope ON journal (scope, id);
"""


def create_tables(db: sqlite3.Connection) -> None:
    """The tables, created where missing; the columns added since version 1 added to a file
    that lacks them. Raises ``sqlite3.DatabaseError`` for a file of another schema version."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(journal)")}
    if columns and "params_cut" not in columns:  # a file from before the journal said
        db.execute("ALTER TABLE journal ADD COLUMN params_cut TEXT")  # what it cut
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
    columns = {r[1] for r in db.execute("PRAGMA table_info(messages)")}
    if "header_defaulted" not in columns:  # a state file from before issue 17
        db.execute("ALTER TABLE messages ADD COLUMN header_defaulted INTEGER NOT NULL DEFAULT 0")
