"""The ``ismart-mock`` command as a real process on a free loopback port, for tests.

The emulator picks the port itself: it binds ``--port 0`` (the system chooses a free port, and
the emulator holds it from then on) and reports the port in ``--port-file``. A port chosen
here and handed to the child (bind, close, pass the number) could be taken by any other
process in between.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

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


STARTUP_S = 30
"""How long an emulator may take to start (a loaded machine, TLS certificates to make)."""


def _not_started(proc: subprocess.Popen[str]) -> AssertionError:
    out = proc.communicate(timeout=5)[0] if proc.poll() is not None else ""
    return AssertionError(f"emulator did not start: {out}")


def wait_for_port(port_file: Path, proc: subprocess.Popen[str]) -> int:
    """The port the emulator wrote to ``port_file`` once bound (it writes it whole)."""
    deadline = time.monotonic() + STARTUP_S
    while not port_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise _not_started(proc)
        time.sleep(0.02)
    return int(port_file.read_text(encoding="ascii"))


def wait_until_up(url: str, proc: subprocess.Popen[str], *, verify: Any = True) -> None:
    deadline = time.monotonic() + STARTUP_S
    while True:
        try:
            requests.get(url + "/_mock/api/health", timeout=1, verify=verify)
            return
        # a connection refused or unanswered while it starts; OSError: the CA file not written
        except (requests.ConnectionError, requests.Timeout, OSError):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise _not_started(proc) from None
            time.sleep(0.02)


def start(
    *args: str,
    port: int | None = None,
    scheme: str = "http",
    verify: Any = True,
    env: dict[str, str] | None = None,
) -> MockProcess:
    """``ismart-mock`` with ``args``, on ``port`` (default: one it picks itself), answering."""
    with tempfile.TemporaryDirectory(prefix="ismart-mock-") as folder:
        port_file = Path(folder) / "port"
        command = [sys.executable, "-m", "ismart_sms_kit.mock_server", "--port", str(port or 0)]
        proc = subprocess.Popen(
            [*command, *args, "--port-file", str(port_file)],  # last: this one wins
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )
        try:
            bound = wait_for_port(port_file, proc)
            url = f"{scheme}://127.0.0.1:{bound}"
            wait_until_up(url, proc, verify=verify)
        except BaseException:
            proc.kill()
            proc.communicate(timeout=10)
            raise
    return MockProcess(url, proc, bound)


@contextmanager
def running(*args: str, **kwargs: Any) -> Iterator[MockProcess]:
    mock = start(*args, **kwargs)
    try:
        yield mock
    finally:
        mock.stop()
