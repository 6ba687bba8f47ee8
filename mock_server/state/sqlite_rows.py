"""The SQLite state's rows: a :class:`Message` or :class:`JournalEntry` to its row and back
(the schema is :mod:`.sqlite_schema`'s, an account's row :mod:`.sqlite_accounts`')."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from typing import Any, Final

from ismart_sms_kit.mock_server.state.base import Encoded
from ismart_sms_kit.mock_server.state.model import JournalEntry, Message

KEY_SEPARATOR: Final = "\x1f"

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
