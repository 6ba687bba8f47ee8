"""Issue 19, points 5 and 6: the access log masks every secret without breaking the line; a
client that gives up mid-body is a disconnect, not a code 11 with a traceback."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.hardening import exchange, raw_post
from tests.processes import running

# --- 5. the access log masks, and does not break ------------------------------------------------


pytestmark = pytest.mark.subprocess


def test_the_access_log_masks_every_secret_and_keeps_the_line() -> None:
    secrets = ["S3cretA", "S3cretB", "S3cretC", "ADMINTOKEN9"]
    with running("--access-log", "--admin-token", "ADMINTOKEN9") as mock:
        for query in (
            f"UserId=ismartsms&Password={secrets[0]}&MobileNo=1",
            f"UserId=ismartsms&Pass%77ord={secrets[1]}",
            f"UserId=ismartsms&Password=Qu'ote{secrets[2]}",
        ):
            raw = (
                f"GET {SEND_PATH}?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            assert exchange("127.0.0.1", mock.port, raw.encode()).startswith(b"HTTP/1.1 200")
        health = requests.get(mock.url + f"/_mock/api/health?token={secrets[3]}", timeout=10)
        assert health.status_code == 200
        output = mock.stop()
    assert "Logging error" not in output, output[-3000:]
    for secret in secrets:
        assert secret not in output, output[-3000:]
    assert output.count(f"GET {SEND_PATH}?") == 3, output[-3000:]
    assert "GET /_mock/api/health?token=***" in output, output[-3000:]


# --- 6. a client that gives up mid-body ---------------------------------------------------------


def test_a_client_gone_mid_body_is_counted_as_a_disconnect_not_a_code_11() -> None:
    with running() as mock:
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", mock.port), timeout=10) as sock:
                head = raw_post(SEND_PATH, b"x" * 1000)[:-990]  # 10 of the 1,000 bytes
                sock.sendall(head)
        deadline = time.monotonic() + 10
        text = ""
        while time.monotonic() < deadline:
            text = requests.get(mock.url + "/_mock/api/metrics", timeout=10).text
            if "ismart_client_disconnects_total" in text and " 20\n" in text:
                break
            time.sleep(0.1)
        entries = requests.get(mock.url + "/_mock/api/requests", timeout=10).json()
        output = mock.stop()
    assert [e for e in entries if e["code"] == 11] == []
    assert "Traceback" not in output and "internal failure" not in output, output[-3000:]
    assert 'ismart_client_disconnects_total{endpoint="SMSDynamicRefIntlAPI"} 20' in text, text
