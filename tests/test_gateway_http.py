"""The gateway over real HTTP: the sample request, every return code reached naturally,
magic numbers, the ways clients send parameters, and bad input that must never give a 500."""

from __future__ import annotations

import socket

import pytest
import requests

from ismart_sms_kit.protocol.spec import LEGACY_SEND_PATH, SEND_PATH, ReturnCode
from tests.conftest import SAMPLE, Emulator


def test_vendor_sample_request_answers_1_and_is_stored(emulator: Emulator) -> None:
    response = emulator.post(data=SAMPLE)
    assert response.status_code == 200
    assert response.text == "1"
    assert response.content == b"1"  # no BOM, no newline
    assert response.headers["content-type"].startswith("text/plain")
    messages = emulator.backend.storage.messages()
    assert [(m.number, m.text, m.header, m.reference_id) for m in messages] == [
        ("96899123456", "TestMessage", "AnyHeader", "101")
    ]


# (code, overrides of the sample request) for each code a request can cause by itself or by
# the demo account it uses; the README's table lists the same accounts.
NATURAL = [
    (ReturnCode.COMPANY_NOT_EXISTS, {"UserId": "nocompany", "Password": "nocompany"}),
    (ReturnCode.WRONG_CREDENTIALS, {"Password": "wrong"}),
    (ReturnCode.WRONG_CREDENTIALS, {"UserId": "nobody", "Password": "x"}),
    (ReturnCode.CREDIT_LOW, {"UserId": "lowcredit", "Password": "lowcredit", "Message": "a" * 400}),
    (ReturnCode.MESSAGE_BLANK, {"Message": ""}),
    (ReturnCode.MESSAGE_BLANK, {"Message": "   "}),
    (ReturnCode.MESSAGE_TOO_LONG, {"Message": "a" * 766}),
    (ReturnCode.MESSAGE_TOO_LONG, {"Message": "ب" * 336, "Lang": "64"}),
    (ReturnCode.ACCOUNT_INACTIVE, {"UserId": "inactive", "Password": "inactive"}),
    (ReturnCode.MOBILE_EMPTY, {"MobileNo": ""}),
    (ReturnCode.INVALID_MOBILE, {"MobileNo": "968991234567"}),
    (ReturnCode.INVALID_MOBILE, {"MobileNo": "1"}),
    (ReturnCode.INVALID_LANGUAGE, {"Lang": "1"}),
    (ReturnCode.UNKNOWN_ERROR, {"UserId": "broken", "Password": "broken"}),
    (ReturnCode.ACCOUNT_BLOCKED, {"UserId": "blocked", "Password": "blocked"}),
    (ReturnCode.ACCOUNT_EXPIRED, {"UserId": "expired", "Password": "expired"}),
    (ReturnCode.CREDIT_EXPIRED, {"UserId": "creditexpired", "Password": "creditexpired"}),
    (ReturnCode.INVALID_REQUEST, {"Message": None}),
    (ReturnCode.INVALID_REQUEST, {"referenceIds": "1"}),
    (ReturnCode.INVALID_DATETIME, {"PushDateTime": "13/01/2026 10:00:00"}),
    (ReturnCode.INVALID_DATETIME, {"PushDateTime": "02/30/2026 10:00:00"}),
    (ReturnCode.NOT_REGISTERED_WEB_SERVICE, {"UserId": "noservice", "Password": "noservice"}),
    (ReturnCode.HEADER_NOT_REGISTERED, {"Header": "Unknown"}),
    (ReturnCode.HEADER_NOT_REGISTERED, {"Header": "anyheader"}),  # matched case-sensitively
    (ReturnCode.IP_BLOCKED, {"UserId": "ipblocked", "Password": "ipblocked"}),
    (ReturnCode.IP_OUTSIDE_OMAN, {"UserId": "abroad", "Password": "abroad"}),
    (ReturnCode.SMS_API_EXPIRED, {"UserId": "apiexpired", "Password": "apiexpired"}),
]


@pytest.mark.parametrize(("code", "overrides"), NATURAL, ids=lambda v: str(v))
def test_each_code_happens_naturally(
    emulator: Emulator, code: ReturnCode, overrides: dict[str, str | None]
) -> None:
    assert emulator.send(**overrides) == str(int(code))
    assert emulator.backend.storage.messages() == []


def test_get_without_permission_answers_18_and_with_permission_1(emulator: Emulator) -> None:
    params = {**SAMPLE, "UserId": "noget", "Password": "noget", "Header": "DEMO"}
    assert emulator.session.get(emulator.send_url, params=params, timeout=5).text == "18"
    assert emulator.session.get(emulator.send_url, params=SAMPLE, timeout=5).text == "1"


def test_repeated_wrong_passwords_lock_the_account(emulator: Emulator) -> None:
    answers = [emulator.send(UserId="lockme", Password="bad", Header="DEMO") for _ in range(4)]
    assert answers == ["3", "3", "12", "12"]  # the 3rd failure reaches the threshold of 3
    assert emulator.send(UserId="lockme", Password="lockme", Header="DEMO") == "12"
    account = emulator.backend.storage.account("lockme")
    assert account is not None and account.status == "blocked"


def test_a_success_clears_the_failed_login_count(emulator: Emulator) -> None:
    for _ in range(2):
        assert emulator.send(UserId="lockme", Password="bad", Header="DEMO") == "3"
    assert emulator.send(UserId="lockme", Password="lockme", Header="DEMO") == "1"
    for _ in range(2):
        assert emulator.send(UserId="lockme", Password="bad", Header="DEMO") == "3"
    assert emulator.send(UserId="lockme", Password="lockme", Header="DEMO") == "1"


def test_credit_is_spent_per_part_per_recipient(emulator: Emulator) -> None:
    # lowcredit has 2 credits: one 1-part message to 2 numbers costs 2, then nothing is left
    two = "96899123456,96899123457"
    assert emulator.send(UserId="lowcredit", Password="lowcredit", MobileNo=two) == "1"
    assert emulator.send(UserId="lowcredit", Password="lowcredit") == "4"
    account = emulator.backend.storage.account("lowcredit")
    assert account is not None and account.credit == 0
    assert len(emulator.backend.storage.messages()) == 2


@pytest.mark.parametrize("nn", [n for n in range(2, 26) if n not in (22, 23, 24)])
def test_magic_numbers_answer_their_code(emulator: Emulator, nn: int) -> None:
    assert emulator.send(MobileNo=f"968000000{nn:02d}") == str(nn)
    assert emulator.backend.storage.messages() == []


@pytest.mark.parametrize("nn", [22, 23, 24])
def test_magic_numbers_answer_on_each_endpoint_only_the_codes_it_can_answer(
    emulator: Emulator, nn: int
) -> None:
    """22 (FLashSMS), 23 (opted out) and 24 (too many numbers) are the older endpoint's: there
    the magic number answers them; on the documented endpoint it is a plain number (sent)."""
    number = f"968000000{nn:02d}"
    legacy = {**SAMPLE, "MobileNo": number}
    assert emulator.post(LEGACY_SEND_PATH, data=legacy).text == str(nn)
    assert emulator.backend.storage.messages() == []
    assert emulator.send(MobileNo=number) == "1"
    assert [m.number for m in emulator.backend.storage.messages()] == [number]
    emulator.backend.reset()


def test_flash_sms_is_read_the_same_way_on_both_form_endpoints(emulator: Emulator) -> None:
    """``FLashSMS=Y`` (or ``y``) is a flash SMS on both endpoints (docs/decisions.md); a value
    other than Y/N answers 22 where the order has the flash step (SMSDynamicAPI), and is a
    normal message on the documented endpoint (whose order has none)."""
    for path in (SEND_PATH, LEGACY_SEND_PATH):
        for value, flash in (("Y", True), ("y", True), ("N", False), ("n", False)):
            assert emulator.post(path, data={**SAMPLE, "FLashSMS": value}).text == "1"
            [message] = emulator.backend.storage.messages()
            assert (path, value, message.flash) == (path, value, flash)
            emulator.backend.reset()
    assert emulator.post(LEGACY_SEND_PATH, data={**SAMPLE, "FLashSMS": "X"}).text == "22"
    assert emulator.send(FLashSMS="X") == "1"
    assert [m.flash for m in emulator.backend.storage.messages()] == [False]
    emulator.backend.reset()


def test_an_ignored_flash_value_is_noted_in_the_journal(emulator: Emulator) -> None:
    """The documented endpoint ignores a FLashSMS value it cannot read (docs/decisions.md): the
    request's journal entry says so, as it says how other interfaces read a request. A value
    it reads, or none, gets no note."""
    journal = emulator.url + "/_mock/api/requests"
    assert emulator.send(FLashSMS="maybe") == "1"
    [entry] = emulator.session.get(journal, params={"limit": 1}, timeout=10).json()
    assert entry["code"] == 1
    assert entry["reason"] == (
        "1 message(s) accepted (FLashSMS 'maybe' is neither Y nor N: ignored, sent as a "
        "normal message)"
    )
    for value in ("Y", "n", None):
        assert emulator.send(FLashSMS=value) == "1"
        [entry] = emulator.session.get(journal, params={"limit": 1}, timeout=10).json()
        assert entry["reason"] == "1 message(s) accepted", value
    emulator.backend.reset()


def test_magic_number_never_hides_a_real_fault(emulator: Emulator) -> None:
    assert emulator.send(MobileNo="96800000004", Password="wrong") == "3"


def test_parameters_in_the_query_string_of_a_post(emulator: Emulator) -> None:
    response = emulator.session.post(emulator.send_url, params=SAMPLE, timeout=5)
    assert response.text == "1"


def test_names_and_path_are_case_insensitive(emulator: Emulator) -> None:
    data = {k.upper(): v for k, v in SAMPLE.items()}
    response = emulator.post(SEND_PATH.lower(), data=data)
    assert response.text == "1"
    assert emulator.post(SEND_PATH.upper(), data=SAMPLE).text == "1"


def test_multipart_form_is_read(emulator: Emulator) -> None:
    files = {k: (None, v) for k, v in SAMPLE.items()}
    assert emulator.post(files=files).text == "1"


def test_arabic_message_is_stored_with_its_encoding(emulator: Emulator) -> None:
    assert emulator.send(Message="مرحبا بكم", Lang="64") == "1"
    (message,) = emulator.backend.storage.messages()
    assert (message.text, message.encoding, message.parts, message.units) == (
        "مرحبا بكم",
        "UCS2",
        1,
        9,
    )


def test_reference_ids_are_paired_with_numbers_by_position(emulator: Emulator) -> None:
    assert emulator.send(MobileNo="96899123456,96899123457", referenceIds="101,102") == "1"
    assert emulator.send(MobileNo="96899123458", referenceIds="201,202") == "1"  # doc sample
    pairs = [(m.number, m.reference_id) for m in emulator.backend.storage.messages()]
    assert pairs == [("96899123456", "101"), ("96899123457", "102"), ("96899123458", "201")]


def test_future_push_datetime_is_stored_as_pending(emulator: Emulator) -> None:
    assert emulator.send(PushDateTime="12/31/2099 23:59:00") == "1"
    (message,) = emulator.backend.storage.messages()
    assert (
        message.push_at is not None and message.push_at.isoformat() == "2099-12-31T19:59:00+00:00"
    )
    assert message.pending(emulator.backend.clock())


def test_legacy_endpoint_reads_flash_and_answers_22(emulator: Emulator) -> None:
    assert emulator.post(LEGACY_SEND_PATH, data={**SAMPLE, "FLashSMS": "Y"}).text == "1"
    assert emulator.post(LEGACY_SEND_PATH, data={**SAMPLE, "FLashSMS": "X"}).text == "22"
    assert emulator.backend.storage.messages()[0].flash is True


def test_legacy_endpoint_answers_24_for_more_than_50_numbers(emulator: Emulator) -> None:
    many = ",".join(["96899123456"] * 51)
    assert emulator.post(LEGACY_SEND_PATH, data={**SAMPLE, "MobileNo": many}).text == "24"
    assert emulator.post(SEND_PATH, data={**SAMPLE, "MobileNo": many}).text == "9"


def test_journal_masks_the_password_and_explains_the_code(emulator: Emulator) -> None:
    emulator.send(Password="s3cret-pass")
    entries = emulator.session.get(emulator.url + "/_mock/api/requests", timeout=5).json()
    assert entries[0]["code"] == 3
    assert entries[0]["decided_by"] == "password"
    assert entries[0]["params"]["Password"] == "***"
    assert "s3cret-pass" not in str(entries)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b"%%%%%=%%%&&&==", "application/x-www-form-urlencoded"),
        (b'{"UserId": "ismartsms"}', "application/json"),
        (b"UserId=ismartsms", "text/xml"),
        (b"--x\r\nbroken multipart", "multipart/form-data; boundary=x"),
        (b"", "application/x-www-form-urlencoded"),
    ],
)
def test_garbage_answers_15_never_500(emulator: Emulator, body: bytes, content_type: str) -> None:
    response = emulator.post(data=body, headers={"Content-Type": content_type})
    assert (response.status_code, response.text) == (200, "15")


def test_ten_megabyte_body_answers_15_and_the_server_keeps_serving(emulator: Emulator) -> None:
    big = b"Message=" + b"a" * (10 * 1024 * 1024)
    response = requests.post(
        emulator.send_url,
        data=big,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert (response.status_code, response.text) == (200, "15")
    assert emulator.send() == "1"


def test_other_methods_answer_15(emulator: Emulator) -> None:
    assert emulator.session.put(emulator.send_url, data=SAMPLE, timeout=5).text == "15"


def test_raw_socket_request_gets_bare_code(emulator: Emulator) -> None:
    body = (
        b"UserId=ismartsms&Password=ismartsms&MobileNo=96899123456"
        b"&Message=Hi&Lang=0&Header=AnyHeader&referenceIds=101"
    )
    request = (
        b"POST " + SEND_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    with socket.create_connection((emulator.server.host, emulator.server.port), timeout=5) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    assert data.startswith(b"HTTP/1.1 200")
    assert data.endswith(b"\r\n\r\n1")


def test_root_redirects_to_the_inbox(emulator: Emulator) -> None:
    response = emulator.session.get(emulator.url + "/", allow_redirects=False, timeout=5)
    assert response.status_code in (302, 307)
    assert response.headers["location"] == "/_mock/"
