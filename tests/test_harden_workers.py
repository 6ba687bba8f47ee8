"""Issue 28, point 11: when every worker of ``--workers`` dies, the port is not refused while
their replacements start: each worker's listening socket is held by the supervisor, so the
connections that arrive meanwhile wait in its backlog and are answered by the replacement.
Counted (refused connections), not timed."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE
from tests.hardening import body_of, raw_post
from tests.processes import running

FORM_BODY = urlencode(SAMPLE).encode()


def workers_of(pid: int) -> list[int]:
    """The supervisor's worker processes (not multiprocessing's resource tracker)."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        command = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"spawn_main" in command or b"multiprocessing.spawn" in command:
            found.append(int(child))
    return found


@pytest.mark.subprocess
def test_no_connection_is_refused_while_every_worker_is_replaced(tmp_path: Path) -> None:
    with running("--workers", "2", "--state", f"sqlite:{tmp_path / 's'}") as mock:
        pids = workers_of(mock.proc.pid)
        assert len(pids) == 2, pids
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        refused = answered = 0
        socks = []
        for _ in range(40):  # while the replacements start
            try:
                sock = socket.create_connection(("127.0.0.1", mock.port), timeout=30)
                sock.sendall(raw_post(SEND_PATH, FORM_BODY, extra="Connection: close\r\n"))
                socks.append(sock)
            except ConnectionRefusedError:
                refused += 1
            time.sleep(0.02)
        for sock in socks:
            with sock:
                data = b""
                try:
                    while chunk := sock.recv(4096):
                        data += chunk
                except ConnectionResetError:
                    refused += 1  # taken by a dying worker's socket
                    continue
                answered += body_of(data) == b"1"
        deadline = time.monotonic() + 30
        while len(replaced := workers_of(mock.proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    print(f"refused or reset: {refused} of 40; answered: {answered}; workers {pids} -> {replaced}")
    assert refused == 0, f"{refused} of 40 connections refused while the workers restarted"
    assert answered == 40, answered
    assert len(replaced) == 2 and not set(replaced) & set(pids), (pids, replaced)
