"""Both storages behind one interface: transactions, caps, queries, scopes, reset, counters."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ismart_sms_kit.mock_server.state.accounts import demo_accounts
from ismart_sms_kit.mock_server.state.base import Storage
from ismart_sms_kit.mock_server.state.memory import MemoryStorage
from ismart_sms_kit.mock_server.state.model import JournalEntry, Message, MessageQuery, RequestQuery
from ismart_sms_kit.mock_server.state.sqlite import SqliteStorage, StateFileError

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def message(
    number: str = "96899123456", *, text: str = "hi", scope: str = "", ref: str | None = None
) -> Message:
    return Message(
        id=0, request_id=0, received_at=T0, push_at=None, user_id="demo", header="DEMO",
        number=number, reference_id=ref, text=text, lang=0, encoding="GSM7", parts=1,
        units=len(text), endpoint="SMSDynamicRefIntlAPI", scope=scope,
    )  # fmt: skip


def entry(code: int | None = 1, scope: str = "") -> JournalEntry:
    return JournalEntry(
        id=0, time=T0, method="POST", endpoint="SMSDynamicRefIntlAPI", client_ip="127.0.0.1",
        params={"Password": "***"}, code=code, reason="r", decided_by="accepted", scope=scope,
    )  # fmt: skip


@pytest.fixture(params=["memory", "sqlite"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    caps = {"message_cap": 5, "journal_cap": 4}
    store: Storage
    if request.param == "memory":
        store = MemoryStorage(demo_accounts(), ["Closed Company LLC"], **caps)
    else:
        store = SqliteStorage(
            tmp_path / "s.sqlite", demo_accounts(), ["Closed Company LLC"], **caps
        )
    yield store
    store.close()


def send(storage: Storage, *messages: Message, code: int = 1, scope: str = "") -> JournalEntry:
    e = entry(code, scope)
    with storage.transaction() as tx:
        tx.record(e, list(messages))
    return e


def test_record_links_the_entry_and_its_messages(storage: Storage) -> None:
    e = send(storage, message("96899000001"), message("96899000002"))
    stored = storage.messages()
    assert [m.number for m in stored] == ["96899000001", "96899000002"]
    assert e.messages == [m.id for m in stored]
    assert {m.request_id for m in stored} == {e.id}
    assert storage.latest_ids() == (stored[-1].id, e.id)
    (journalled,) = storage.journal_entries()
    assert journalled.messages == e.messages and journalled.params == {"Password": "***"}


def test_caps_drop_the_oldest_and_count_the_drops(storage: Storage) -> None:
    for i in range(7):
        send(storage, message(text=f"m{i}"))
    assert [m.text for m in storage.messages()] == ["m2", "m3", "m4", "m5", "m6"]
    assert len(storage.journal_entries()) == 4
    counters = storage.counters()
    assert counters[("dropped", "messages")] == 2
    assert counters[("dropped", "journal")] == 3
    assert storage.sizes() == (5, 4)


def test_charge_never_overdraws(storage: Storage) -> None:
    with storage.transaction() as tx:
        assert tx.charge("lowcredit", 2) is True
        assert tx.charge("lowcredit", 1) is False
    account = storage.account("lowcredit")
    assert account is not None and account.credit == 0


def test_failed_logins_lock_at_the_threshold_and_a_success_clears_them(storage: Storage) -> None:
    with storage.transaction() as tx:
        assert tx.failed_login("lockme").status == "active"
        tx.clear_failed_logins("lockme")
        tx.failed_login("lockme")
        tx.failed_login("lockme")
        locked = tx.failed_login("lockme")
    assert (locked.failed_logins, locked.status) == (3, "blocked")
    with storage.transaction() as tx:
        tx.clear_failed_logins("lockme")  # a blocked account keeps its count
    account = storage.account("lockme")
    assert account is not None and (account.failed_logins, account.status) == (3, "blocked")


def test_queries_filter_and_order(storage: Storage) -> None:
    send(storage, message("96899000001", text="code 1111", ref="101"))
    send(storage, message("96899000002", text="hello", ref="102"), scope="")
    send(storage, message("96899000001", text="code 2222", scope="a", ref="101"), scope="a")
    newest = storage.find_messages(MessageQuery(to="96899000001"))
    assert [m.text for m in newest] == ["code 2222", "code 1111"]
    assert [m.text for m in storage.find_messages(MessageQuery(contains="code", limit=1))] == [
        "code 2222"
    ]
    assert [m.text for m in storage.find_messages(MessageQuery(scope="a"))] == ["code 2222"]
    first = storage.find_messages(MessageQuery(oldest_first=True, limit=1))[0]
    assert [
        m.text for m in storage.find_messages(MessageQuery(after=first.id, oldest_first=True))
    ] == [
        "hello",
        "code 2222",
    ]
    refs = storage.find_messages(MessageQuery(reference_ids=("102",)))
    assert [m.number for m in refs] == ["96899000002"]
    assert storage.find_messages(MessageQuery(since=T0 + timedelta(seconds=1))) == []
    send(storage, code=3)
    rejected = storage.find_requests(RequestQuery(rejected=True))
    assert [e.code for e in rejected] == [3]


def test_scoped_reset_keeps_other_scopes_and_accounts(storage: Storage) -> None:
    send(storage, message(scope="a"), scope="a")
    send(storage, message(scope="b"), scope="b")
    with storage.transaction() as tx:
        tx.charge("demo", 10)
    storage.reset("a")
    assert [m.scope for m in storage.messages()] == ["b"]
    assert [e.scope for e in storage.journal_entries()] == ["b"]
    account = storage.account("demo")
    assert account is not None and account.credit == 1_000_000 - 10
    storage.reset()
    account = storage.account("demo")
    assert storage.messages() == [] and account is not None and account.credit == 1_000_000


def test_removals_count_what_each_view_lost(storage: Storage) -> None:
    """(messages, journal) removals as a view of a scope (None: every scope) sees them."""
    assert storage.removals() == storage.removals("a") == (0, 0)
    storage.reset("a")
    assert (storage.removals(), storage.removals("a"), storage.removals("b")) == (
        (1, 1), (1, 1), (0, 0),
    )  # fmt: skip
    storage.clear_messages("b")
    assert (storage.removals(), storage.removals("a"), storage.removals("b")) == (
        (2, 1), (1, 1), (1, 0),
    )  # fmt: skip
    storage.reset()  # the whole state: every view (and the counts are folded, see below)
    assert (storage.removals(), storage.removals("a"), storage.removals("b")) == (
        (3, 2), (3, 2), (3, 2),
    )  # fmt: skip
    storage.clear_messages()
    assert storage.removals("c") == (4, 2)


def test_a_full_reset_folds_the_scopes_removal_counts(storage: Storage) -> None:
    """Counts only need to change: after a full reset one count per kind remains, so resets
    of many distinct scopes do not pile up, and every view still sees each later removal."""
    for i in range(50):
        storage.reset(f"run-{i}")
    before = {scope: storage.removals(scope) for scope in (None, "run-1", "other")}
    storage.reset()
    after = {scope: storage.removals(scope) for scope in (None, "run-1", "other")}
    assert all(after[s][0] > before[s][0] and after[s][1] > before[s][1] for s in before)
    assert len(set(after.values())) == 1  # no scope's count is left apart
    storage.reset("run-1")
    assert storage.removals("run-1") != storage.removals("other") == after["other"]
    if isinstance(storage, SqliteStorage):
        with sqlite3.connect(storage.path) as db:
            (rows,) = db.execute("SELECT COUNT(*) FROM meta WHERE key LIKE 'removed:%'").fetchone()
        assert rows == 4  # the two kinds, and run-1's two since the full reset


def test_ids_keep_growing_across_resets(storage: Storage) -> None:
    first = send(storage, message())
    storage.reset()
    second = send(storage, message())
    assert second.id > first.id and second.messages[0] > first.messages[0]


def test_delivery_state_can_be_fixed(storage: Storage) -> None:
    send(storage, message())
    (m,) = storage.messages()
    updated = storage.set_delivery(m.id, "failed", T0)
    assert updated is not None and updated.delivery_state(T0, timedelta(0)) == ("failed", T0)
    assert storage.set_delivery(m.id + 100, "failed", T0) is None


def test_patch_account_is_kept(storage: Storage) -> None:
    storage.patch_account("demo", {"headers": ["NEW"], "credit": 5, "password": "changed"})
    account = storage.account("demo")
    assert account is not None
    assert (account.headers, account.credit) == (["NEW"], 5)
    assert account.check_password("changed") and not account.check_password("demo")


# --- SQLite only -------------------------------------------------------------------------------


def test_sqlite_state_survives_a_restart_and_keeps_new_config_accounts(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    first = SqliteStorage(path, demo_accounts())
    with first.transaction() as tx:
        tx.charge("demo", 7)
        tx.failed_login("lockme")
        tx.record(entry(), [message(text="kept")])
    first.patch_account("ismartsms", {"headers": ["AnyHeader", "PATCHED"]})
    first.close()
    more = [*demo_accounts()]
    more[0].headers = ["IGNORED"]  # the file's version of an account wins
    again = SqliteStorage(path, more)
    demo, lockme, sample = (again.account(u) for u in ("demo", "lockme", "ismartsms"))
    assert demo is not None and demo.credit == 1_000_000 - 7
    assert lockme is not None and lockme.failed_logins == 1
    assert sample is not None and sample.headers == ["AnyHeader", "PATCHED"]
    assert [m.text for m in again.messages()] == ["kept"]
    again.close()


def test_a_failing_sqlite_transaction_changes_nothing(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "s.sqlite", demo_accounts())
    with pytest.raises(RuntimeError), storage.transaction() as tx:
        tx.charge("lowcredit", 2)
        raise RuntimeError("boom")
    account = storage.account("lowcredit")
    assert account is not None and account.credit == 2
    storage.close()


def test_sqlite_file_holds_no_password(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SqliteStorage(path, demo_accounts())
    store.patch_account("demo", {"password": "Sup3r-Secret-pw"})
    store.close()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())  # not the FIFO
    assert b"Sup3r-Secret-pw" not in data
    assert b"lowcredit" in data  # the user ids are there: the file is really what was searched


def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StateFileError, match=r"s\.sqlite"):
        SqliteStorage(path, demo_accounts())


def test_a_doorbell_that_is_not_a_fifo_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "s.sqlite-wake").write_text("not a FIFO")
    with pytest.raises(StateFileError, match=r"s\.sqlite-wake is not a FIFO"):
        SqliteStorage(tmp_path / "s.sqlite", demo_accounts())
