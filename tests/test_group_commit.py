"""Group commit with ``--state sqlite:PATH``: requests that reach the commit in the same turn of
the event loop share one SQLite transaction, yet their answers are those of the requests taken
one by one (credit through the charge, lockouts by deciding again); one request's failure
touches no other."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from client.protocol import SEND_PATH
from mock_server.accounts import Account, digest_password
from mock_server.app import create_app
from mock_server.backend import Backend
from mock_server.config import Config
from tests.conftest import SAMPLE


def form(**fields: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode({**SAMPLE, **fields}).encode()


async def post(app: Any, body: bytes) -> str:
    """One POST through the ASGI app; the answer's body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": SEND_PATH,
        "raw_path": SEND_PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }
    sent = False
    answer: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            answer.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(answer).decode()


def sqlite_app(tmp_path: Path, *accounts: Account) -> Any:
    config = Config(seed=0)
    config.accounts.extend(accounts)
    config.state = f"sqlite:{tmp_path / 'state.sqlite'}"
    return create_app(config)


def account(user_id: str, **fields: Any) -> Account:
    return Account(
        user_id=user_id,
        password_digest=digest_password(user_id),
        company="Infocomm Demo",
        headers=["AnyHeader"],
        **fields,
    )


async def together(app: Any, bodies: list[bytes]) -> list[str]:
    return list(await asyncio.gather(*(post(app, body) for body in bodies)))


def test_concurrent_requests_share_a_commit_and_keep_their_order(tmp_path: Path) -> None:
    app = sqlite_app(tmp_path, account("five", credit=3))
    backend: Backend = app.state.backend
    bodies = [
        form(
            UserId="five", Password="five", referenceIds=str(100 + i), MobileNo=f"968991234{i:02d}"
        )
        for i in range(5)
    ]
    transactions = []
    storage: Any = backend.storage
    begin = storage.transaction

    def counted(**kwargs: Any) -> Any:
        transactions.append(kwargs)
        return begin(**kwargs)

    storage.transaction = counted
    answers = asyncio.run(together(app, bodies))
    assert len(transactions) == 1  # one SQLite transaction for the five
    assert answers == ["1", "1", "1", "4", "4"]  # as if one after the other
    journal = backend.storage.journal_entries()
    assert [e.code for e in journal] == [1, 1, 1, 4, 4]
    assert [e.params["referenceIds"] for e in journal] == ["100", "101", "102", "103", "104"]
    assert backend.storage.account("five").credit == 0  # type: ignore[union-attr]
    assert len(backend.storage.messages()) == 3
    backend.close()


def test_a_lockout_in_a_batch_is_seen_by_the_requests_after_it(tmp_path: Path) -> None:
    app = sqlite_app(tmp_path, account("lock", lockout_threshold=2))
    wrong = form(UserId="lock", Password="nope")
    right = form(UserId="lock", Password="lock")
    answers = asyncio.run(together(app, [right, wrong, wrong, right]))
    assert answers == ["1", "3", "12", "12"]
    app.state.backend.close()


def test_one_failing_request_leaves_the_others_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sqlite_app(tmp_path)
    backend: Backend = app.state.backend
    from mock_server import sqlite_store

    original = sqlite_store._SqliteTransaction.record

    def record(self: Any, entry: Any, messages: Any) -> None:
        original(self, entry, messages)
        if entry.params.get("referenceIds") == "666":
            raise OSError("disk full, for this request only")

    monkeypatch.setattr(sqlite_store._SqliteTransaction, "record", record)
    bodies = [form(referenceIds="101"), form(referenceIds="666"), form(referenceIds="103")]
    assert asyncio.run(together(app, bodies)) == ["1", "11", "1"]
    refs = [m.reference_id for m in backend.storage.messages()]
    assert refs == ["101", "103"]
    assert [e.params["referenceIds"] for e in backend.storage.journal_entries()] == ["101", "103"]
    counters = backend.storage.counters()
    assert counters[("requests", "SMSDynamicRefIntlAPI", "1", "200")] == 2
    backend.close()


def test_caps_and_counters_of_a_batch_match_one_by_one(tmp_path: Path) -> None:
    config = Config(seed=0)
    config.settings["message_cap"] = 3
    config.settings["journal_cap"] = 4
    config.state = f"sqlite:{tmp_path / 's.sqlite'}"
    app = create_app(config)
    backend: Backend = app.state.backend
    bodies = [form(referenceIds=str(200 + i)) for i in range(7)]
    assert asyncio.run(together(app, bodies)) == ["1"] * 7
    assert [m.reference_id for m in backend.storage.messages()] == ["204", "205", "206"]
    assert len(backend.storage.journal_entries()) == 4
    counters = backend.storage.counters()
    assert counters[("dropped", "messages")] == 4
    assert counters[("dropped", "journal")] == 3
    assert counters[("requests", "SMSDynamicRefIntlAPI", "1", "200")] == 7
    backend.close()


def test_a_closed_state_file_answers_11_not_a_hang(tmp_path: Path) -> None:
    app = sqlite_app(tmp_path)
    backend: Backend = app.state.backend
    backend.close()
    answers = asyncio.run(asyncio.wait_for(together(app, [form(), form()]), timeout=10))
    assert answers == ["11", "11"]
