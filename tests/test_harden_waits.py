"""Issue 28, point 3: a long-poll (``/_mock/api/messages/wait``) ends when its client goes, and
when the server shuts down: abandoned ones cost no looks (counted, not timed) and leave no
listener behind."""

from __future__ import annotations

import resource
import signal
import socket
import time

import pytest
import requests

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE
from tests.processes import running
from tests.test_harden_streams import StoreReads

WAIT = "/_mock/api/messages/wait?to=96899000001&timeout_ms=300000"


def open_waits(port: int, count: int) -> list[socket.socket]:
    waits = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(f"GET {WAIT} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        waits.append(sock)
    return waits


def enough_files(count: int) -> int:
    """``count`` long-polls, both ends in this process, if the file limit can be raised for
    them (to the hard limit at most); else as many as it allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * count + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        top = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (top, hard))
        soft = top
    return min(count, (soft - 256) // 2)


def test_1000_abandoned_long_polls_cost_nothing_once_their_clients_are_gone() -> None:
    count = enough_files(1_000)
    app = create_app(Config(seed=0))
    with ServerThread(app) as server:
        reads = StoreReads(app.state.backend.storage)
        waits = open_waits(server.port, count)
        deadline = time.monotonic() + 30
        while reads.calls["version"] < count and time.monotonic() < deadline:
            time.sleep(0.05)  # every wait has had its first look
        for sock in waits:
            sock.close()
        time.sleep(0.5)  # the server sees them go
        before = reads.calls.copy()
        time.sleep(0.5)  # idle: a live wait looks 5 times a second
        idle = reads.calls - before
        sent = requests.post(server.url + SEND_PATH, data=SAMPLE, timeout=10)
        assert sent.text == "1"
    # before: each abandoned wait went on looking for its 300 s (about 2,500 looks here)
    assert reads.calls["version"] >= count
    assert idle["version"] == 0, idle


@pytest.mark.subprocess
def test_sigterm_stops_the_server_while_long_polls_wait() -> None:
    with running() as mock:
        waits = open_waits(mock.port, 50)
        time.sleep(0.5)
        mock.proc.send_signal(signal.SIGTERM)
        try:  # uvicorn's graceful shutdown would wait for the waits' 300 s
            mock.output.append(mock.proc.communicate(timeout=8)[0])
        finally:
            for sock in waits:
                sock.close()
        assert mock.proc.returncode is not None
