"""Stress: with ``--state sqlite:PATH`` and several workers, credit is spent exactly once.

Bounded (at most 60 s, it stops by itself), loopback and temporary files only. Two modes:

``--mode commit`` (the default): several processes on one state file, each running the
emulator's own group commit (``GroupCommit.commit``, ``gateway.commit.apply``, the writers'
turn and its checkpoints) with many concurrent requests of one credit each, as a
``--workers`` emulator does, only without HTTP in front (so that far more transactions fit in
the time). At the end, the answers of 1 must equal the credit spent: fewer credits spent than
1s answered is an over-spend (a committed charge was lost).

``--mode http``: the scenario of ``tests/test_state_and_workers.py::test_concurrent_sends_spend_
credit_exactly_once`` over and over: an ``ismart-mock --workers 2 --state sqlite:PATH`` (new,
or reset, or given new credit by the admin API) and a random number of keep-alive clients
sending until the credit is gone; the 1s, the credit left and the messages stored must agree.

    .venv/bin/python -m benchmarks.stress_credit --seconds 50 --processes 5
    .venv/bin/python -m benchmarks.stress_credit --mode http --seconds 55

Prints what it saw and exits 1 on any over-spend. The emulator's figures with the SQLite
WAL-reset race (see ``state/sqlite_turn.py``) are in ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import sqlite3
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

CREDIT = 10**9
USER = "load"


def _account() -> Any:
    from ismart_sms_kit.mock_server.state.accounts import Account, digest_password

    return Account(
        user_id=USER,
        password_digest=digest_password("load-pw"),
        company="Infocomm Demo",
        headers=["LOAD"],
        credit=CREDIT,
    )


def _entry() -> Any:
    """The journal entry of one accepted send."""
    from ismart_sms_kit.mock_server.state.model import JournalEntry

    return JournalEntry(
        id=0,
        time=datetime.now(timezone.utc),
        method="POST",
        endpoint="stress",
        client_ip="127.0.0.1",
        params={"UserId": USER, "Message": "x" * 200},
        code=1,
        reason="",
        decided_by="accepted",
        http_status=200,
        user_id=USER,
        scope="",
    )


def _committer(
    path: str, seconds: float, concurrency: int, every: float | None, retry: float | None, out: Any
) -> None:
    """One worker: ``concurrency`` requests at a time through the group commit."""
    from ismart_sms_kit.mock_server import group_commit
    from ismart_sms_kit.mock_server.gateway.decision import Decision
    from ismart_sms_kit.mock_server.group_commit import GroupCommit, Listeners
    from ismart_sms_kit.mock_server.state.sqlite import SqliteStorage

    if every is not None:  # checkpoint as often as asked (the race needs many)
        from ismart_sms_kit.mock_server.state import sqlite_turn

        for module, name in (
            (sqlite_turn, "CHECKPOINT_EVERY_S"),
            (group_commit, "CHECKPOINT_WAITING_S"),
        ):
            if hasattr(module, name):
                setattr(module, name, every)
    if retry is not None:  # try for the turn this often while waiting (the default: 5 ms)
        group_commit.RETRY_S = retry
    storage = SqliteStorage(path, [_account()])
    group = GroupCommit(storage, Listeners())
    answers: Counter[int | None] = Counter()

    async def client(deadline: float) -> None:
        while time.monotonic() < deadline:
            decision = Decision(1, "accepted", "accepted", USER, True, cost=1)
            entry = _entry()
            committed = await group.commit(decision, entry)
            answers[committed.code] += 1

    async def run() -> None:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(client(deadline) for _ in range(concurrency)))

    try:
        asyncio.run(run())
    finally:
        group.stop_waiting()
        storage.close()
    out.put(dict(answers))


def commit_mode(
    seconds: float,
    processes: int,
    concurrency: int,
    every: float | None,
    retry: float | None,
    race: str | None = None,
) -> int:
    with tempfile.TemporaryDirectory(prefix="stress-credit-") as tmp:
        path = str(Path(tmp) / "state.sqlite")
        from ismart_sms_kit.mock_server.state.sqlite import SqliteStorage

        SqliteStorage(path, [_account()]).close()
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        workers = [
            ctx.Process(target=_racer, args=(path, seconds, race == "beside", out))
            if race is not None
            else ctx.Process(
                target=_committer, args=(path, seconds, concurrency, every, retry, out)
            )
            for _ in range(processes)
        ]
        for w in workers:
            w.start()
        answers: Counter[Any] = Counter()
        for _ in workers:
            answers.update(out.get(timeout=seconds + 60))
        for w in workers:
            w.join(timeout=30)
        db = sqlite3.connect(path)
        (left,) = db.execute("SELECT credit FROM accounts WHERE user_id = ?", (USER,)).fetchone()
        integrity = [r[0] for r in db.execute("PRAGMA integrity_check")]
        db.close()
    ones, spent = answers.get(1, 0), CREDIT - left
    how = (
        f"race mode, checkpoints {race} the turn: {processes} processes"
        if race is not None
        else f"commit mode: {processes} processes x {concurrency} concurrent requests, "
        f"checkpoints every {'default' if every is None else every} s, "
        f"retries every {'default' if retry is None else retry} s"
    )
    print(
        f"{how}, {seconds:g} s, "
        f"SQLite {sqlite3.sqlite_version}: {sum(answers.values())} answers {dict(answers)}; "
        f"1s {ones}, credit spent {spent}: "
        + ("exactly once" if ones == spent else f"OVER-SPENT by {ones - spent}")
        + f"; integrity_check {integrity[:3]}",
        flush=True,
    )
    return 0 if ones == spent and integrity == ["ok"] else 1


def _racer(path: str, seconds: float, beside: bool, out: Any) -> None:
    """One process taking the writers' turn in a loop, three charges per transaction.
    ``beside``: checkpoint the WAL where the emulator did before the fix, beside the other
    processes' turns (right after its own, and while it waits for the turn); else only as the
    emulator does now, inside the turn (``release_writer``)."""
    from ismart_sms_kit.mock_server.state import sqlite_turn
    from ismart_sms_kit.mock_server.state.sqlite import SqliteStorage

    every = 3600.0 if beside else 0.0  # beside: none in the turn
    setattr(sqlite_turn, "CHECKPOINT_EVERY_S", every)  # noqa: B010 (a Final, for the stress)
    storage = SqliteStorage(path, [_account()])
    acknowledged = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not storage.try_writer():
                if beside:
                    storage._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                continue
            try:
                with storage.group_transaction() as tx:
                    for _ in range(3):
                        if not tx.charge(USER, 1):
                            raise AssertionError("out of credit")
                        entry = _entry()
                        tx.record(entry, [])
                acknowledged += 3  # committed: these three were answered 1
            finally:
                storage.release_writer()
            if beside:
                storage._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        storage.close()
    out.put({1: acknowledged})


def http_mode(seconds: float, rnd: random.Random) -> int:
    """The credit test's scenario (its own helpers), round after round."""
    from tests.processes import MockProcess, start
    from tests.test_state_and_workers import blast, config_file, state_of

    deadline = time.monotonic() + seconds
    rounds = wrong = 0
    mock: MockProcess | None = None
    with tempfile.TemporaryDirectory(prefix="stress-credit-") as tmp:
        try:
            while time.monotonic() < deadline - 10:
                credit = rnd.choice([50, 200, 600])
                clients = rnd.choice([8, 20, 50, 80])
                sends = credit + rnd.randint(credit // 2, credit * 2)
                if mock is None or rnd.random() < 0.4:
                    how = "start"
                    if mock is not None:
                        mock.stop()
                    round_dir = Path(tmp) / str(rounds)
                    round_dir.mkdir()
                    config = config_file(round_dir, credit)
                    state = f"sqlite:{round_dir / 's'}"
                    mock = start("--config", str(config), "--workers", "2", "--state", state)
                    time.sleep(rnd.choice([0.0, 0.0, 0.3]))  # the 2nd worker may be starting
                else:
                    how = "reset"  # back to the config, then the round's credit
                    requests.post(f"{mock.url}/_mock/api/reset", timeout=10).raise_for_status()
                    requests.patch(
                        f"{mock.url}/_mock/api/accounts/{USER}", json={"credit": credit}, timeout=10
                    ).raise_for_status()
                answers = blast(mock.send_url, sends, clients)
                left, stored, refs = state_of(mock)
                ones = answers.get("1", 0)
                ok = ones == credit and left == 0 and stored == len(refs) == credit
                rounds += 1
                wrong += not ok
                print(
                    f"round {rounds:3d} {how:5s} credit {credit:4d} clients {clients:3d}: "
                    f"answers {dict(answers)}, credit left {left}, stored {stored}: "
                    + ("ok" if ok else "WRONG"),
                    flush=True,
                )
        finally:
            if mock is not None:
                mock.stop()
    print(f"http mode: {rounds} rounds, {wrong} wrong", flush=True)
    return 1 if wrong else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mode", choices=["commit", "http", "race"], default="commit")
    parser.add_argument(
        "--beside",
        action="store_true",
        help="race mode: checkpoint beside the writer, as before the fix (else in the turn)",
    )
    parser.add_argument("--seconds", type=float, default=50.0, help="at most 60")
    parser.add_argument("--processes", type=int, default=5, help="commit mode: workers")
    parser.add_argument("--concurrency", type=int, default=20, help="commit mode: per worker")
    parser.add_argument(
        "--checkpoint-every",
        type=float,
        default=None,
        help="commit mode: checkpoint the WAL at most this often (default: as the emulator)",
    )
    parser.add_argument(
        "--retry",
        type=float,
        default=None,
        help="commit mode: a waiting worker tries for the turn this often (default: 5 ms)",
    )
    parser.add_argument("--seed", type=int, default=None, help="http mode")
    args = parser.parse_args()
    seconds = max(1.0, min(args.seconds, 60.0))
    if args.mode == "race":
        where = "beside" if args.beside else "inside"
        return commit_mode(seconds, args.processes, 1, None, None, race=where)
    if args.mode == "commit":
        return commit_mode(
            seconds, args.processes, args.concurrency, args.checkpoint_every, args.retry
        )
    return http_mode(seconds, random.Random(args.seed))


if __name__ == "__main__":
    raise SystemExit(main())
