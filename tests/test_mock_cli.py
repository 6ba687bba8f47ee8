"""The ``ismart-mock`` command as a user runs it: a real process on a free loopback port."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from client.protocol import SEND_PATH
from mock_server.server import free_port
from tests.conftest import SAMPLE


@contextmanager
def running(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(url + "/_mock/api/health", timeout=1)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"emulator did not start: {proc.stdout.read()}") from None
                time.sleep(0.05)
        yield url, proc
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_help_lists_the_options() -> None:
    for command in ([sys.executable, "-m", "mock_server", "--help"],):
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        for option in ("--host", "--port", "--config", "--seed"):
            assert option in out


def test_the_command_serves_the_vendor_sample_and_prints_the_seed() -> None:
    with running("--seed", "42") as (url, proc):
        assert requests.post(url + SEND_PATH, data=SAMPLE, timeout=5).text == "1"
        assert requests.get(url + "/_mock/api/health", timeout=5).json()["seed"] == 42
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert "seed 42" in output


def test_config_file_adds_an_account(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "accounts:\n  - {user_id: acme, password: pw, headers: [ACME], credit: 1}\n",
        encoding="utf-8",
    )
    with running("--config", str(config)) as (url, _):
        data = {**SAMPLE, "UserId": "acme", "Password": "pw", "Header": "ACME"}
        assert requests.post(url + SEND_PATH, data=data, timeout=5).text == "1"
        assert requests.post(url + SEND_PATH, data=data, timeout=5).text == "4"


def test_a_config_mistake_is_refused_naming_file_item_and_field(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("accounts:\n  - {user_id: acme, password: pw, credit: lots}\n", "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert str(config) in result.stderr
    assert "accounts[0] (acme): credit" in result.stderr
