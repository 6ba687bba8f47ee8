"""The ``ismart-mock`` command as a user runs it: a real process on a free loopback port."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE
from tests.processes import running

pytestmark = pytest.mark.subprocess


def test_help_lists_the_options() -> None:
    for command in ([sys.executable, "-m", "ismart_sms_kit.mock_server", "--help"],):
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        for option in ("--host", "--port", "--config", "--seed"):
            assert option in out
        # the settings a config file can change, the per-endpoint ones too
        for setting in ("message_cap", "magic_numbers", "reference_ids_required", "flash"):
            assert f"\n  {setting} (default " in out
        assert "02..25" in out


def test_rules_on_the_command_line_replace_those_of_the_environment(tmp_path: Path) -> None:
    from_env, from_cli = tmp_path / "env.yaml", tmp_path / "cli.yaml"
    from_env.write_text("rules: [{name: env, action: {code: 7}}]\n", encoding="utf-8")
    from_cli.write_text("rules: [{name: cli, action: {code: 8}}]\n", encoding="utf-8")
    env = {"ISMART_MOCK_RULES": str(from_env)}
    with running(env=env) as mock:
        assert requests.post(mock.url + SEND_PATH, data=SAMPLE, timeout=5).text == "7"
    with running("--rules", str(from_cli), env=env) as mock:
        assert requests.post(mock.url + SEND_PATH, data=SAMPLE, timeout=5).text == "8"
        names = [r["name"] for r in requests.get(mock.url + "/_mock/api/rules", timeout=5).json()]
        assert names == ["cli"]


def test_the_command_serves_the_vendor_sample_and_prints_the_seed() -> None:
    with running("--seed", "42") as mock:
        url = mock.url
        assert requests.post(url + SEND_PATH, data=SAMPLE, timeout=5).text == "1"
        assert requests.get(url + "/_mock/api/health", timeout=5).json()["seed"] == 42
        output = mock.stop()
    assert "seed 42" in output


def test_config_file_adds_an_account(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "accounts:\n  - {user_id: acme, password: pw, headers: [ACME], credit: 1}\n",
        encoding="utf-8",
    )
    with running("--config", str(config)) as mock:
        url = mock.url
        data = {**SAMPLE, "UserId": "acme", "Password": "pw", "Header": "ACME"}
        assert requests.post(url + SEND_PATH, data=data, timeout=5).text == "1"
        assert requests.post(url + SEND_PATH, data=data, timeout=5).text == "4"


def test_a_config_mistake_is_refused_naming_file_item_and_field(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("accounts:\n  - {user_id: acme, password: pw, credit: lots}\n", "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "ismart_sms_kit.mock_server", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert str(config) in result.stderr
    assert "accounts[0] (acme): credit" in result.stderr


def test_the_client_address_is_the_tcp_peer_unless_proxy_headers_are_asked_for() -> None:
    """uvicorn's proxy-headers middleware is off by default (it cost 5-8% of the throughput
    and there is no proxy on loopback): X-Forwarded-For is ignored. ``--proxy-headers`` turns
    it on for an emulator behind a local reverse proxy."""
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    for args, expected in (((), "127.0.0.1"), (("--proxy-headers",), "203.0.113.7")):
        with running(*args) as mock:
            answer = requests.post(mock.send_url, data=SAMPLE, headers=forwarded, timeout=5)
            assert answer.text == "1"
            (entry,) = requests.get(mock.url + "/_mock/api/requests", timeout=5).json()
            assert entry["client_ip"] == expected, args


def test_port_0_binds_a_free_port_and_the_port_file_names_it(tmp_path: Path) -> None:
    """``--port 0 --port-file PATH``: the emulator picks its own port, holds it, announces it
    and writes it to PATH, so a test never hands it a port another process could take."""
    with running("--port", "0") as mock:  # tests.processes adds --port-file
        assert mock.port != 0
        assert requests.post(mock.send_url, data=SAMPLE, timeout=5).text == "1"
        output = mock.stop()
    assert f"ismart-mock: gateway http://127.0.0.1:{mock.port}{SEND_PATH}" in output


def test_a_port_in_use_is_named_and_stops_the_start_up() -> None:
    with running() as mock:
        result = subprocess.run(
            [sys.executable, "-m", "ismart_sms_kit.mock_server", "--port", str(mock.port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 3, result.stderr
    assert f"127.0.0.1:{mock.port} is in use" in result.stderr
    assert "ismart-mock: gateway" not in result.stdout  # nothing announced
