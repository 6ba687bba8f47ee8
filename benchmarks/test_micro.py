"""Micro-benchmarks (pytest-benchmark) of the pure parts of a send: segment counting at part
boundaries, the client's request checks, and the emulator's ``decide`` on the sample request.

Not collected by ``make test`` (its testpaths are ``tests`` and ``contract_tests``); ``make
bench`` runs them with ``--benchmark-only``. Each also asserts the result it times, so a fast
wrong answer cannot pass for a speed-up; none asserts a time.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.gateway.decision import Decision
from ismart_sms_kit.mock_server.gateway.request import SendRequest
from ismart_sms_kit.mock_server.params import parse_urlencoded
from ismart_sms_kit.protocol.segments import Encoding, count
from ismart_sms_kit.protocol.validation import CheckedRequest, check

SAMPLE = (
    "UserId=ismartsms&Password=ismartsms&MobileNo=96899123456&Message=TestMessage"
    "&PushDateTime=03%2F04%2F2018+07%3A30%3A00&Lang=0&Header=AnyHeader&referenceIds=101"
)

TEXTS = {
    # name: (text, lang, encoding, parts)
    "gsm7-160-one-part": ("a" * 160, 0, Encoding.GSM7, 1),
    "gsm7-161-two-parts": ("a" * 161, 0, Encoding.GSM7, 2),
    "gsm7-765-five-parts": ("a" * 765, 0, Encoding.GSM7, 5),
    "gsm7-escape-at-153": ("a" * 152 + "€" + "a" * 10, 0, Encoding.GSM7, 2),
    "ucs2-arabic-70-one-part": ("م" * 70, 64, Encoding.UCS2, 1),
    "ucs2-arabic-335-five-parts": ("م" * 335, 64, Encoding.UCS2, 5),
    "ucs2-emoji-at-67": ("م" * 66 + "😀" + "م" * 5, 0, Encoding.UCS2, 2),
    "sample-TestMessage": ("TestMessage", 0, Encoding.GSM7, 1),
}


@pytest.mark.parametrize("name", list(TEXTS))
def test_segments_count(benchmark: BenchmarkFixture, name: str) -> None:
    text, lang, encoding, parts = TEXTS[name]
    segments = benchmark(count, text, lang)
    assert (segments.encoding, segments.parts) == (encoding, parts)


def test_validation_check_sample(benchmark: BenchmarkFixture) -> None:
    result = benchmark(
        check, "96899123456", "TestMessage", "0", "AnyHeader", "03/04/2018 07:30:00", "101"
    )
    assert isinstance(result, CheckedRequest)
    assert result.numbers == ["96899123456"]


def test_validation_check_50_numbers(benchmark: BenchmarkFixture) -> None:
    numbers = ",".join(f"968991{i:05d}" for i in range(50))
    result = benchmark(check, numbers, "TestMessage " * 20, "0", "AnyHeader", None, "101")
    assert isinstance(result, CheckedRequest)
    assert len(result.numbers) == 50


def test_parse_sample_body(benchmark: BenchmarkFixture) -> None:
    params = benchmark(parse_urlencoded, SAMPLE.encode())
    assert params.get("pushdatetime") == "03/04/2018 07:30:00"


def test_gateway_decide_sample(benchmark: BenchmarkFixture) -> None:
    backend = Backend(Config(seed=1))
    endpoint = backend.config.endpoints["SMSDynamicRefIntlAPI"]
    params = parse_urlencoded(SAMPLE)
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    account = backend.storage.account("ismartsms")

    def decide() -> Decision:  # a request as the endpoint makes it, its account read
        request = SendRequest(endpoint, "POST", "127.0.0.1", params, now)
        request.account = account
        return backend.decide(request)

    decision = benchmark(decide)
    assert decision.code == 1, decision.reason
    assert len(decision.messages) == 1
