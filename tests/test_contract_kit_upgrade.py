"""The kit judges A-UPGRADE: against an emulator served by uvicorn's own httptools protocol
(which takes a request's body for the new protocol's data when it carries ``Upgrade``, as the
emulator did before), the kit's upgrade test fails, names the header and the assumption; the
emulator as shipped passes it (the kit's own run in ``make test``)."""

from __future__ import annotations

import pytest

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.kit_mutants import run_kit


@pytest.mark.kit_run
def test_the_kit_fails_a_gateway_that_loses_an_upgrade_requests_body() -> None:
    with ServerThread(create_app(Config(seed=0)), http="httptools") as stock:
        result = run_kit(
            f"--ismart-url={stock.url}{SEND_PATH}",
            "--ismart-emulator",
            "--ismart-timeout=3",
            paths=("contract_tests/test_upgrade.py",),
            timeout=120,
        )
    assert result.returncode == 1, result.stdout[-3000:]
    assert "a send with Upgrade: h2c: the target has (200, '15')" in result.stdout
    assert "(A-UPGRADE)" in result.stdout
