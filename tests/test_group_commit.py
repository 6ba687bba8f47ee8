"""Group commit with ``--state sqlite:PATH``: requests that reach the commit in the same turn of
the event loop share one SQLite transaction, yet their answers are those of the requests taken
one by one (credit through the charge, lockouts by deciding again); one request's failure
touches no other."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.state.accounts import Account, digest_password
from ismart_sms_kit.protocol.spec import SEND_PATH
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
    from ismart_sms_kit.mock_server.state import sqlite_transaction as sqlite_store

    original = sqlite_store.SqliteTransaction.record

    def record(self: Any, entry: Any, messages: Any, *encoded: Any) -> None:
        original(self, entry, messages, *encoded)
        if entry.params.get("referenceIds") == "666":
            raise OSError("disk full, for this request only")

    monkeypatch.setattr(sqlite_store.SqliteTransaction, "record", record)
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
    config.settings.message_cap = 3
    config.settings.journal_cap = 4
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


def test_a_worker_decides_again_when_another_worker_changed_the_account(tmp_path: Path) -> None:
    """Two apps on one state file are two workers. Each decides on the account as it last saw
    it (no read of the file per request); the commit checks that view against the file and
    decides again where another worker changed what the decision stood on."""
    first = sqlite_app(tmp_path, account("shared", credit=2, lockout_threshold=2))
    second = sqlite_app(tmp_path)
    right = form(UserId="shared", Password="shared")
    wrong = form(UserId="shared", Password="nope")

    def send(app: Any, body: bytes) -> str:
        return asyncio.run(post(app, body))

    assert send(first, right) == "1"  # first now holds the account with credit 1
    assert send(second, right) == "1"  # credit 0, behind first's back
    assert send(first, right) == "4"  # its view said 1 left: the charge refused it
    second.state.backend.storage.patch_account("shared", {"credit": 5})
    assert send(first, right) == "1"  # its view said 0 left; the patch is seen in the commit
    assert send(second, wrong) == "3"
    assert send(second, wrong) == "12"  # locked by the second worker
    assert send(first, right) == "12"  # the first one's view still said active
    second.state.backend.storage.patch_account("shared", {"status": "active", "failed_logins": 0})
    assert send(first, right) == "1"
    journal = first.state.backend.storage.journal_entries()
    assert [e.code for e in journal] == [1, 1, 4, 1, 3, 12, 12, 1]
    assert journal[-2].decided_by == "blocked"  # decided again, on the account as it was
    for app in (first, second):
        app.state.backend.close()


def test_a_worker_waiting_for_the_write_turn_is_woken_when_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker that ends its turn rings the state file's doorbell (a FIFO beside it); the
    waiting one wakes at once, not at its next try (set here to a minute)."""
    from ismart_sms_kit.mock_server import group_commit

    monkeypatch.setattr(group_commit, "RETRY_S", 60.0)
    holder = sqlite_app(tmp_path)
    waiter = sqlite_app(tmp_path)
    storage: Any = holder.state.backend.storage
    assert Path(f"{storage.path}-wake").is_fifo()

    async def scenario() -> str:
        assert storage.try_writer()  # the other worker's turn
        sending = asyncio.ensure_future(post(waiter, form()))
        for _ in range(20):
            await asyncio.sleep(0.01)
        assert not sending.done()  # it waits for the turn...
        storage.release_writer()
        return await asyncio.wait_for(sending, timeout=30)  # ...and gets it long before 60 s

    assert asyncio.run(scenario()) == "1"
    assert len(waiter.state.backend.storage.messages()) == 1
    for app in (holder, waiter):
        app.state.backend.close()


def test_two_writers_keep_the_wal_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's own checkpoint is off (it would run at commits past 1000 pages); each writer
    checkpoints at the end of its turn instead, so the WAL is reused and stays small."""
    from ismart_sms_kit.mock_server.state import sqlite_turn

    monkeypatch.setattr(sqlite_turn, "CHECKPOINT_EVERY_S", 0.0)
    apps = [sqlite_app(tmp_path, account("wal", credit=10**9)), sqlite_app(tmp_path)]
    body = form(UserId="wal", Password="wal", Message="x" * 400)

    async def alternate() -> list[str]:
        return [await post(apps[i % 2], body) for i in range(600)]

    assert asyncio.run(alternate()) == ["1"] * 600
    wal = tmp_path / "state.sqlite-wal"
    # 600 commits of several pages each would be over 10 MB without checkpoints
    assert wal.stat().st_size < 2_000_000, wal.stat().st_size
    assert len(apps[0].state.backend.storage.messages()) == 600
    for app in apps:
        app.state.backend.close()


def test_no_checkpoint_runs_beside_another_workers_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkpoint copies the WAL's frames into the state file; SQLite before 3.51.3 can lose
    a committed transaction when one runs while another connection's commit restarts the WAL
    (the WAL-reset bug): processes that checkpointed so lost committed charges, credit then
    spent twice (``benchmarks/stress_credit.py``). So a worker waiting for the write turn
    leaves the state file alone (it used to checkpoint meanwhile), and checkpoints in its own
    turn."""
    from ismart_sms_kit.mock_server.state import sqlite_turn

    monkeypatch.setattr(sqlite_turn, "CHECKPOINT_EVERY_S", 3600.0)  # the WAL keeps its frames
    holder = sqlite_app(tmp_path, account("team", credit=100))
    waiter = sqlite_app(tmp_path)
    body = form(UserId="team", Password="team")
    for _ in range(5):
        assert asyncio.run(post(holder, body)) == "1"
    held: Any = holder.state.backend.storage
    waiting: Any = waiter.state.backend.storage
    state_file = tmp_path / "state.sqlite"
    before = state_file.read_bytes()
    waiting._checkpointed = 0.0  # long ago: nothing holds its checkpoint back but the turn
    monkeypatch.setattr(sqlite_turn, "CHECKPOINT_EVERY_S", 0.0)

    async def scenario() -> str:
        assert held.try_writer()  # the other worker's turn
        sending = asyncio.ensure_future(post(waiter, body))
        for _ in range(20):  # it tries for the turn, and is woken, many times meanwhile
            await asyncio.sleep(0.01)
        assert not sending.done()
        assert state_file.read_bytes() == before  # no checkpoint beside the other's turn
        held.release_writer()
        return await asyncio.wait_for(sending, timeout=30)

    assert asyncio.run(scenario()) == "1"
    assert waiting._checkpointed > 0.0  # in its own turn
    assert state_file.read_bytes() != before  # the turns' checkpoints copied the frames
    assert waiting.account("team").credit == 94
    for app in (holder, waiter):
        app.state.backend.close()


def test_a_scope_bound_by_another_worker_holds_for_the_next_request(tmp_path: Path) -> None:
    """A test binds its account to a scope through the admin API, which one worker serves,
    then sends through another, whose view of the account is older: the message and the
    journal entry still land in the new scope (the commit decides again, in it)."""
    first = sqlite_app(tmp_path, account("team"))
    second = sqlite_app(tmp_path)
    body = form(UserId="team", Password="team")
    assert asyncio.run(post(first, body)) == "1"  # first now holds the account, scope ""
    second.state.backend.storage.patch_account("team", {"scope": "run-42"})
    assert asyncio.run(post(first, body)) == "1"
    storage = first.state.backend.storage
    assert [m.scope for m in storage.messages()] == ["", "run-42"]
    assert [e.scope for e in storage.journal_entries()] == ["", "run-42"]
    for app in (first, second):
        app.state.backend.close()
