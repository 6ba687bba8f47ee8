"""Retries only where a retry cannot send twice, against real servers and real sockets:
connection refused (nothing listens), a server that starts listening late, dropped
connections and timeouts after the request was sent (never retried), opt-in 5xx."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ismart_sms_kit.client.errors import GatewayError, TransportError
from ismart_sms_kit.client.http import IsmartClient
from ismart_sms_kit.client.mock_admin import MockAdmin
from ismart_sms_kit.client.results import Outcome
from ismart_sms_kit.client.retry import HTTP_5XX, RetryPolicy
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.server import ServerThread, free_port
from ismart_sms_kit.protocol.spec import ReturnCode
from ismart_sms_kit.pytest_plugin import IsmartMock
from tests.conftest import refusing_port

OMAN = "96899123456"
FAST = {"backoff_factor": 0.01, "backoff_max": 0.05, "backoff_jitter": 0.01}


def client(url: str, retry: RetryPolicy, **options: Any) -> IsmartClient:
    return IsmartClient(
        "ismartsms", "ismartsms", header="AnyHeader", base_url=url, retry=retry, **options
    )


def test_connection_refused_is_retried_then_reported_as_not_sent() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with client(url, RetryPolicy(connect=2, **FAST)) as sms:
        result = sms.send(OMAN, "Hi")
    assert not result.ok and result.code is None
    [chunk] = result.chunks
    assert (chunk.outcome, chunk.attempts) == (Outcome.NOT_SENT, 3)
    assert "nothing was sent" in result.description
    error = result.error()
    assert isinstance(error, TransportError)
    assert (error.may_have_sent, error.attempts) == (False, 3)


def test_no_retry_policy_tries_once() -> None:
    with client(f"http://127.0.0.1:{free_port()}", RetryPolicy.never()) as sms:
        assert sms.send(OMAN, "Hi").chunks[0].attempts == 1


def test_the_deadline_stops_retrying() -> None:
    policy = RetryPolicy(connect=100_000, deadline=0.5, **FAST)
    with client(f"http://127.0.0.1:{free_port()}", policy) as sms:
        [chunk] = sms.send(OMAN, "Hi").chunks
    assert chunk.outcome is Outcome.NOT_SENT
    assert chunk.attempts < 100_001  # it gave up long before running out of retries


class FirstRetry(logging.Handler):
    """Sets ``event`` when urllib3 logs its first retry (the client was refused once)."""

    def __init__(self, event: threading.Event) -> None:
        super().__init__(logging.WARNING)
        self.event = event

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Retrying"):
            self.event.set()


@pytest.fixture
def late_server() -> Iterator[tuple[str, list[ServerThread]]]:
    """A port where an emulator starts listening only after the client was refused once."""
    port = free_port()
    refused = threading.Event()
    started: list[ServerThread] = []
    handler = FirstRetry(refused)
    urllib3_log = logging.getLogger("urllib3.connectionpool")
    urllib3_log.addHandler(handler)

    def start_when_refused() -> None:
        if refused.wait(timeout=15):
            server = ServerThread(create_app(), port=port)
            started.append(server)  # before start(): the client may be answered at once
            server.start()

    thread = threading.Thread(target=start_when_refused, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", started
    urllib3_log.removeHandler(handler)
    refused.set()
    thread.join(timeout=15)
    for server in started:
        server.stop()


def test_a_gateway_that_starts_listening_late_gets_the_request_exactly_once(
    late_server: tuple[str, list[ServerThread]],
) -> None:
    url, started = late_server
    with client(url, RetryPolicy(connect=1000, deadline=20, **FAST)) as sms:
        result = sms.send(OMAN, "Hi")
    assert result.ok, result
    assert result.chunks[0].attempts > 1  # refused at least once, then accepted
    assert len(started) == 1
    admin = MockAdmin(url)
    assert len(admin.requests()) == 1  # it arrived once
    admin.close()


def test_a_dropped_connection_is_never_retried(ismart_mock: IsmartMock) -> None:
    """The emulator drops the connection after reading the request: it may have been
    accepted, so a retry could send twice."""
    ismart_mock.add_rule({"drop": True}, times=1)
    with client(ismart_mock.url, RetryPolicy(connect=5, statuses=HTTP_5XX, **FAST)) as sms:
        result = sms.send(OMAN, "Hi")
        assert result.code is None and result.outcome is Outcome.UNKNOWN
        [chunk] = result.chunks
        assert chunk.attempts == 1
        assert "may have accepted" in result.description
        assert len(ismart_mock.requests()) == 1  # it arrived once, and only once
        error = result.error()
        assert isinstance(error, TransportError) and error.may_have_sent
        assert sms.send(OMAN, "again").ok  # the session recovers
    assert len(ismart_mock.requests()) == 2


def journal_when_settled(mock: IsmartMock, expected: int, within: float = 15) -> list[Any]:
    """The journal once it has ``expected`` entries (a hung request is recorded only when
    the emulator gives up on it), or as it is after ``within`` seconds."""
    deadline = time.monotonic() + within
    while len(entries := mock.requests()) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return entries


def test_a_read_timeout_is_never_retried(ismart_mock: IsmartMock) -> None:
    ismart_mock.add_rule({"hang": True, "hang_ms": 3000}, name="hang")
    policy = RetryPolicy(connect=5, statuses=HTTP_5XX, **FAST)
    with client(ismart_mock.url, policy, timeout=(5, 0.3)) as sms:
        result = sms.send(OMAN, "Hi")
    assert result.outcome is Outcome.UNKNOWN and result.code is None
    assert "timeout" in result.description
    assert result.chunks[0].attempts == 1
    [rule] = ismart_mock.rules()
    assert rule["hits"] == 1  # the gateway saw the request once
    assert len(journal_when_settled(ismart_mock, 1)) == 1


def test_5xx_is_not_retried_by_default(ismart_mock: IsmartMock) -> None:
    ismart_mock.add_rule({"http_status": 503, "body": "Service Unavailable"}, times=1)
    with client(ismart_mock.url, RetryPolicy(**FAST)) as sms:
        result = sms.send(OMAN, "Hi")
    assert result.chunks[0].http_status == 503 and not result.ok
    with pytest.raises(GatewayError) as raised:
        result.raise_for_code()
    assert raised.value.http_status == 503
    assert len(ismart_mock.requests()) == 1


def test_5xx_is_retried_when_opted_in(ismart_mock: IsmartMock) -> None:
    ismart_mock.add_rule({"http_status": 503}, times=2)
    with client(ismart_mock.url, RetryPolicy(statuses=HTTP_5XX, status=2, **FAST)) as sms:
        result = sms.send(OMAN, "Hi")
    assert result.ok and result.chunks[0].attempts == 3
    assert [e["http_status"] for e in reversed(ismart_mock.requests())] == [503, 503, 200]
    assert len(ismart_mock.messages()) == 1


def test_5xx_retries_run_out_and_the_last_answer_is_reported(ismart_mock: IsmartMock) -> None:
    ismart_mock.add_rule({"http_status": 502})
    with client(ismart_mock.url, RetryPolicy(statuses=HTTP_5XX, status=2, **FAST)) as sms:
        result = sms.send(OMAN, "Hi")
    [chunk] = result.chunks
    assert (chunk.http_status, chunk.attempts, chunk.code) == (502, 3, None)
    assert len(ismart_mock.requests()) == 3


def test_a_return_code_is_never_retried(ismart_mock: IsmartMock) -> None:
    ismart_mock.add_rule({"code": 11}, times=1)
    policy = RetryPolicy(connect=5, statuses=HTTP_5XX, **FAST)
    with client(ismart_mock.url, policy) as sms:
        assert sms.send(OMAN, "Hi").code is ReturnCode.UNKNOWN_ERROR
    assert len(ismart_mock.requests()) == 1


@pytest.mark.parametrize(
    "fields",
    [{"connect": -1}, {"deadline": 0}, {"statuses": frozenset({200, 700})}, {"backoff_max": -1}],
)
def test_a_bad_policy_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="RetryPolicy"):
        RetryPolicy(**fields)


def test_refused_false_reports_a_refused_connection_at_once_in_words() -> None:
    with (
        refusing_port() as port,
        client(f"http://127.0.0.1:{port}", RetryPolicy(refused=False)) as sms,
    ):
        result = sms.send(OMAN, "Hi")
    [chunk] = result.chunks
    assert (chunk.outcome, chunk.attempts) == (Outcome.NOT_SENT, 1)
    assert result.reason == f"connection refused by 127.0.0.1:{port}: nothing listens there"
