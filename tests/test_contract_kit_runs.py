"""The contract kit run as a user runs it (``python -m pytest contract_tests ...`` in a
subprocess), against real emulators on loopback:

* a stand-in for the live gateway (an emulator the kit must treat as external): the plan comes
  first, nothing is delivered or charged, every request carries a delivery-proof fault, the
  real account never sees a wrong password, the cap holds, the recording holds no password;
* an emulator started with a rule that breaks the contract: the suite fails, naming why;
* replay of that recording: all agree, and a doctored copy is reported case by case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from ismart_sms_kit.contract_tests.harness import RunningEmulator, start_emulator
from ismart_sms_kit.contract_tests.oracle import Request
from ismart_sms_kit.contract_tests.safety import delivery_proof_faults

ROOT = Path(__file__).parent.parent
LIVE_USER = "liveuser"
LIVE_PASSWORD = "Zq7-unmistakable-Secret"
LIVE_HEADER = "LIVEHDR"
CAP = 60
STAND_IN = {
    "accounts": [
        {"user_id": LIVE_USER, "password": LIVE_PASSWORD, "headers": [LIVE_HEADER], "credit": 1000}
    ]
}


def run_kit(
    *args: str,
    env: dict[str, str] | None = None,
    paths: tuple[str, ...] = ("ismart_sms_kit/contract_tests",),
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ISMART_", "PYTEST_"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", *paths, "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def live_env(url: str) -> dict[str, str]:
    return {
        "ISMART_URL": url,
        "ISMART_USER_ID": LIVE_USER,
        "ISMART_PASSWORD": LIVE_PASSWORD,
        "ISMART_HEADER": LIVE_HEADER,
    }


@dataclass
class LiveRun:
    result: subprocess.CompletedProcess[str]
    journal: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    account: dict[str, Any]
    recording: Path


@pytest.fixture(scope="module")
def stand_in() -> Iterator[RunningEmulator]:
    emulator = start_emulator(STAND_IN)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="module")
def live_run(stand_in: RunningEmulator, tmp_path_factory: pytest.TempPathFactory) -> LiveRun:
    """The whole suite against the stand-in, as against production: only the pace is lifted
    (the default 1/s would make this a 60 s test) and the cap lowered so that it binds."""
    recording = tmp_path_factory.mktemp("kit") / "live.jsonl"
    result = run_kit(
        "--ismart-rate=0",
        f"--ismart-max-requests={CAP}",
        f"--ismart-record={recording}",
        env=live_env(stand_in.url),
    )
    api = stand_in.url + "/_mock/api"
    return LiveRun(
        result,
        requests.get(api + "/requests", params={"limit": 10_000}, timeout=10).json(),
        requests.get(api + "/messages", timeout=10).json(),
        requests.get(api + f"/accounts/{LIVE_USER}", timeout=10).json(),
        recording,
    )


def test_the_live_safe_run_passes_and_prints_its_plan_first(live_run: LiveRun) -> None:
    out = live_run.result.stdout
    assert live_run.result.returncode == 0, out[-4000:] + live_run.result.stderr[-2000:]
    plan = out.index("ismart contract kit: target")
    assert plan < out.index("contract_tests/")  # before the first test runs
    assert "EXTERNAL, live-safe" in out
    assert f"at most {CAP} requests" in out
    assert "delivery: none" in out
    assert "hypothesis profile: live" in out
    assert LIVE_PASSWORD not in out + live_run.result.stderr


def test_nothing_was_delivered_and_no_credit_spent(live_run: LiveRun) -> None:
    assert live_run.messages == []
    assert live_run.account["credit"] == 1000
    assert [e["code"] for e in live_run.journal if e["code"] == 1] == []


def test_every_request_carried_a_delivery_proof_fault(live_run: LiveRun) -> None:
    assert live_run.journal
    for entry in live_run.journal:
        request = Request.of(entry["params"], entry["method"])
        assert delivery_proof_faults(request, LIVE_USER), entry


def test_the_real_account_never_got_a_wrong_password(live_run: LiveRun) -> None:
    assert live_run.account["failed_logins"] == 0
    assert live_run.account["status"] == "active"
    wrong = [e for e in live_run.journal if e["user_id"] == LIVE_USER and e["code"] in (3, 12)]
    assert wrong == []
    assert all(e["method"] == "POST" for e in live_run.journal if e["user_id"] == LIVE_USER)


def test_the_request_cap_held(live_run: LiveRun) -> None:
    assert len(live_run.journal) == CAP
    assert f"the request cap of {CAP} is reached" in live_run.result.stdout
    assert f"requests sent: {CAP} of at most {CAP}" in live_run.result.stdout


def test_the_recording_has_every_exchange_and_no_password(live_run: LiveRun) -> None:
    text = live_run.recording.read_text(encoding="utf-8")
    assert LIVE_PASSWORD not in text
    lines = [json.loads(line) for line in text.splitlines()]
    meta, exchanges = lines[0], lines[1:]
    assert (meta["kind"], meta["user_id"], meta["header"]) == ("meta", LIVE_USER, LIVE_HEADER)
    assert len(exchanges) == CAP
    for record in exchanges:
        passwords = [v for k, v in record["params"] if k.lower() == "password"]
        assert passwords in ([], ["***"], [""])
        assert record["status"] == 200 and record["body"] == str(record["expected"])


def test_deliveries_go_to_the_test_number_only_and_stop_at_the_budget() -> None:
    stand_in = start_emulator(STAND_IN)
    try:
        result = run_kit(
            "--ismart-rate=0",
            "--ismart-allow-delivery",
            "--ismart-test-number=96899000111",
            "--ismart-max-sends=2",
            "-rs",
            env=live_env(stand_in.url),
            paths=(
                "ismart_sms_kit/contract_tests/test_delivery.py",
                "ismart_sms_kit/contract_tests/test_phone_numbers.py",
            ),
        )
        api = stand_in.url + "/_mock/api"
        messages = requests.get(api + "/messages", timeout=10).json()
        journal = requests.get(api + "/requests", params={"limit": 10_000}, timeout=10).json()
    finally:
        stand_in.stop()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "delivery: ALLOWED to 96899000111, at most 2 send(s)" in result.stdout
    assert "the --ismart-max-sends budget (2) is used" in result.stdout
    assert "deliveries: 2 of 2" in result.stdout
    assert [m["to"] for m in messages] == ["96899000111", "96899000111"]
    assert sum(e["code"] == 1 for e in journal) == 2
    assert len(journal) > 2  # the phone-number tests ran too, none of them delivered


def test_the_default_plan_paces_one_request_a_second_and_caps_at_200(
    stand_in: RunningEmulator,
) -> None:
    result = run_kit("--collect-only", env=live_env(stand_in.url))
    assert result.returncode == 0, result.stdout[-2000:]
    assert "at most 200 requests, at most 1 request(s)/s" in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--ismart-url=http://127.0.0.1:9"], {}, "needs ISMART_USER_ID"),
        (["--ismart-allow-delivery"], {}, "needs --ismart-test-number"),
        (
            ["--ismart-allow-delivery", "--ismart-test-number=96899000111"],
            {},
            "--ismart-max-sends >= 1",
        ),
        (["--ismart-url=https://www.ismartsms.net", "--ismart-emulator"], {}, "is the live"),
        (["--ismart-order=mobile,request"], {}, "--ismart-order"),
    ],
)
def test_unsafe_or_wrong_options_are_refused_before_anything_is_sent(
    args: list[str], env: dict[str, str], message: str
) -> None:
    result = run_kit("--collect-only", *args, env=env)
    assert result.returncode == 4, result.stdout[-2000:]
    assert message in result.stderr


@pytest.mark.parametrize(
    ("rule", "paths", "says"),
    [
        # accepts what must answer 6 (the whole suite, up to its first failure)
        (
            {"match": {"min_parts": 6}, "action": {"code": 1}},
            ("ismart_sms_kit/contract_tests",),
            "says 6",
        ),
        # answers 9 for valid numbers of one range, which no fixed example uses
        (
            {"match": {"mobile_prefix": "9687"}, "action": {"code": 9}},
            ("ismart_sms_kit/contract_tests/test_phone_numbers.py",),
            "the contract says 1",
        ),
    ],
    ids=["accepts-six-parts", "refuses-valid-9687-numbers"],
)
def test_the_suite_fails_against_an_emulator_that_breaks_the_contract(
    rule: dict[str, Any], paths: tuple[str, ...], says: str
) -> None:
    broken = start_emulator({"rules": [{"name": "breaks-the-contract", **rule}]})
    try:
        result = run_kit(
            f"--ismart-url={broken.url}", "--ismart-emulator", "--maxfail=1", paths=paths
        )
    finally:
        broken.stop()
    assert result.returncode == 1, result.stdout[-3000:]
    assert says in result.stdout
    assert "disagreements with the contract" in result.stdout


def test_replay_of_the_recording_agrees_with_the_emulator(live_run: LiveRun) -> None:
    result = run_kit(f"--ismart-replay={live_run.recording}")
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"replay: {CAP}/{CAP} exchanges agree with the recording" in result.stdout


def test_replay_reports_each_difference_of_a_doctored_recording(
    live_run: LiveRun, tmp_path: Path
) -> None:
    lines = live_run.recording.read_text(encoding="utf-8").splitlines()
    doctored = json.loads(lines[7])
    was = doctored["body"]
    doctored["body"] = "9" if was != "9" else "5"
    lines[7] = json.dumps(doctored, ensure_ascii=False)
    path = tmp_path / "doctored.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_kit(f"--ismart-replay={path}")
    assert result.returncode == 1
    assert f"replay: {CAP - 1}/{CAP} exchanges agree with the recording" in result.stdout
    assert f"differs: {doctored['case']}: recorded '{doctored['body']}', emulator '{was}'" in (
        result.stdout
    )


def test_the_synthetic_sample_recording_replays_with_its_one_planted_difference() -> None:
    sample = ROOT / "fixtures" / "recordings" / "synthetic-live-sample.jsonl"
    assert json.loads(sample.read_text(encoding="utf-8").splitlines()[0])["synthetic"] is True
    result = run_kit(f"--ismart-replay={sample}")
    assert result.returncode == 1
    assert "replay: 5/6 exchanges agree with the recording" in result.stdout
    assert "differs: synthetic::ten_digit_sample#1: recorded '5', emulator '9'" in result.stdout


def test_another_validation_order_is_a_different_contract() -> None:
    """``--ismart-order`` has teeth: assuming the blank message is checked first, the suite
    disagrees with the emulator (which checks credentials first) and names the assumption."""
    result = run_kit(
        "--ismart-order=request,message_blank",
        "-k",
        "unknown_user_answers_3",
        paths=("ismart_sms_kit/contract_tests/test_precedence.py",),
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert "validation order: request,message_blank,client_ip" in result.stdout
    assert "A-ORDER" in result.stdout
