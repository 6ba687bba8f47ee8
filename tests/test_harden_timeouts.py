"""Issue 19, point 4: incomplete requests are closed at their time-outs, and a connection cap
keeps room for honest clients when slow ones would take every file descriptor."""

from __future__ import annotations

import contextlib
import json
import resource
import socket
import time
from pathlib import Path

import pytest
import requests

from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE
from tests.hardening import raw_post
from tests.processes import running

# --- 4. time-outs and the connection cap --------------------------------------------------------

pytestmark = pytest.mark.subprocess


TIMEOUTS = {"header_timeout_ms": 600, "body_timeout_ms": 600, "idle_timeout_ms": 600}


def closed_within(sock: socket.socket, limit: float) -> tuple[bool, bytes]:
    """Whether the server closed the connection within ``limit`` seconds, and what it sent."""
    sock.settimeout(limit)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except TimeoutError:
        return False, data
    except ConnectionResetError:
        pass
    return True, data


@pytest.mark.parametrize(
    "sent",
    [
        b"",
        b"POST /iBulkSMS/HttpWS/SMSDynam",
        f"POST {SEND_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le".encode(),
        raw_post(SEND_PATH, b"UserId=ismartsms&Passw")[:-4] + b"9999\r\n\r\nUserId=ism",
    ],
    ids=["nothing", "half-a-request-line", "half-the-headers", "part-of-the-body"],
)
def test_an_incomplete_request_is_closed_at_its_time_out(tmp_path: Path, sent: bytes) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps({"settings": TIMEOUTS}), encoding="utf-8")
    with running("--config", str(config)) as mock:
        with socket.create_connection(("127.0.0.1", mock.port), timeout=10) as sock:
            if sent:
                sock.sendall(sent)
            closed, _ = closed_within(sock, 8)
        assert closed, "still open 8 s after a time-out of 0.6 s"
        # and an honest client is answered as ever
        assert requests.post(mock.send_url, data=SAMPLE, timeout=10).text == "1"


def test_slow_connections_up_to_the_file_limit_leave_room_for_honest_clients() -> None:
    with running() as mock:
        resource.prlimit(mock.proc.pid, resource.RLIMIT_NOFILE, (160, 160))
        slow: list[socket.socket] = []
        try:
            for _ in range(200):
                with contextlib.suppress(OSError):
                    sock = socket.create_connection(("127.0.0.1", mock.port), timeout=5)
                    sock.sendall(f"POST {SEND_PATH} HTTP/1.1\r\nHost: x\r\n".encode())
                    slow.append(sock)
            time.sleep(0.3)
            answers = []
            for _ in range(3):
                try:
                    answers.append(requests.post(mock.send_url, data=SAMPLE, timeout=5).text)
                except requests.RequestException as exc:
                    answers.append(type(exc).__name__)
        finally:
            for sock in slow:
                sock.close()
    assert answers == ["1", "1", "1"]
