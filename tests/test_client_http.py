"""The client against a real emulator (the ``ismart_mock`` fixture: uvicorn on a loopback port):
every return code, the pre-checks agreeing with the emulator, chunking, odd answers."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from ismart_sms_kit.client.errors import (
    AuthError,
    CreditError,
    GatewayError,
    InvalidRequestError,
    IsmartError,
    OptedOutError,
    error_class,
)
from ismart_sms_kit.client.http import IsmartClient, send_url
from ismart_sms_kit.client.results import Outcome
from ismart_sms_kit.client.retry import RetryPolicy
from ismart_sms_kit.protocol.spec import LEGACY_SEND_PATH, SEND_PATH, ReturnCode
from ismart_sms_kit.pytest_plugin import IsmartMock

RULES = Path(__file__).parent.parent / "fixtures" / "rules"
OMAN = "96899123456"


def client_for(mock: IsmartMock, user: str = "ismartsms", **options: Any) -> IsmartClient:
    options.setdefault("header", "AnyHeader")
    options.setdefault("retry", RetryPolicy(backoff_factor=0.01, backoff_jitter=0.01))
    options.setdefault("base_url", mock.url)
    return IsmartClient(user, user, **options)


@pytest.fixture
def sms(ismart_mock: IsmartMock) -> Any:
    with client_for(ismart_mock) as client:
        yield client


def test_the_vendor_sample_is_pushed_and_explained(sms: IsmartClient, ismart_mock: IsmartMock):
    result = sms.send("+968 9912 3456", "TestMessage", reference_ids=[101])
    assert result.ok
    assert result.code is ReturnCode.PUSHED
    assert result.description == "Message Pushed successfully."
    assert (result.encoding, result.parts, result.units) == ("GSM7", 1, 11)
    assert result.numbers == (OMAN,) == result.accepted_numbers
    assert [(c.outcome, c.http_status, c.body, c.attempts) for c in result.chunks] == [
        (Outcome.ANSWERED, 200, "1", 1)
    ]
    assert result.raise_for_code() is result
    [message] = ismart_mock.messages()
    assert (message["to"], message["text"], message["reference_id"]) == (OMAN, "TestMessage", "101")
    assert (message["lang"], message["header"]) == (0, "AnyHeader")


def test_arabic_text_is_sent_with_lang_64_and_counted_as_ucs2(
    sms: IsmartClient, ismart_mock: IsmartMock
):
    text = "مرحبا بكم في عمان " * 5  # 90 characters: 2 UCS-2 parts
    result = sms.send(OMAN, text)
    assert result.ok and (result.lang, result.encoding, result.parts) == (64, "UCS2", 2)
    [message] = ismart_mock.messages()
    assert (message["text"], message["lang"], message["encoding"], message["parts"]) == (
        text,
        64,
        "UCS2",
        2,
    )


@pytest.mark.parametrize("code", range(2, 21))
def test_every_documented_code_via_magic_numbers(ismart_mock: IsmartMock, code: int) -> None:
    number = f"968000000{code:02d}"
    with client_for(ismart_mock) as client:
        result = client.send(number, "Hi")
        assert not result.ok
        assert result.code is ReturnCode(code)
        assert result.description == ReturnCode(code).description
        assert not result.local and result.outcome is Outcome.ANSWERED
        with pytest.raises(error_class(code)) as raised:
            result.raise_for_code()
        assert raised.value.code == code and raised.value.result is result
    with client_for(ismart_mock, raise_on_error=True) as strict:
        with pytest.raises(IsmartError) as raised_again:
            strict.send(number, "Hi")
        assert type(raised_again.value) is error_class(code)
    assert len(ismart_mock.requests()) == 2  # each reached the gateway once


@pytest.mark.parametrize(
    ("user", "error", "code"),
    [
        ("nocompany", AuthError, 2),
        ("lowcredit", CreditError, 4),
        ("inactive", AuthError, 7),
        ("broken", GatewayError, 11),
        ("blocked", AuthError, 12),
        ("expired", AuthError, 13),
        ("creditexpired", CreditError, 14),
        ("noservice", AuthError, 17),
        ("ipblocked", AuthError, 20),
    ],
)
def test_codes_from_the_demo_accounts(
    ismart_mock: IsmartMock, user: str, error: type[IsmartError], code: int
) -> None:
    client = client_for(ismart_mock, user, raise_on_error=True, header="DEMO")
    with client, pytest.raises(error) as raised:
        client.send(OMAN, "x" * 400)  # 3 parts: more than lowcredit's 2 credits
    assert raised.value.code == code


def test_wrong_password_is_an_auth_error(ismart_mock: IsmartMock) -> None:
    client = IsmartClient("ismartsms", "wrong", header="AnyHeader", base_url=ismart_mock.url)
    with pytest.raises(AuthError) as raised:
        client.send(OMAN, "Hi", raise_on_error=True)
    assert raised.value.code is ReturnCode.WRONG_CREDENTIALS


def test_header_not_registered_is_answered_by_the_gateway(sms: IsmartClient) -> None:
    result = sms.send(OMAN, "Hi", header="anyheader")  # registered as AnyHeader
    assert result.code is ReturnCode.HEADER_NOT_REGISTERED and not result.local


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (21, AuthError),
        (22, InvalidRequestError),
        (23, OptedOutError),
        (24, InvalidRequestError),
        (25, AuthError),
        (31, AuthError),
        (32, InvalidRequestError),
        (33, InvalidRequestError),
    ],
)
def test_codes_from_the_field(
    sms: IsmartClient, ismart_mock: IsmartMock, code: int, error: type[IsmartError]
) -> None:
    ismart_mock.add_rule({"code": code})
    result = sms.send(OMAN, "Hi")
    assert result.code is ReturnCode(code)
    with pytest.raises(error):
        result.raise_for_code()


# -- the pre-checks: the emulator's rules, nothing over the wire -----------------------------
PRECHECKS: list[tuple[int, dict[str, Any]]] = [
    (8, {"numbers": ""}),  # no numbers (and no reference ids, which are optional): 8
    (9, {"numbers": "12345"}),
    (9, {"numbers": "9689912345"}),  # 10 digits, like the document's sample
    (9, {"numbers": "96899123456,"}),
    (9, {"numbers": "96899123456,abc"}),
    (5, {"message": ""}),
    (5, {"message": "  \n "}),
    (6, {"message": "a" * 766}),
    (6, {"message": "ب" * 336}),
    (10, {"lang": 1}),
    (16, {"push_at": "13/01/2026 10:00:00"}),
    (16, {"push_at": "02/30/2026 10:00:00"}),
    (19, {"header": "TwelveChars!"}),
    (15, {"reference_ids": ["1"]}),
    (15, {"reference_ids": ["1234567"]}),
    (15, {"reference_ids": ["12a"]}),
]


@pytest.mark.parametrize(("code", "fields"), PRECHECKS, ids=lambda v: str(v)[:40])
def test_a_bad_request_fails_fast_with_the_gateway_s_code_and_nothing_is_sent(
    sms: IsmartClient, ismart_mock: IsmartMock, code: int, fields: dict[str, Any]
) -> None:
    request: dict[str, Any] = {"numbers": OMAN, "message": "Hi", **fields}
    result = sms.send(request.pop("numbers"), request.pop("message"), **request)
    assert result.code == code and result.local and not result.ok
    assert result.chunks == () and result.outcome is Outcome.NOT_SENT
    assert ismart_mock.requests() == []  # nothing went over the wire
    with pytest.raises(IsmartError) as raised:
        result.raise_for_code()
    assert raised.value.code == code and raised.value.local


@pytest.mark.parametrize(("code", "fields"), PRECHECKS, ids=lambda v: str(v)[:40])
def test_the_emulator_answers_the_same_code_to_the_same_request(
    sms: IsmartClient, ismart_mock: IsmartMock, code: int, fields: dict[str, Any]
) -> None:
    """The pre-check's code is what the gateway would answer: send the very parameters the
    client checked, with plain requests, and compare."""
    request: dict[str, Any] = {"numbers": OMAN, "message": "Hi", **fields}
    checked = sms.check(request.pop("numbers"), request.pop("message"), **request)
    form = {
        "UserId": "ismartsms",
        "Password": "ismartsms",
        "MobileNo": ",".join(checked.numbers),
        "Message": checked.message,
        "Lang": str(checked.lang),
        "Header": checked.header,
    }
    if checked.push_datetime:
        form["PushDateTime"] = checked.push_datetime
    if checked.reference_ids:
        form["referenceIds"] = ",".join(checked.reference_ids)
    answer = requests.post(ismart_mock.send_url, data=form, timeout=10).text
    assert checked.code == code == int(answer)


def test_check_alone_sends_nothing(sms: IsmartClient, ismart_mock: IsmartMock) -> None:
    assert sms.check(OMAN, "Hi").ok
    assert sms.check("1", "Hi").code is ReturnCode.INVALID_MOBILE
    assert ismart_mock.requests() == []


def test_misaligned_reference_ids_are_a_caller_bug(sms: IsmartClient, ismart_mock: IsmartMock):
    with pytest.raises(ValueError, match="one per number"):
        sms.send([OMAN, "96891234567"], "Hi", reference_ids=[101])
    assert ismart_mock.requests() == []


# -- numbers and chunks ----------------------------------------------------------------------
def test_local_numbers_with_a_default_country(ismart_mock: IsmartMock) -> None:
    with client_for(ismart_mock, default_country="968") as client:
        result = client.send(["91234567", "+968 9912 3456", "0096871234567"], "Hi")
    assert result.ok
    assert result.numbers == ("96891234567", OMAN, "96871234567")
    assert sorted(m["to"] for m in ismart_mock.messages()) == sorted(result.numbers)


def test_120_numbers_go_in_chunks_of_50_with_reference_ids_aligned(
    sms: IsmartClient, ismart_mock: IsmartMock
) -> None:
    numbers = [f"968991{i:05d}" for i in range(120)]
    refs = [str(100000 + i) for i in range(120)]
    result = sms.send(numbers, "Hi", reference_ids=refs)
    assert result.ok and len(result.chunks) == 3
    assert [len(c.numbers) for c in result.chunks] == [50, 50, 20]
    assert [c.code for c in result.chunks] == [ReturnCode.PUSHED] * 3
    journal = list(reversed(ismart_mock.requests()))
    assert [len(e["params"]["MobileNo"].split(",")) for e in journal] == [50, 50, 20]
    stored = {m["to"]: m["reference_id"] for m in ismart_mock.messages(limit=1000)}
    assert stored == dict(zip(numbers, refs, strict=True))


def test_a_failing_chunk_stops_the_send_and_the_result_says_what_each_answered(
    sms: IsmartClient, ismart_mock: IsmartMock
) -> None:
    ismart_mock.add_rule({"code": 4}, {"nth": 2}, name="second-request-out-of-credit")
    numbers = [f"968991{i:05d}" for i in range(120)]
    result = sms.send(numbers, "Hi")
    assert not result.ok
    assert result.code is ReturnCode.CREDIT_LOW
    assert [(c.outcome, c.code) for c in result.chunks] == [
        (Outcome.ANSWERED, ReturnCode.PUSHED),
        (Outcome.ANSWERED, ReturnCode.CREDIT_LOW),
        (Outcome.NOT_SENT, None),
    ]
    assert result.accepted_numbers == tuple(numbers[:50])
    assert len(ismart_mock.requests()) == 2
    with pytest.raises(CreditError) as raised:
        result.raise_for_code()
    assert raised.value.result is result


# -- scheduling and the older endpoint -------------------------------------------------------
def test_push_at_aware_datetime_reaches_the_gateway_on_its_clock(
    sms: IsmartClient, ismart_mock: IsmartMock
) -> None:
    when = datetime(2099, 3, 4, 3, 30, tzinfo=timezone.utc)
    result = sms.send(OMAN, "Later", push_at=when)
    assert result.ok and result.push_datetime == "03/04/2099 07:30:00"
    [message] = ismart_mock.messages()
    assert datetime.fromisoformat(message["push_at"]) == when
    assert message["pending"] is True


def test_push_at_naive_datetime_is_the_gateway_clock(sms: IsmartClient, ismart_mock: IsmartMock):
    sms.send(OMAN, "Later", push_at=datetime(2099, 3, 4, 7, 30)).raise_for_code()
    [entry] = ismart_mock.requests()
    assert entry["params"]["PushDateTime"] == "03/04/2099 07:30:00"


@pytest.mark.parametrize(("flash", "sent"), [(True, True), (False, False)])
def test_flash_on_the_older_endpoint(ismart_mock: IsmartMock, flash: bool, sent: bool) -> None:
    with client_for(ismart_mock, base_url=ismart_mock.legacy_send_url) as client:
        assert client.url == ismart_mock.legacy_send_url
        client.send(OMAN, "Flash", flash=flash).raise_for_code()
    [message] = ismart_mock.messages()
    assert (message["flash"], message["endpoint"]) == (sent, "SMSDynamicAPI")


def test_send_url_from_a_base_or_a_full_url() -> None:
    assert send_url("https://www.ismartsms.net") == "https://www.ismartsms.net" + SEND_PATH
    assert send_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080" + SEND_PATH
    legacy = "http://h" + LEGACY_SEND_PATH
    assert send_url(legacy) == legacy
    for bad in ("ftp://h", "www.ismartsms.net", "http://user:pw@h", "http://h/?UserId=x"):
        with pytest.raises(ValueError):
            send_url(bad)


# -- answers that are not a code -------------------------------------------------------------
def scenario_action(name: str) -> dict[str, Any]:
    document = yaml.safe_load((RULES / f"{name}.yaml").read_text(encoding="utf-8"))
    action: dict[str, Any] = document["rules"][0]["action"]
    return action


@pytest.mark.parametrize(
    ("scenario", "status", "description"),
    [
        ("garbage", 200, "Unreadable answer"),
        ("iis-404", 404, "HTTP 404 Not Found from the gateway"),
        ("server-error-500", 500, "HTTP 500 Internal Server Error from the gateway"),
        ("outage-503", 503, "HTTP 503 Service Unavailable from the gateway"),
    ],
)
def test_an_answer_that_is_no_code_is_a_clear_gateway_error(
    sms: IsmartClient, ismart_mock: IsmartMock, scenario: str, status: int, description: str
) -> None:
    ismart_mock.add_rule(scenario_action(scenario))
    result = sms.send(OMAN, "Hi")
    assert not result.ok and result.code is None
    assert result.description.startswith(description)
    [chunk] = result.chunks
    assert chunk.http_status == status and chunk.outcome is Outcome.ANSWERED
    assert chunk.body  # kept for diagnostics
    with pytest.raises(GatewayError) as raised:
        result.raise_for_code()
    assert raised.value.http_status == status and raised.value.code is None


@pytest.mark.parametrize(
    ("body", "code"),
    [("1", 1), ("1\r\n", 1), (" 4 ", 4), ("\ufeff1", 1), ("\ufeff3\r\n", 3)],
)
def test_a_code_with_white_space_or_a_bom_is_read(
    sms: IsmartClient, ismart_mock: IsmartMock, body: str, code: int
) -> None:
    ismart_mock.add_rule({"body": body})
    assert sms.send(OMAN, "Hi").code is ReturnCode(code)


@pytest.mark.parametrize("body", ["", "OK", "1 1", "<html>1</html>", "١", "-1", "1.0", "9" * 40])
def test_anything_else_is_unreadable_never_a_crash(
    sms: IsmartClient, ismart_mock: IsmartMock, body: str
) -> None:
    ismart_mock.add_rule({"body": body})
    result = sms.send(OMAN, "Hi")
    assert result.code is None and result.description.startswith("Unreadable answer")
    assert isinstance(result.error(), GatewayError)


def test_an_undocumented_code_keeps_its_number(sms: IsmartClient, ismart_mock: IsmartMock):
    ismart_mock.add_rule({"code": 99})
    result = sms.send(OMAN, "Hi")
    assert result.code == 99 and result.description == "Undocumented return code 99."
    error = result.error()
    assert type(error) is GatewayError and error.code == 99


def test_a_redirect_is_reported_not_followed(sms: IsmartClient, ismart_mock: IsmartMock):
    ismart_mock.add_rule({"http_status": 302, "body": ""}, times=1)
    result = sms.send(OMAN, "Hi")
    assert result.code is None and "redirect" in result.description
    assert len(ismart_mock.requests()) == 1


def test_the_session_is_reused(sms: IsmartClient, ismart_mock: IsmartMock) -> None:
    session = sms.session
    sms.send(OMAN, "one").raise_for_code()
    sms.send(OMAN, "two").raise_for_code()
    assert sms.session is session
    assert [m["text"] for m in ismart_mock.messages()] == ["two", "one"]


def test_segments_helper() -> None:
    assert IsmartClient.segments("Hello") == IsmartClient.segments("Hello", 0)
    assert (IsmartClient.segments("a" * 161).parts, IsmartClient.segments("ب").encoding) == (
        2,
        "UCS2",
    )
