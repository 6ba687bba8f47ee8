"""Issue 10 over real HTTP: wait instead of sleep, explain every answer, hot reload of rules
files, rate limits under a fixed clock, and metrics."""

from __future__ import annotations

import logging
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from ismart_sms_kit.client.mock_admin import MockAdmin
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config, load_rules_file
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.pytest_plugin import IsmartMock
from tests.conftest import SAMPLE

pytest_plugins = ["pytester"]


def send(mock: MockAdmin, **overrides: str) -> str:
    return requests.post(mock.send_url, data={**SAMPLE, **overrides}, timeout=10).text


# --- wait instead of sleep ---------------------------------------------------------------------


def test_wait_is_satisfied_by_a_message_sent_from_another_thread(ismart_mock: IsmartMock) -> None:
    send(ismart_mock, MobileNo="96899000111", Message="old code 1111")  # before the wait
    sender = threading.Timer(
        0.3, send, args=(ismart_mock,), kwargs={"MobileNo": "96899000111", "Message": "code 4242"}
    )
    sender.start()
    try:
        message = ismart_mock.wait_for(to="96899000111", after="now", timeout=10)
    finally:
        sender.join()
    assert message["text"] == "code 4242"  # after="now": the one that arrived during the wait


def test_wait_filters_by_number_and_text(ismart_mock: IsmartMock) -> None:
    def later() -> None:
        send(ismart_mock, MobileNo="96899000222", Message="your code 1")
        send(ismart_mock, MobileNo="96899000333", Message="other number")
        send(ismart_mock, MobileNo="96899000222", Message="welcome")

    sender = threading.Timer(0.2, later)
    sender.start()
    try:
        message = ismart_mock.wait_for(to="96899000222", contains="welcome", timeout=10)
    finally:
        sender.join()
    assert (message["to"], message["text"]) == ("96899000222", "welcome")


def test_wait_accepts_a_message_that_arrived_since_a_known_id(ismart_mock: IsmartMock) -> None:
    send(ismart_mock, Message="first")
    seen = ismart_mock.messages()[0]["id"]
    send(ismart_mock, Message="second")  # arrives before the wait starts
    message = ismart_mock.wait_for(after=seen, timeout=1)
    assert message["text"] == "second"


def test_wait_times_out_with_408(ismart_mock: IsmartMock) -> None:
    send(ismart_mock)  # already there: does not count for after=now
    response = requests.get(
        ismart_mock.url + "/_mock/api/messages/wait",
        params={"to": SAMPLE["MobileNo"], "timeout_ms": 200, "after": "now"},
        timeout=10,
    )
    assert response.status_code == 408
    assert "200 ms" in response.json()["error"]
    with pytest.raises(TimeoutError):
        ismart_mock.wait_for(to=SAMPLE["MobileNo"], after="now", timeout=0.1)


def test_wait_survives_the_caps_dropping_old_messages() -> None:
    config = Config(seed=0)
    config.settings.message_cap = 3
    with ServerThread(create_app(config)) as server:
        admin = MockAdmin(server.url)
        for i in range(5):
            send(admin, Message=f"filler {i}")
        sender = threading.Timer(0.2, lambda: [send(admin, Message=f"late {i}") for i in range(4)])
        sender.start()
        try:
            message = admin.wait_for(contains="late 0", timeout=10)
        finally:
            sender.join()
            admin.close()
    assert message["text"] == "late 0"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"timeout_ms": "soon"}, "timeout_ms"),
        ({"after": "-1"}, "after"),
        ({"number": "1"}, "number"),
    ],
)
def test_wait_refuses_bad_filters(
    ismart_mock: IsmartMock, params: dict[str, str], field: str
) -> None:
    response = requests.get(ismart_mock.url + "/_mock/api/messages/wait", params=params, timeout=5)
    assert response.status_code == 400
    assert response.json()["field"] == field


# --- explain every answer ----------------------------------------------------------------------


def test_the_journal_says_what_decided_each_answer(ismart_mock: IsmartMock) -> None:
    rule_id = ismart_mock.add_rule({"code": 4}, {"mobile": "96899000444"}, name="broke")
    send(ismart_mock, Header="AnyHeadr")
    send(ismart_mock, MobileNo="96899000444")
    rule_entry, header_entry = ismart_mock.requests(limit=2)
    assert header_entry["code"] == 19
    assert header_entry["decided_by"] == "header"
    assert "AnyHeadr" in header_entry["reason"] and "ismartsms" in header_entry["reason"]
    assert rule_entry["code"] == 4
    assert rule_entry["decided_by"] == f"rule:broke (#{rule_id})"


@pytest.mark.subprocess
def test_a_failing_test_shows_the_journal_of_that_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            import requests

            def test_fails(ismart_mock):
                requests.post(ismart_mock.send_url, data={"UserId": "ismartsms",
                    "Password": "wrong-secret", "MobileNo": "96899123456", "Message": "hi",
                    "Lang": "0", "Header": "AnyHeader", "referenceIds": "101"}, timeout=5)
                assert False, "the app did not retry"

            def test_passes(ismart_mock):
                pass
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "ismart-mock journal (this test's requests)" in out
    journal = out.split("ismart-mock journal (this test's requests)", 1)[1]
    assert "#1 POST SMSDynamicRefIntlAPI -> code 3 [password: wrong password" in journal
    assert "Password='***'" in journal
    assert "wrong-secret" not in journal  # the journal masks passwords


# --- hot reload --------------------------------------------------------------------------------


def write_rules(path: Path, code: int | str) -> None:
    path.write_text(f"rules:\n  - name: answer\n    action: {{code: {code}}}\n", "utf-8")


@pytest.fixture
def reloading(tmp_path: Path) -> Iterator[tuple[MockAdmin, Path]]:
    rules = tmp_path / "rules.yaml"
    write_rules(rules, 4)
    config = load_rules_file(rules, Config(seed=0))
    config.settings.rules_reload_ms = 50
    with ServerThread(create_app(config)) as server:
        admin = MockAdmin(server.url)
        yield admin, rules
        admin.close()


def wait_until(predicate: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_a_changed_rules_file_applies_while_requests_flow(
    reloading: tuple[MockAdmin, Path],
) -> None:
    admin, rules = reloading
    answers: list[str] = []
    stop = threading.Event()

    def flow() -> None:
        with requests.Session() as session:
            while not stop.is_set() and len(answers) < 2000:
                answers.append(session.post(admin.send_url, data=SAMPLE, timeout=10).text)

    flowing = threading.Thread(target=flow)
    flowing.start()
    try:
        wait_until(lambda: len(answers) >= 5)
        write_rules(rules, 7)
        wait_until(lambda: answers[-1] == "7")
    finally:
        stop.set()
        flowing.join()
    assert set(answers) <= {"4", "7"}  # every request got the old or the new rule, nothing else
    first_new = answers.index("7")
    assert set(answers[first_new:]) == {"7"}
    assert [r["source"] for r in admin.rules()] == [str(rules)]


def test_a_broken_rules_file_keeps_the_last_good_rules(reloading: tuple[MockAdmin, Path]) -> None:
    admin, rules = reloading
    write_rules(rules, "four")
    wait_until(lambda: admin._api("GET", "/health")["rules_errors"])
    errors = admin._api("GET", "/health")["rules_errors"]
    assert "action.code" in errors[str(rules)]
    assert str(rules) not in errors[str(rules)], "the file is the key, not said again"
    assert send(admin) == "4"  # the last good rules still answer
    write_rules(rules, 9)
    wait_until(lambda: not admin._api("GET", "/health")["rules_errors"])
    assert send(admin) == "9"


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
    assert admin._api("GET", "/health")["status"] == "ok"
    write_rules(rules, "four")
    wait_until(lambda: admin._api("GET", "/health")["rules_errors"])
    assert admin._api("GET", "/health")["status"] == "degraded"
    write_rules(rules, 9)
    wait_until(lambda: not admin._api("GET", "/health")["rules_errors"])
    assert admin._api("GET", "/health")["status"] == "ok"


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


# --- rate limits under a fixed clock ------------------------------------------------------------


class ManualClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def test_rate_limit_is_a_token_bucket_on_the_clock() -> None:
    clock = ManualClock()
    with ServerThread(create_app(Config(seed=0), clock=clock)) as server:
        admin = MockAdmin(server.url)
        admin.add_rule({"rate_limit": {"rate": 2, "burst": 3, "per": "account"}}, name="2/s")
        other = {"UserId": "demo", "Password": "demo", "Header": "DEMO"}

        def burst(n: int, **extra: str) -> list[int]:
            return [
                requests.post(admin.send_url, data={**SAMPLE, **extra}, timeout=5).status_code
                for _ in range(n)
            ]

        assert burst(5) == [200, 200, 200, 429, 429]  # the burst, then throttled
        assert burst(1, **other) == [200]  # another account has its own bucket
        clock.advance(0.5)  # one token back at 2/s
        assert burst(2) == [200, 429]
        clock.advance(10)  # refilled up to the burst, no more
        assert burst(4) == [200, 200, 200, 429]
        (rule,) = admin.rules()
        assert rule["hits"] == 4  # the rule fires only for the requests over the limit
        admin.close()


def test_rate_limit_can_answer_a_code_per_client_ip(ismart_mock: IsmartMock) -> None:
    ismart_mock.add_rule(
        {"rate_limit": {"rate": 0.001, "burst": 1, "per": "client_ip"}, "code": 11}
    )
    assert [send(ismart_mock) for _ in range(3)] == ["1", "11", "11"]


def test_a_bad_rate_limit_is_refused_with_the_field(ismart_mock: IsmartMock) -> None:
    response = requests.post(
        ismart_mock.url + "/_mock/api/rules",
        json={"action": {"rate_limit": {"rate": 0}}},
        timeout=5,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "action.rate_limit"


# --- metrics -----------------------------------------------------------------------------------


def test_metrics_count_requests_by_code_rules_and_drops() -> None:
    config = Config(seed=0)
    config.settings.message_cap = 2
    with ServerThread(create_app(config)) as server:
        admin = MockAdmin(server.url)
        admin.add_rule({"http_status": 503}, {"mobile": "96899000555"}, name="down")
        for _ in range(3):
            send(admin)
        send(admin, Password="nope")
        send(admin, MobileNo="96899000555")
        response = requests.get(server.url + "/_mock/api/metrics", timeout=5)
        admin.reset()  # counters only go up
        after_reset = requests.get(server.url + "/_mock/api/metrics", timeout=5).text
        admin.close()
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = set(response.text.splitlines())
    ep = 'endpoint="SMSDynamicRefIntlAPI"'
    assert f'ismart_requests_total{{{ep},code="1",http_status="200"}} 3' in lines
    assert f'ismart_requests_total{{{ep},code="3",http_status="200"}} 1' in lines
    assert f'ismart_requests_total{{{ep},code="none",http_status="503"}} 1' in lines
    assert "ismart_messages_stored 2" in lines
    assert 'ismart_dropped_total{store="messages"} 1' in lines
    assert 'ismart_rules_fired_total{rule="down (#1)"} 1' in lines
    assert "ismart_rules_active 1" in lines
    assert f'ismart_requests_total{{{ep},code="1",http_status="200"}} 3' in after_reset
