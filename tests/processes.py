"""The ``ismart-mock`` command as a real process on a free loopback port, for tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests

from ismart_sms_kit.mock_server.server import free_port
from ismart_sms_kit.protocol.spec import SEND_PATH


@dataclass
class MockProcess:
    url: str
    proc: subprocess.Popen[str]
    port: int
    output: list[str] = field(default_factory=list)

    @property
    def send_url(self) -> str:
        return self.url + SEND_PATH

    def kill(self) -> None:
        """``kill -9``: no chance to clean up."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.output.append(self.proc.communicate(timeout=10)[0])

    def stop(self) -> str:
        """Terminate it as Ctrl+C would and return everything it printed."""
        if self.proc.poll() is None:
            self.proc.terminate()
            self.output.append(self.proc.communicate(timeout=15)[0])
        return "".join(self.output)


def wait_until_up(url: str, proc: subprocess.Popen[str], *, verify: Any = True) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url + "/_mock/api/health", timeout=1, verify=verify)
            return
        except (requests.ConnectionError, OSError):  # OSError: the CA file is not written yet
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.communicate(timeout=5)[0] if proc.poll() is not None else ""
                raise AssertionError(f"emulator did not start: {out}") from None
            time.sleep(0.02)


def start(
    *args: str,
    port: int | None = None,
    scheme: str = "http",
    verify: Any = True,
    env: dict[str, str] | None = None,
) -> MockProcess:
    port = port if port is not None else free_port()
    # process groups: --workers starts children that must go down with the parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "ismart_sms_kit.mock_server", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    url = f"{scheme}://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc, verify=verify)
    except BaseException:
        proc.kill()
        proc.communicate(timeout=10)
        raise
    return MockProcess(url, proc, port)


@contextmanager
def running(*args: str, **kwargs: Any) -> Iterator[MockProcess]:
    mock = start(*args, **kwargs)
    try:
        yield mock
    finally:
        mock.stop()
