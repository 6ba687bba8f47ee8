"""``make serve ARGS="--config ..."``, as the README and docs/configuration.md write it, really
starts the emulator with that configuration (tests/test_docs.py marks make serve "not run":
it runs until stopped; here it is started on a free port and stopped)."""

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

from ismart_sms_kit.mock_server.server import free_port

pytestmark = pytest.mark.subprocess


ROOT = Path(__file__).parent.parent
DOCS = "\n".join(
    p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md"))]
)


def test_make_serve_passes_args_to_the_emulator() -> None:
    """``make serve ARGS="--config team"`` starts the emulator with the team's accounts, the
    ready scenario of that name (PORT moved off 8080 so that it cannot collide)."""
    command = 'make serve ARGS="--config team"'
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
