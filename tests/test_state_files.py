"""SQLite state files written by earlier versions stay readable.

Each file here is made the way an earlier emulator made it: its schema's SQL and its rows,
copied as that version wrote them (not produced by today's code, which could drift along
with what reads them). Today's ``SqliteStorage`` must open it, read every message, journal
entry and account as it was stored, and go on writing to it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ismart_sms_kit.mock_server.state.accounts import demo_accounts, digest_password
from ismart_sms_kit.mock_server.state.model import JournalEntry, Message
from ismart_sms_kit.mock_server.state.sqlite import SqliteStorage

# The schema as the state files of issue 19 have it (schema version "1").
SCHEMA_ISSUE_19 = """
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
# Before issue 17 (no header_defaulted) and issue 19 (no params_cut).
SCHEMA_BEFORE_17 = SCHEMA_ISSUE_19.replace(
    ",\n    header_defaulted INTEGER NOT NULL DEFAULT 0", ""
).replace(", params_cut TEXT", "")

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
T1 = datetime(2026, 1, 1, 12, 5, 30, 250000, tzinfo=timezone.utc)


def old_file(path: Path, schema: str) -> None:
    """A state file as that version left it: two messages of one request, its journal entry,
    a refused request, a counter and one account (written with the fields it knew then)."""
    new_columns = "header_defaulted" in schema
    db = sqlite3.connect(path)
    db.executescript(schema)
    db.execute("INSERT INTO meta (key, value) VALUES ('schema', '1')")
    static = {
        "password_digest": digest_password("old-secret"), "company": "Old Co",
        "expires_at": None, "credit_expires_at": "2030-01-01T00:00:00+00:00",
        "web_service": True, "http_get": False, "headers": ["OLD", "DEMO"], "allowed_ips": [],
        "blocked_ips": ["192.0.2.0/24"], "lockout_threshold": 4, "opted_out": ["96899000009"],
        "simulate_internal_error": False, "oman_only": False, "api_expires_at": None,
        "delivery_reports": True,
    }  # fmt: skip
    if new_columns:
        static |= {"scope": "team", "default_header": "DEMO"}
    db.execute(
        "INSERT INTO accounts (user_id, rev, data, credit, failed_logins, status) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        ("olduser", 3, json.dumps(static), 77, 2, "active"),
    )
    message_columns = (
        "id, request_id, received_at, push_at, user_id, header, number, reference_id, text, "
        "lang, encoding, parts, units, endpoint, flash, scope, delivery, delivered_at"
    )
    rows: list[tuple[object, ...]] = [
        (1, 1, T0.timestamp(), None, "olduser", "OLD", "96899000001", "r1", "hello", 0,
         "GSM7", 1, 5, "SMSDynamicRefIntlAPI", 0, "", None, None),
        (2, 1, T0.timestamp(), T1.timestamp(), "olduser", "OLD", "96899000002", None,
         "مرحبا", 64, "UCS2", 1, 5, "SMSDynamicRefIntlAPI", 1, "", "failed", T1.timestamp()),
    ]  # fmt: skip
    if new_columns:
        message_columns += ", header_defaulted"
        rows = [(*rows[0], 1), (*rows[1], 0)]
    marks = ",".join("?" * len(rows[0]))
    db.executemany(f"INSERT INTO messages ({message_columns}) VALUES ({marks})", rows)
    journal_columns = (
        "id, time, method, endpoint, client_ip, params, code, reason, decided_by, "
        "http_status, user_id, messages, scope"
    )
    entries: list[tuple[object, ...]] = [
        (1, T0.timestamp(), "POST", "SMSDynamicRefIntlAPI", "127.0.0.1",
         json.dumps({"UserId": "olduser", "Password": "***"}), 1, "accepted", "accepted",
         200, "olduser", "[1,2]", ""),
        (2, T1.timestamp(), "GET", "SMSDynamicRefIntlAPI", "::1", "{}", None, "dropped",
         "rule", 0, None, "[]", "team"),
    ]  # fmt: skip
    if new_columns:
        journal_columns += ", params_cut"
        entries = [(*entries[0], None), (*entries[1], "kept 32 of 40 parameters")]
    marks = ",".join("?" * len(entries[0]))
    db.executemany(f"INSERT INTO journal ({journal_columns}) VALUES ({marks})", entries)
    db.execute("INSERT INTO counters (key, n) VALUES (?, ?)", ("requests\x1fx\x1f1\x1f200", 9))
    db.commit()
    db.close()


@pytest.mark.parametrize("schema", [SCHEMA_ISSUE_19, SCHEMA_BEFORE_17], ids=["19", "before-17"])
def test_a_state_file_of_an_earlier_version_is_read_and_written(
    tmp_path: Path, schema: str
) -> None:
    new_columns = "header_defaulted" in schema
    path = tmp_path / "old.sqlite"
    old_file(path, schema)
    store = SqliteStorage(path, demo_accounts())
    assert store.messages() == [
        Message(
            id=1, request_id=1, received_at=T0, push_at=None, user_id="olduser", header="OLD",
            number="96899000001", reference_id="r1", text="hello", lang=0, encoding="GSM7",
            parts=1, units=5, endpoint="SMSDynamicRefIntlAPI", flash=False, scope="",
            delivery=None, delivered_at=None, header_defaulted=new_columns,
        ),
        Message(
            id=2, request_id=1, received_at=T0, push_at=T1, user_id="olduser", header="OLD",
            number="96899000002", reference_id=None, text="مرحبا", lang=64, encoding="UCS2",
            parts=1, units=5, endpoint="SMSDynamicRefIntlAPI", flash=True, scope="",
            delivery="failed", delivered_at=T1, header_defaulted=False,
        ),
    ]  # fmt: skip
    assert store.journal_entries() == [
        JournalEntry(
            id=1, time=T0, method="POST", endpoint="SMSDynamicRefIntlAPI", client_ip="127.0.0.1",
            params={"UserId": "olduser", "Password": "***"}, code=1, reason="accepted",
            decided_by="accepted", http_status=200, user_id="olduser", messages=[1, 2],
            scope="", params_cut=None,
        ),
        JournalEntry(
            id=2, time=T1, method="GET", endpoint="SMSDynamicRefIntlAPI", client_ip="::1",
            params={}, code=None, reason="dropped", decided_by="rule", http_status=0,
            user_id=None, messages=[], scope="team",
            params_cut="kept 32 of 40 parameters" if new_columns else None,
        ),
    ]  # fmt: skip
    assert store.counters() == {("requests", "x", "1", "200"): 9}
    old = store.account("olduser")
    assert old is not None
    assert (old.company, old.credit, old.failed_logins, old.status) == ("Old Co", 77, 2, "active")
    assert (old.headers, old.http_get, old.lockout_threshold) == (["OLD", "DEMO"], False, 4)
    assert old.credit_expires_at == datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert (old.blocked_ips, old.opted_out) == (["192.0.2.0/24"], ["96899000009"])
    assert (old.scope, old.default_header) == (("team", "DEMO") if new_columns else ("", ""))
    assert old.check_password("old-secret")
    assert store.account("demo") is not None  # a configured account the file lacked is added

    with store.transaction() as tx:  # and it goes on: new rows after the old ones
        assert tx.charge("olduser", 7)
        added = Message(
            id=0, request_id=0, received_at=T1, push_at=None, user_id="olduser", header="DEMO",
            number="96899000003", reference_id=None, text="new", lang=0, encoding="GSM7",
            parts=1, units=3, endpoint="SMSDynamicRefIntlAPI", header_defaulted=True,
        )  # fmt: skip
        entry = JournalEntry(
            id=0, time=T1, method="POST", endpoint="SMSDynamicRefIntlAPI", client_ip="10.0.0.1",
            params={"UserId": "olduser"}, code=1, reason="accepted", decided_by="accepted",
            params_cut="cut",
        )  # fmt: skip
        tx.record(entry, [added])
    store.close()
    again = SqliteStorage(path, demo_accounts())
    assert [m.id for m in again.messages()] == [1, 2, 3]
    assert again.messages()[-1] == added
    assert again.journal_entries()[-1] == entry
    assert entry.id == 3 and entry.messages == [3]
    reread = again.account("olduser")
    assert reread is not None and reread.credit == 70
    again.close()


def test_a_new_file_has_the_columns_of_an_earlier_one(tmp_path: Path) -> None:
    """The columns derived from the model are those issue 19's files have: the same names in
    the same order, the same types, NOT NULL and keys (a default may be added)."""

    def columns(path: Path, table: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(path) as db:
            info = db.execute(f"PRAGMA table_info({table})").fetchall()
        return [(name, kind, notnull, pk) for _, name, kind, notnull, _, pk in info]

    old = tmp_path / "old.sqlite"
    old_file(old, SCHEMA_ISSUE_19)
    SqliteStorage(tmp_path / "new.sqlite", demo_accounts()).close()
    for table in ("messages", "journal", "accounts", "meta", "counters"):
        assert columns(tmp_path / "new.sqlite", table) == columns(old, table), table
