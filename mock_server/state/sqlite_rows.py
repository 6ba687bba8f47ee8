"""The SQLite state's schema and rows: a :class:`Message` or :class:`JournalEntry` to its row and
back, an account's static fields to JSON and back (:mod:`.sqlite` uses them)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields
from datetime import datetime, timezone
from typing import Any, Final

from ismart_sms_kit.mock_server.state.accounts import DATETIME_FIELDS, Account
from ismart_sms_kit.mock_server.state.base import Encoded
from ismart_sms_kit.mock_server.state.model import JournalEntry, Message

SCHEMA_VERSION: Final = "1"
DYNAMIC_FIELDS: Final = ("credit", "failed_logins", "status")
STATIC_FIELDS: Final = tuple(
    f.name for f in fields(Account) if f.name not in (*DYNAMIC_FIELDS, "user_id")
)
KEY_SEPARATOR: Final = "\x1f"

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
MESSAGE_COLUMNS: Final = (
    "id, request_id, received_at, push_at, user_id, header, number, reference_id, text, lang, "
    "encoding, parts, units, endpoint, flash, scope, delivery, delivered_at, header_defaulted"
)
JOURNAL_COLUMNS: Final = (
    "id, time, method, endpoint, client_ip, params, code, reason, decided_by, http_status, "
    "user_id, messages, scope, params_cut"
)
JOURNAL_INSERT: Final = (
    "INSERT INTO journal (time, method, endpoint, client_ip, params, http_status, user_id, scope, "
    "params_cut, id, code, reason, decided_by, messages) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
MESSAGE_INSERT: Final = (
    "INSERT INTO messages (received_at, push_at, user_id, header, number, reference_id, text, "
    "lang, encoding, parts, units, endpoint, flash, scope, delivery, delivered_at, "
    "header_defaulted, id, request_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def timestamp(when: datetime | None) -> float | None:
    return when.timestamp() if when is not None else None


def from_timestamp(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, timezone.utc) if value is not None else None


def static_json(account: Account) -> str:
    data: dict[str, Any] = {}
    for name in STATIC_FIELDS:
        value = getattr(account, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(data)


def static_values(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    for name in DATETIME_FIELDS:
        if data.get(name) is not None:
            data[name] = datetime.fromisoformat(data[name])
    return data


def message_from_row(row: tuple[Any, ...]) -> Message:
    (id_, request_id, received_at, push_at, user_id, header, number, reference_id, text, lang,
     encoding, parts, units, endpoint, flash, scope, delivery, delivered_at,
     header_defaulted) = row  # fmt: skip
    return Message(
        id=id_,
        request_id=request_id,
        received_at=from_timestamp(received_at) or datetime.now(timezone.utc),
        push_at=from_timestamp(push_at),
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
        delivered_at=from_timestamp(delivered_at),
        header_defaulted=bool(header_defaulted),
    )


def entry_from_row(row: tuple[Any, ...]) -> JournalEntry:
    (id_, time, method, endpoint, client_ip, params, code, reason, decided_by, http_status,
     user_id, messages, scope, params_cut) = row  # fmt: skip
    return JournalEntry(
        id=id_,
        time=from_timestamp(time) or datetime.now(timezone.utc),
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
        params_cut=params_cut,
    )


def newest_ids(db: sqlite3.Connection) -> tuple[int, int]:
    """The newest journal and message ids ever handed out (``AUTOINCREMENT``'s record)."""
    seq = dict(db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    return int(seq.get("journal", 0)), int(seq.get("messages", 0))


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
            entry.params_cut,
        ),
        [
            (
                m.received_at.timestamp(),
                timestamp(m.push_at),
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
                timestamp(m.delivered_at),
                int(m.header_defaulted),
            )
            for m in messages
        ],
    )
