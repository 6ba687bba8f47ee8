"""Helpers of the issue-19 hardening tests (tests/test_harden_*.py): raw HTTP over loopback."""

from __future__ import annotations

import contextlib
import socket

import requests

FORM = "application/x-www-form-urlencoded"


def raw_post(path: str, body: bytes, *, extra: str = "", content_type: str = FORM) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def read_all(sock: socket.socket) -> bytes:
    data = b""
    with contextlib.suppress(ConnectionResetError, TimeoutError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def exchange(host: str, port: int, raw: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(raw)
        return read_all(sock)


def body_of(answer: bytes) -> bytes:
    return answer.partition(b"\r\n\r\n")[2]


def last_entry(url: str) -> dict[str, object]:
    entries = requests.get(url + "/_mock/api/requests?limit=1", timeout=10).json()
    assert isinstance(entries, list) and entries
    entry: dict[str, object] = entries[0]
    return entry
