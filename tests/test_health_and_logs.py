"""Issue 21, point 8, over real HTTP: a successful rules reload logs at INFO, the ``broken``
demo account (it answers 11 on purpose) logs no ERROR, and ``/health`` says ``degraded`` while
a rules file failed to reload; also the gateway's clock, which the inbox labels its times with
(point 5), and deleting one message (point 9)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from ismart_sms_kit.client.mock_admin import MockAdmin, MockAdminError
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config, load_rules_file
from ismart_sms_kit.mock_server.server import ServerThread
from tests.conftest import SAMPLE, Emulator


def wait_until(condition: Callable[[], object]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.02)


def write_rules(path: Path, code: int | str) -> None:
    staged = path.with_suffix(".tmp")  # written whole, then renamed: no half-written reads
    staged.write_text(f"rules:\n  - name: answer\n    action: {{code: {code}}}\n", "utf-8")
    staged.replace(path)


@pytest.fixture
def reloading(tmp_path: Path) -> Iterator[tuple[MockAdmin, Path]]:
    rules = tmp_path / "rules.yaml"
    write_rules(rules, 4)
    config = load_rules_file(rules, Config(seed=0))
    config.settings["rules_reload_ms"] = 50
    with ServerThread(create_app(config)) as server:
        admin = MockAdmin(server.url)
        yield admin, rules
        admin.close()


def health(admin: MockAdmin) -> dict[str, object]:
    found: dict[str, object] = admin._api("GET", "/health")
    return found


def test_a_successful_reload_logs_at_info(
    reloading: tuple[MockAdmin, Path], caplog: pytest.LogCaptureFixture
) -> None:
    admin, rules = reloading
    caplog.set_level(logging.INFO, logger="mock_server")
    write_rules(rules, 7)
    wait_until(lambda: any("rules reloaded" in r.getMessage() for r in caplog.records))
    [reloaded] = [r for r in caplog.records if "rules reloaded" in r.getMessage()]
    assert reloaded.levelno == logging.INFO
    assert requests.post(admin.send_url, data=SAMPLE, timeout=10).text == "7"


def test_health_is_degraded_while_a_rules_file_is_broken(
    reloading: tuple[MockAdmin, Path],
) -> None:
    admin, rules = reloading
    assert health(admin)["status"] == "ok"
    write_rules(rules, "four")
    wait_until(lambda: health(admin)["rules_errors"])
    assert health(admin)["status"] == "degraded"
    write_rules(rules, 9)
    wait_until(lambda: not health(admin)["rules_errors"])
    assert health(admin)["status"] == "ok"


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


def test_a_rules_file_caught_half_written_is_not_applied(tmp_path: Path) -> None:
    """An editor that truncates, then writes: the check that reads the empty file in between
    must not apply it (every request would get the normal checks for a moment); the file is
    applied once two checks read the same bytes. The checks are called by hand, so nothing
    here depends on timing."""
    rules = tmp_path / "rules.yaml"
    write_rules(rules, 4)
    backend = create_app(load_rules_file(rules, Config(seed=0))).state.backend

    def codes() -> list[object]:
        return [r.to_json()["action"].get("code") for r in backend.rules.all()]

    rules.write_text("", "utf-8")  # truncated: the new text is not written yet
    assert backend.watcher.check() == []
    assert codes() == [4]
    write_rules(rules, 7)
    assert backend.watcher.check() == []  # changed since the last look: not settled yet
    assert codes() == [4]
    assert backend.watcher.check() == [str(rules)]
    assert codes() == [7]
