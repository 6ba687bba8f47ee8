"""Issue 19, point 3: idle event streams and long-polls cost no rescans of the store (the
CPU an idle server uses), and SQLite filters scope on an index."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE

# --- 3. idle streams and long-polls do not rescan the store -------------------------------------


def fill(url: str, messages: int) -> None:
    numbers = ",".join(f"968991{i:05d}" for i in range(50))
    with requests.Session() as session:
        for _ in range(messages // 50):
            sent = session.post(
                f"{url}{SEND_PATH}", data={**SAMPLE, "MobileNo": numbers}, timeout=10
            )
            assert sent.text == "1"


class StoreReads:
    """Counts the store's scans (``find_messages``, ``find_requests``) and its cheap version
    checks (``version``), calling through to the real storage: what an idle stream costs, as a
    count rather than a timing."""

    SCANS = ("find_messages", "find_requests")

    def __init__(self, storage: object) -> None:
        self.calls: Counter[str] = Counter()
        for name in (*self.SCANS, "version"):
            real = getattr(storage, name)

            def counted(*args: object, _real: Any = real, _name: str = name, **kw: object) -> Any:
                self.calls[_name] += 1
                return _real(*args, **kw)

            setattr(storage, name, counted)

    def scans(self) -> int:
        return sum(self.calls[name] for name in self.SCANS)


@pytest.mark.parametrize("state", ["memory", "sqlite"])
def test_idle_scoped_streams_and_long_polls_cost_no_rescans(tmp_path: Path, state: str) -> None:
    config = Config(seed=0)
    if state == "sqlite":
        config.state = f"sqlite:{tmp_path / 's.sqlite'}"
    app = create_app(config)
    with ServerThread(app) as server:
        fill(server.url, 12_000)
        reads = StoreReads(app.state.backend.storage)
        streams = []
        try:
            for i in range(160):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                path = (
                    f"/_mock/api/events?scope=idle{i}"
                    if i % 2
                    else f"/_mock/api/messages/wait?scope=idle{i}&timeout_ms=20000"
                )
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                streams.append(sock)
            for i, sock in enumerate(streams):  # every stream has started (its first look)
                if i % 2:
                    head = b""
                    while b"event: health" not in head:
                        head += sock.recv(4096)
            time.sleep(0.3)
            before = reads.calls.copy()
            time.sleep(2.0)  # idle: each stream and long-poll looks 4-5 times a second
            idle = reads.calls - before
            # something stored in one stream's scope: that stream reads it (the count works)
            sent = requests.post(
                server.url + SEND_PATH,
                data={**SAMPLE, "MobileNo": "96899100000"},
                headers={"X-Mock-Scope": "idle1"},
                timeout=10,
            )
            assert sent.text == "1"
            head = b""
            while b"event: message" not in head:
                head += streams[1].recv(4096)
        finally:
            for sock in streams:
                sock.close()
    # Before the fix every look rescanned the 10,000 messages (the cap): 160 streams x 4-5 looks
    # a second. Now a look checks the scope's version and reads only when something was stored.
    assert idle["version"] > 160, idle  # they did look, many times
    assert sum(idle[name] for name in StoreReads.SCANS) == 0, idle
    assert reads.scans() > sum(before[name] for name in StoreReads.SCANS)


def test_the_sqlite_queries_filter_scope_on_an_index(tmp_path: Path) -> None:
    config = Config(seed=0)
    config.state = f"sqlite:{tmp_path / 's.sqlite'}"
    with ServerThread(create_app(config)):
        pass
    with contextlib.closing(sqlite3.connect(tmp_path / "s.sqlite")) as db:
        for table in ("messages", "journal"):
            plan = db.execute(
                f"EXPLAIN QUERY PLAN SELECT id FROM {table} WHERE id > 5 AND scope = 'x' "
                "ORDER BY id ASC LIMIT 10"
            ).fetchall()
            assert any("INDEX" in str(row) and "scope" in str(row) for row in plan), plan
