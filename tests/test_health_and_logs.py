"""Issue 21 over real HTTP: the ``broken`` demo account (it answers 11 on purpose) logs no
ERROR (point 8; the hot-reload ones are with the other hot-reload tests, in
test_test_author_features.py), ``/health`` names the gateway's clock, which the inbox labels
its times with (point 5), and one message can be deleted (point 9)."""

from __future__ import annotations

import logging

import pytest
import requests

from ismart_sms_kit.client.mock_admin import MockAdmin, MockAdminError
from tests.conftest import Emulator


def test_the_broken_demo_account_answers_11_without_logging_an_error(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert emulator.send(UserId="broken", Password="broken", Header="DEMO") == "11"
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == [], [r.getMessage() for r in errors]
    assert any("broken" in r.getMessage() for r in caplog.records)  # still said, at INFO


def test_health_names_the_gateway_clock(emulator: Emulator) -> None:
    clock = requests.get(emulator.url + "/_mock/api/health", timeout=10).json()["gateway_clock"]
    assert clock == {"utc_offset_minutes": 240, "label": "Asia/Muscat, UTC+4"}


def test_one_message_can_be_deleted(emulator: Emulator) -> None:
    admin = MockAdmin(emulator.url)
    assert emulator.send(MobileNo="96899000601", Message="keep") == "1"
    assert emulator.send(MobileNo="96899000602", Message="delete me") == "1"
    doomed = admin.latest("96899000602")
    assert doomed is not None
    admin.delete_message(doomed["id"])
    assert [m["text"] for m in admin.messages()] == ["keep"]
    with pytest.raises(MockAdminError) as missing:
        admin.delete_message(doomed["id"])
    assert missing.value.status == 404
    scoped = admin.scoped("another-team")
    kept = admin.latest("96899000601")
    assert kept is not None
    with pytest.raises(MockAdminError):
        scoped.delete_message(kept["id"])  # not in that scope: not found, not deleted
    assert len(admin.messages()) == 1
