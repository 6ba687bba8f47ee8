"""Issue 19, point 2: a client that half-closes after a complete request gets its answer, with
SQLite state and one or two workers, pipelined requests included."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE
from tests.hardening import body_of, raw_post, read_all
from tests.processes import running

# --- 2. half-closed clients get their answers ---------------------------------------------------


pytestmark = pytest.mark.subprocess


def half_closed_send(port: int, body: bytes, count: int = 1) -> bytes:
    raw = b"".join(
        raw_post(SEND_PATH, body, extra="Connection: close\r\n" if i == count - 1 else "")
        for i in range(count)
    )
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        return read_all(sock)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_every_half_closed_client_gets_its_answer_with_sqlite(tmp_path: Path, workers: str) -> None:
    body = urlencode(SAMPLE).encode()
    state = f"sqlite:{tmp_path / 'state.sqlite'}"
    with running("--state", state, "--workers", workers) as mock:
        results: list[bytes] = []
        lock = threading.Lock()

        def client() -> None:
            answer = half_closed_send(mock.port, body)
            with lock:
                results.append(answer)

        threads = [threading.Thread(target=client) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        piped = half_closed_send(mock.port, body, count=5)
        stored = requests.get(mock.url + "/_mock/api/health", timeout=10).json()["messages"]
        output = mock.stop()
    answered = sum(1 for a in results if a.startswith(b"HTTP/1.1 200") and body_of(a) == b"1")
    assert (answered, stored) == (40, 45)
    assert piped.count(b"HTTP/1.1 200") == 5, piped
    assert "RuntimeError" not in output and "Traceback" not in output, output[-3000:]
