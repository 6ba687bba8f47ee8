"""``--state sqlite:PATH`` and ``--workers``: state that survives restarts, credit spent exactly
once under concurrency, crash safety with ``kill -9``. Real processes on loopback."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import SAMPLE
from tests.processes import MockProcess, running, start

pytestmark = pytest.mark.subprocess


CREDIT = 600
SENDS = 1000
CLIENTS = 50
LOAD_ACCOUNT = {**SAMPLE, "UserId": "load", "Password": "load-pw", "Header": "LOAD"}


def config_file(tmp_path: Path, credit: int = CREDIT) -> Path:
    path = tmp_path / "load.yaml"
    path.write_text(
        f"accounts:\n  - {{user_id: load, password: load-pw, headers: [LOAD], credit: {credit}}}\n",
        encoding="utf-8",
    )
    return path


def blast(url: str, sends: int = SENDS, clients: int = CLIENTS) -> Counter[str]:
    """``sends`` one-part sends from ``clients`` concurrent keep-alive clients; the answers
    (a connection error counts as "error")."""
    local = threading.local()

    def one(i: int) -> str:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        data = {**LOAD_ACCOUNT, "MobileNo": f"96899{i:06d}", "referenceIds": str(100000 + i)}
        try:
            return session.post(url, data=data, timeout=30).text
        except requests.RequestException:
            return "error"

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return Counter(pool.map(one, range(sends)))


def state_of(mock: MockProcess) -> tuple[int, int, set[str]]:
    """(credit left, messages stored, the reference ids stored)."""
    credit = requests.get(mock.url + "/_mock/api/accounts/load", timeout=10).json()["credit"]
    stored = requests.get(mock.url + "/_mock/api/messages?limit=10000", timeout=10).json()
    return credit, len(stored), {m["reference_id"] for m in stored}


@pytest.mark.parametrize(
    "args",
    [[], ["--state", "sqlite:{dir}/state.sqlite"], ["--workers", "2", "--state", "sqlite:{dir}/s"]],
    ids=["memory-1-worker", "sqlite-1-worker", "sqlite-2-workers"],
)
def test_concurrent_sends_spend_credit_exactly_once(tmp_path: Path, args: list[str]) -> None:
    argv = [a.format(dir=tmp_path) for a in args]
    with running("--config", str(config_file(tmp_path)), *argv) as mock:
        answers = blast(mock.send_url)
        credit, stored, refs = state_of(mock)
    assert answers == Counter({"1": CREDIT, "4": SENDS - CREDIT})
    assert credit == 0
    assert stored == CREDIT
    assert len(refs) == CREDIT  # exactly the accepted ones, each once


def test_sqlite_state_survives_a_restart(tmp_path: Path) -> None:
    state = f"sqlite:{tmp_path / 'state.sqlite'}"
    with running("--config", str(config_file(tmp_path, 5)), "--state", state) as mock:
        assert requests.post(mock.send_url, data=LOAD_ACCOUNT, timeout=10).text == "1"
        wrong = {**LOAD_ACCOUNT, "Password": "nope"}
        assert requests.post(mock.send_url, data=wrong, timeout=10).text == "3"
    with running("--config", str(config_file(tmp_path, 5)), "--state", state) as mock:
        account = requests.get(mock.url + "/_mock/api/accounts/load", timeout=10).json()
        messages = requests.get(mock.url + "/_mock/api/messages", timeout=10).json()
        journal = requests.get(mock.url + "/_mock/api/requests", timeout=10).json()
    assert (account["credit"], account["failed_logins"]) == (4, 1)
    assert [m["to"] for m in messages] == [LOAD_ACCOUNT["MobileNo"]]
    assert [e["code"] for e in journal] == [3, 1]


def test_kill_9_in_the_middle_of_a_load_loses_no_accepted_message(tmp_path: Path) -> None:
    state = f"sqlite:{tmp_path / 'state.sqlite'}"
    config = str(config_file(tmp_path, 100_000))
    mock = start("--config", config, "--state", state)
    accepted: list[str] = []
    stop = threading.Event()

    def sender(worker: int) -> None:
        with requests.Session() as session:
            for i in range(10_000):
                if stop.is_set():
                    return
                ref = f"{worker}{i:05d}"
                data = {**LOAD_ACCOUNT, "referenceIds": ref}
                try:
                    if session.post(mock.send_url, data=data, timeout=10).text == "1":
                        accepted.append(ref)
                except requests.RequestException:
                    return

    threads = [threading.Thread(target=sender, args=(w,)) for w in range(1, 9)]
    for t in threads:
        t.start()
    try:
        while len(accepted) < 300:  # well into the load
            if not any(t.is_alive() for t in threads):
                raise AssertionError(f"the senders stopped early: {mock.stop()}")
            threading.Event().wait(0.01)
        mock.kill()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    with running("--config", config, "--state", state) as again:
        credit, _, refs = state_of(again)
    print(f"kill -9 after {len(accepted)} answers of 1; {len(refs)} messages in the store")
    assert set(accepted) <= refs  # every message answered 1 is there
    assert credit == 100_000 - len(refs)  # and was charged exactly once


def test_run_time_rules_are_refused_with_several_workers(tmp_path: Path) -> None:
    state = f"sqlite:{tmp_path / 'state.sqlite'}"
    with running("--workers", "2", "--state", state) as mock:
        response = requests.post(
            mock.url + "/_mock/api/rules", json={"action": {"code": 4}}, timeout=10
        )
    assert response.status_code == 409
    assert "--rules file" in response.json()["error"]


def test_several_workers_need_shared_state() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "ismart_sms_kit.mock_server", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--state sqlite:PATH" in result.stderr


def test_every_worker_sees_an_admin_change_from_the_next_request_on(tmp_path: Path) -> None:
    """Each worker decides on the account as it last saw it and checks that view in its
    commit: an admin patch that one worker served (credit to 0, then the account inactive,
    then active with credit again) holds for every send after it, whichever worker takes it.
    Many keep-alive clients, so that both workers serve sends and both hold an old view."""
    argv = ["--workers", "2", "--state", f"sqlite:{tmp_path / 's'}"]
    with running("--config", str(config_file(tmp_path, credit=10**6)), *argv) as mock:
        admin = mock.url + "/_mock/api/accounts/load"

        def patch(**fields: object) -> None:
            response = requests.patch(admin, json=fields, timeout=10)
            assert response.status_code == 200, response.text

        assert blast(mock.send_url, sends=200, clients=16) == Counter({"1": 200})
        patch(credit=0)
        assert blast(mock.send_url, sends=200, clients=16) == Counter({"4": 200})
        patch(credit=10**6, status="inactive")
        inactive = blast(mock.send_url, sends=200, clients=16)
        patch(status="active")
        assert blast(mock.send_url, sends=200, clients=16) == Counter({"1": 200})
        journal = requests.get(mock.url + "/_mock/api/requests?limit=1000", timeout=10).json()
    assert len(inactive) == 1 and "1" not in inactive and "4" not in inactive, inactive
    assert Counter(e["code"] for e in journal) == Counter(
        {1: 400, 4: 200, int(next(iter(inactive))): 200}
    )
