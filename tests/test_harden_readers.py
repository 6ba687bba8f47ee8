"""Issue 28, points 1 and 4: what a client that stops reading holds is bounded (its answer is
written a piece at a time, each piece only once the last has gone out) and it is closed at the
write time-out. Measured as the server's RSS, on a real ``ismart-mock`` process."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import requests

from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE
from tests.processes import MockProcess, running

MIB = 1024 * 1024


def rss(mock: MockProcess) -> int:
    """The server's resident memory, in bytes."""
    for line in Path(f"/proc/{mock.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def fill_journal(mock: MockProcess, entries: int) -> None:
    """``entries`` journal entries near the byte budget of one (about 4 KB of parameters)."""
    junk = {f"junk{i}": "J" * 1000 for i in range(4)}
    with requests.Session() as session:
        for _ in range(entries):
            sent = session.post(mock.send_url, data={**SAMPLE, **junk}, timeout=10)
            assert sent.text == "1"


@contextmanager
def stalled_reader(port: int, path: str) -> Iterator[socket.socket]:
    """A client that asks for ``path`` and never reads (a small receive buffer)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    try:
        sock.connect(("127.0.0.1", port))
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        yield sock
    finally:
        sock.close()


def settled_rss(mock: MockProcess) -> int:
    """The RSS once it has stopped growing (the answers written as far as they go)."""
    last = rss(mock)
    for _ in range(40):
        time.sleep(0.25)
        now = rss(mock)
        if abs(now - last) < MIB:
            return now
        last = now
    return last


def closed_within(sock: socket.socket, limit: float) -> bool:
    """Whether the server closed ``sock`` within ``limit`` seconds (reading what it sent)."""
    sock.settimeout(1)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if not sock.recv(1 << 20):
                return True
        except TimeoutError:
            continue
        except ConnectionResetError:
            return True
    return False


@pytest.mark.subprocess
@pytest.mark.parametrize("state", ["memory", "sqlite"])
def test_eight_stalled_readers_of_a_3000_entry_page_hold_a_bounded_amount(
    tmp_path: Path, state: str
) -> None:
    args = ["--state", f"sqlite:{tmp_path / 's'}"] if state == "sqlite" else []
    with running(*args) as mock:
        fill_journal(mock, 3_000)
        page = requests.get(mock.url + "/_mock/api/requests?limit=3000", timeout=30)
        assert len(page.json()) == 3_000
        assert len(page.content) > 10 * MIB  # what each stalled reader asks for
        before = settled_rss(mock)
        with ExitStack() as stack:
            for _ in range(8):
                stack.enter_context(stalled_reader(mock.port, "/_mock/api/requests?limit=3000"))
            held = settled_rss(mock) - before
            # the server still answers others at once
            assert requests.post(mock.send_url, data=SAMPLE, timeout=10).text == "1"
    # before: each reader held its whole answer (about 15 MB) and more while it was built, and
    # with SQLite the 3,000 entries read for it (121 MiB for 8 with memory state, 144 SQLite)
    print(f"8 stalled readers hold {held / MIB:.1f} MiB ({state})")
    assert held < 100 * MIB, held / MIB
    assert held < 24 * MIB, held / MIB


@pytest.mark.subprocess
def test_a_stalled_reader_is_closed_at_the_write_time_out(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps({"settings": {"write_timeout_ms": 1000}}), encoding="utf-8")
    with running("--config", str(config)) as mock:
        fill_journal(mock, 600)
        with (
            stalled_reader(mock.port, "/_mock/api/requests?limit=600") as page,
            stalled_reader(mock.port, "/_mock/api/events?after=0-0") as events,
        ):
            time.sleep(3)  # 1 s without progress: both are closed
            assert closed_within(page, 8), "a stalled page reader still open"
            assert closed_within(events, 8), "a stalled event-stream reader still open"
        # a reader that reads, however slowly, gets the whole page
        with requests.get(
            mock.url + "/_mock/api/requests?limit=600", stream=True, timeout=10
        ) as slow:
            body = b""
            for chunk in slow.iter_content(256 * 1024):
                body += chunk
                time.sleep(0.3)
        assert len(json.loads(body)) == 600


@pytest.mark.subprocess
def test_stalled_event_streams_hold_little_and_leave_nothing_when_they_close() -> None:
    with running() as mock:
        fill_journal(mock, 100)
        before = settled_rss(mock)
        with ExitStack() as stack:
            for _ in range(50):
                stack.enter_context(stalled_reader(mock.port, "/_mock/api/events"))
            fill_journal(mock, 2_000)  # each stream has 2,000 entries of 4 KB to send
            held = settled_rss(mock) - before
        time.sleep(1)  # the streams see their clients gone
        after = settled_rss(mock) - before
        assert requests.post(mock.send_url, data=SAMPLE, timeout=10).text == "1"
    print(f"50 stalled streams: {held / MIB:.1f} MiB held, {after / MIB:.1f} MiB after closing")
    assert held < 64 * MIB, held / MIB
    assert after < 64 * MIB, after / MIB


@pytest.mark.parametrize("path", ["/_mock/api/requests", "/_mock/api/messages"])
def test_a_long_list_read_a_page_at_a_time_is_the_whole_list(
    served: ServerThread, path: str
) -> None:
    numbers = ",".join(f"9689912{i:04d}" for i in range(5))
    assert requests.post(served.url + "/_mock/api/reset", timeout=10).status_code == 200
    with requests.Session() as session:
        for _ in range(70):
            sent = session.post(
                served.url + SEND_PATH, data={**SAMPLE, "MobileNo": numbers}, timeout=10
            )
            assert sent.text == "1"
    for limit in (99, 100, 101, 230, 350):
        page = requests.get(f"{served.url}{path}?limit={limit}", timeout=10).json()
        ids = [item["id"] for item in page]
        assert len(ids) == min(limit, 350 if path.endswith("messages") else 70), (limit, len(ids))
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
        assert ids == list(range(ids[0], ids[0] - len(ids), -1))  # none skipped
    filtered = requests.get(
        f"{served.url}/_mock/api/messages?limit=300&to=96899120003", timeout=10
    ).json()
    assert len(filtered) == 70 and {m["to"] for m in filtered} == {"96899120003"}


def test_a_stream_with_a_backlog_over_one_round_sends_all_of_it(served: ServerThread) -> None:
    """Each round of a stream reads at most ``BATCH`` of each kind; the rest followed only on
    the next store change (2,500 waiting: 1,000 sent, then nothing until another send)."""
    assert requests.post(served.url + "/_mock/api/reset", timeout=10).status_code == 200
    with requests.Session() as session:
        for _ in range(2_500):
            assert session.post(served.url + SEND_PATH, data=SAMPLE, timeout=10).text == "1"
    received = b""
    with requests.get(
        served.url + "/_mock/api/events?after=0-0", stream=True, timeout=10
    ) as events:
        for chunk in events.iter_content(65536):
            received += chunk
            if received.count(b"event: request") >= 2_500:
                break
    assert received.count(b"event: message") == 2_500
