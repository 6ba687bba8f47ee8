"""The issue-17 examples of the docs, run as written: ``make serve ARGS="--config ..."`` and
the ``curl`` that creates an account (against a real emulator; only the address differs)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from ismart_sms_kit.client.protocol import SEND_PATH
from ismart_sms_kit.mock_server.server import free_port
from tests.conftest import SAMPLE
from tests.processes import running

ROOT = Path(__file__).parent.parent
DOCS = "\n".join(
    p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md"))]
)


def test_make_serve_passes_args_to_the_emulator() -> None:
    """``make serve ARGS="--config fixtures/accounts/team.yaml"`` starts the emulator with the
    team's accounts (PORT moved off 8080 so that it cannot collide)."""
    command = 'make serve ARGS="--config fixtures/accounts/team.yaml"'
    assert command in DOCS
    if shutil.which("make") is None:
        pytest.skip("no make")
    port = free_port()
    proc = subprocess.Popen(
        f"{command} PORT={port}",
        shell=True,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                accounts = requests.get(url + "/_mock/api/accounts", timeout=1).json()
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout
                time.sleep(0.1)
        team = (ROOT / "fixtures/accounts/team.yaml").read_text(encoding="utf-8")
        first = re.search(r"user_id: *([\w-]+)", team)
        assert first is not None
        assert first.group(1) in [a["user_id"] for a in accounts]
        assert all(a["configured"] for a in accounts)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=15)


def test_the_curl_that_creates_an_account() -> None:
    block = re.search(r"```sh\n(curl -s -X POST [^`]*/_mock/api/accounts[^`]*)```", DOCS)
    assert block is not None
    if shutil.which("curl") is None:
        pytest.skip("no curl")
    with running() as mock:
        command = block.group(1).replace("http://127.0.0.1:8080", mock.url)
        out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        created = requests.get(mock.url + "/_mock/api/accounts/acme", timeout=10).json()
        assert (created["headers"], created["credit"]) == (["ACME"], 500)
        data = {**SAMPLE, "UserId": "acme", "Password": "s3cret", "Header": "ACME"}
        assert requests.post(mock.url + SEND_PATH, data=data, timeout=10).text == "1"
