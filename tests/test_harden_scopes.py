"""Issue 28, point 2: ``X-Mock-Scope`` and what else the journal keeps of a request are
bounded: an over-long scope is refused (15 on the gateway, 400 on the admin API, saying why)
rather than kept in every message and journal entry."""

from __future__ import annotations

import json

import pytest
import requests

from ismart_sms_kit.mock_server.params import MAX_SCOPE_CHARS
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import DELIVERY_REPORT_PATH, SEND_PATH
from tests.conftest import SAMPLE
from tests.hardening import last_entry
from tests.processes import running
from tests.test_harden_readers import MIB, rss, settled_rss

LONG = "s" * 200_000


@pytest.mark.subprocess
def test_500_sends_with_a_200_kb_scope_grow_rss_by_a_bounded_amount() -> None:
    with running() as mock, requests.Session() as session:
        for _ in range(20):  # the server's own first allocations
            session.post(mock.send_url, data=SAMPLE, timeout=10)
        before = settled_rss(mock)
        for i in range(500):
            sent = session.post(
                mock.send_url, data=SAMPLE, headers={"X-Mock-Scope": f"{i}{LONG}"}, timeout=10
            )
            assert sent.text == "15"
        grown = rss(mock) - before
    print(f"500 sends with a 200 KB scope: RSS +{grown / MIB:.1f} MiB")
    assert grown < 50 * MIB, grown / MIB
    assert grown < 16 * MIB, grown / MIB


def test_an_over_long_scope_is_refused_and_says_why(served: ServerThread) -> None:
    too_long = "t" * (MAX_SCOPE_CHARS + 1)
    sent = requests.post(
        served.url + SEND_PATH, data=SAMPLE, headers={"X-Mock-Scope": too_long}, timeout=10
    )
    assert sent.text == "15"
    entry = last_entry(served.url)
    assert entry["scope"] == "" and entry["code"] == 15
    assert entry["reason"] == (
        f"X-Mock-Scope is {MAX_SCOPE_CHARS + 1} characters, over the {MAX_SCOPE_CHARS} "
        "an emulator scope may have"
    )
    assert len(json.dumps(entry)) < 8192
    assert requests.get(
        served.url + "/_mock/api/messages", headers={"X-Mock-Scope": too_long}, timeout=10
    ).json() == {
        "error": f"X-Mock-Scope is {MAX_SCOPE_CHARS + 1} characters, over the "
        f"{MAX_SCOPE_CHARS} an emulator scope may have",
        "field": "X-Mock-Scope",
    }
    # at the limit, it is a scope like any other
    at_limit = "t" * MAX_SCOPE_CHARS
    sent = requests.post(
        served.url + SEND_PATH, data=SAMPLE, headers={"X-Mock-Scope": at_limit}, timeout=10
    )
    assert sent.text == "1"
    assert last_entry(served.url)["scope"] == at_limit


@pytest.mark.parametrize("field", ["UserId", "Header", "junk"])
def test_an_entry_with_a_60_kb_value_in_any_field_stays_in_the_budget(
    served: ServerThread, field: str
) -> None:
    sent = requests.post(served.url + SEND_PATH, data={**SAMPLE, field: "U" * 60_000}, timeout=10)
    assert sent.status_code == 200
    entry = last_entry(served.url)
    assert len(json.dumps(entry)) < 8192, {
        k: len(str(v)) for k, v in entry.items() if len(str(v)) > 200
    }


@pytest.mark.parametrize("interface", ["rest", "soap", "delivery"])
def test_an_over_long_scope_is_refused_on_every_gateway_endpoint(
    served: ServerThread, interface: str
) -> None:
    headers = {"X-Mock-Scope": "t" * (MAX_SCOPE_CHARS + 1)}
    if interface == "rest":
        fields = {"UserID": "ismartsms", "Password": "ismartsms", "Message": "hi",
                  "Language": "0", "MobileNo": ["96899123456"], "RecipientType": "1"}  # fmt: skip
        answer = requests.post(
            served.url + "/RestApi/api/SMS/PostSMS", json=fields, headers=headers, timeout=10
        )
        assert answer.json()["Code"] == 15
    elif interface == "soap":
        body = (
            '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap='
            '"http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><PushMessage '
            'xmlns="http://tempuri.org/"><UserID>ismartsms</UserID><Password>ismartsms</Password>'
            "<Message>hi</Message><Language>0</Language><Recipients><string>96899123456</string>"
            "</Recipients><RecipientType>1</RecipientType></PushMessage></soap:Body>"
            "</soap:Envelope>"
        )
        soap_headers = {**headers, "Content-Type": "text/xml; charset=utf-8",
                        "SOAPAction": '"http://tempuri.org/PushMessage"'}  # fmt: skip
        answer = requests.post(
            served.url + "/iBulkSMS/webservice/IBulkSMS.asmx",
            data=body.encode(),
            headers=soap_headers,
            timeout=10,
        )
        assert b"<PushMessageResult>15</PushMessageResult>" in answer.content, answer.text
    else:
        answer = requests.get(
            served.url + DELIVERY_REPORT_PATH,
            params={"UserId": "ismartsms", "Password": "ismartsms", "referenceIds": "1"},
            headers=headers,
            timeout=10,
        )
        assert answer.text == "15"
    entry = last_entry(served.url)
    assert entry["scope"] == "" and str(entry["reason"]).startswith("X-Mock-Scope is 257")
