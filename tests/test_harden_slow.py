"""Issue 28, point 8: a slow honest client is served as long as its request keeps arriving
(each byte starts the header or body time-out again), and one whose request stops arriving is
answered 408 (nothing was done with it: a retry is safe), not dropped without a word."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import requests

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config, apply_mapping
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE
from tests.hardening import read_all

SHORT = {"header_timeout_ms": 400, "body_timeout_ms": 400}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    config = apply_mapping(Config(seed=0), {"settings": SHORT}, "test")
    with ServerThread(create_app(config)) as running:
        yield running


def trickle(server: ServerThread, pieces: list[bytes], pause: float) -> bytes:
    """Send ``pieces`` ``pause`` seconds apart, then read the answer."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(pause)
        return read_all(sock)


def request_pieces() -> tuple[list[bytes], list[bytes]]:
    body = urlencode(SAMPLE).encode()
    head = [
        f"POST {SEND_PATH} HTTP/1.1\r\n".encode(),
        b"Host: 127.0.0.1\r\n",
        b"Content-Type: application/x-www-form-urlencoded\r\n",
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode(),
    ]
    return head, [body[i : i + 40] for i in range(0, len(body), 40)]


def test_a_request_that_keeps_arriving_slowly_is_answered(server: ServerThread) -> None:
    head, body = request_pieces()
    # 0.25 s between pieces: each under the 0.4 s time-out, the whole far over it
    answer = trickle(server, head + body, 0.25)
    assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"\r\n\r\n1"), answer


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_request_that_stops_arriving_is_answered_408(server: ServerThread, part: str) -> None:
    head, body = request_pieces()
    before = requests.get(server.url + "/_mock/api/health", timeout=10).json()["requests"]
    sent = head[:2] if part == "headers" else head + body[:1]
    answer = trickle(server, sent, 0.0)
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), answer
    assert answer.endswith(b"nothing was done with it: send it again")
    after = requests.get(server.url + "/_mock/api/health", timeout=10).json()["requests"]
    assert after == before  # not journaled: nothing was done
