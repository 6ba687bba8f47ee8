"""Issue 8, secrets and exposure: passwords never in the journal, the store, the state file,
the inbox, the logs (access log included) or error pages; the inbox escapes (see
tests/test_inbox_browser.py for the browser side); concurrent wrong passwords lock at exactly
the threshold; loopback by default, loudly otherwise."""

from __future__ import annotations

import argparse
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.cli import _announce, build_parser
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.protocol.spec import DELIVERY_REPORT_PATH, LEGACY_SEND_PATH
from tests.conftest import SAMPLE
from tests.processes import running

SECRETS = {
    "acme": "Acme-S3cret-pass",  # the right password of a configured account
    "wrong": "Wr0ng-Guess-xyz",  # a wrong one
    "other": "0ther-Secret-qqq",  # a password sent to the delivery-report endpoint
    "patched": "Patched-Pw-777",  # set through the admin API
}


@pytest.mark.subprocess
def test_no_password_anywhere_the_emulator_writes(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "accounts:\n"
        f"  - {{user_id: acme, password: '{SECRETS['acme']}', headers: [ACME], http_get: true}}\n"
        "rules:\n  - {name: outage, match: {mobile: '96899000503'}, action: {http_status: 503}}\n",
        encoding="utf-8",
    )
    state = tmp_path / "state.sqlite"
    good = {**SAMPLE, "UserId": "acme", "Password": SECRETS["acme"], "Header": "ACME"}
    with running(
        "--config", str(config), "--state", f"sqlite:{state}", "--access-log",
        "--log-level", "debug",
    ) as mock:  # fmt: skip
        url, send = mock.url, mock.send_url
        assert requests.post(send, data=good, timeout=10).text == "1"
        assert requests.get(send, params=good, timeout=10).text == "1"  # password in the URL
        assert requests.post(send, params=good, timeout=10).text == "1"
        wrong = {**good, "Password": SECRETS["wrong"]}
        assert requests.post(send, data=wrong, timeout=10).text == "3"
        assert requests.get(url + LEGACY_SEND_PATH, params=wrong, timeout=10).text == "3"
        assert (
            requests.post(send, data={**good, "MobileNo": "96899000503"}, timeout=10).status_code
            == 503
        )
        assert requests.post(send, data={**good, "Lang": "7"}, timeout=10).text == "10"
        broken = {**good, "UserId": "broken", "Password": "broken", "Header": "DEMO"}
        assert requests.post(send, data=broken, timeout=10).text == "11"  # logs an error
        big = {**good, "Message": "x" * 70_000}
        assert requests.post(send, data=big, timeout=10).text == "15"
        dlr = {"UserId": "acme", "Password": SECRETS["other"], "referenceIds": "101"}
        assert requests.get(url + DELIVERY_REPORT_PATH, params=dlr, timeout=10).text == "3"
        patched = requests.patch(
            url + "/_mock/api/accounts/acme", json={"password": SECRETS["patched"]}, timeout=10
        )
        seen = [
            patched.text,
            requests.get(url + "/_mock/api/requests?limit=1000", timeout=10).text,
            requests.get(url + "/_mock/api/messages?limit=1000", timeout=10).text,
            requests.get(url + "/_mock/api/accounts", timeout=10).text,
            requests.get(url + "/_mock/api/accounts/acme", timeout=10).text,
            requests.get(url + "/_mock/api/health", timeout=10).text,
            requests.get(url + "/_mock/api/metrics", timeout=10).text,
            requests.get(url + "/_mock/api/rules", timeout=10).text,
            requests.get(url + "/_mock/", timeout=10).text,
            requests.get(url + "/_mock/static/inbox.js", timeout=10).text,
            requests.get(url + "/_mock/api/nope?Password=" + SECRETS["wrong"], timeout=10).text,
            requests.put(url + "/_mock/api/health", data=wrong, timeout=10).text,
        ]
        with requests.get(url + "/_mock/api/events?after=0-0", stream=True, timeout=10) as events:
            stream = b""
            for chunk in events.iter_content(chunk_size=None):
                stream += chunk
                if stream.count(b"event: request") >= 9:
                    break
        seen.append(stream.decode())
        output = mock.stop()
    files = b"".join(
        p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("state") and p.is_file()
    )
    assert "GET /iBulkSMS" in output and "Password=***" in output  # the access log was on
    assert "journal" in files.decode("latin-1") or len(files) > 10_000  # the file was read
    for name, secret in SECRETS.items():
        for text in seen:
            assert secret not in text, name
        assert secret not in output, name
        assert secret.encode() not in files, name


@pytest.mark.subprocess
@pytest.mark.parametrize("workers", [1, 2])
def test_concurrent_wrong_passwords_lock_at_exactly_the_threshold(
    tmp_path: Path, workers: int
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "accounts:\n"
        "  - {user_id: target, password: right-one, headers: [T], lockout_threshold: 12}\n",
        encoding="utf-8",
    )
    args = ["--config", str(config), "--state", f"sqlite:{tmp_path / 's.sqlite'}"]
    if workers > 1:
        args += ["--workers", str(workers)]
    attempt = {**SAMPLE, "UserId": "target", "Password": "nope", "Header": "T"}
    with running(*args) as mock:
        local = threading.local()

        def one(_: int) -> str:
            session = getattr(local, "s", None) or requests.Session()
            local.s = session
            return session.post(mock.send_url, data=attempt, timeout=20).text

        with ThreadPoolExecutor(max_workers=25) as pool:
            answers = Counter(pool.map(one, range(50)))
        right = {**attempt, "Password": "right-one"}
        locked_answer = requests.post(mock.send_url, data=right, timeout=10).text
        account = requests.get(mock.url + "/_mock/api/accounts/target", timeout=10).json()
        unlock = requests.patch(
            mock.url + "/_mock/api/accounts/target", json={"status": "active"}, timeout=10
        )
        after_unlock = requests.post(mock.send_url, data=right, timeout=10).text
    assert answers == Counter({"3": 11, "12": 39})  # the 12th failure locks, whoever sends it
    assert (account["status"], account["failed_logins"]) == ("blocked", 50)
    assert locked_answer == "12"  # the right password does not unlock it
    assert unlock.status_code == 200 and after_unlock == "1"


@pytest.mark.subprocess
def test_a_locked_account_is_unlocked_by_reset(tmp_path: Path) -> None:
    with running() as mock:
        for _ in range(3):
            requests.post(
                mock.send_url, data={**SAMPLE, "UserId": "lockme", "Password": "x"}, timeout=10
            )
        right = {**SAMPLE, "UserId": "lockme", "Password": "lockme", "Header": "DEMO"}
        assert requests.post(mock.send_url, data=right, timeout=10).text == "12"
        requests.post(mock.url + "/_mock/api/reset", timeout=10)
        assert requests.post(mock.send_url, data=right, timeout=10).text == "1"


def test_loopback_by_default_and_a_loud_warning_elsewhere(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert build_parser().parse_args([]).host == "127.0.0.1"
    config = Config(seed=1)
    backend = Backend(config)
    for host, warned in (
        ("127.0.0.1", False),
        ("localhost", False),
        ("0.0.0.0", True),
        ("10.1.2.3", True),
    ):
        args = argparse.Namespace(host=host, port=8080, workers=1)
        _announce(args, config, backend, "http")
        err = capsys.readouterr().err
        assert ("WARNING" in err) is warned, host
        if warned:
            assert "admin API" in err and "--admin-token" in err
