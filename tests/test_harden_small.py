"""Issue 28, point 12: the journal names an unknown user as what decided a 3; an account's
default sender must be one of its registered headers; the delivery-report endpoint answers
another method 15, as the send endpoints do."""

from __future__ import annotations

import pytest
import requests

from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import DELIVERY_REPORT_PATH, SEND_PATH
from tests.conftest import SAMPLE
from tests.hardening import last_entry


def test_an_unknown_user_is_decided_by_user_not_client_ip(served: ServerThread) -> None:
    answer = requests.post(served.url + SEND_PATH, data={**SAMPLE, "UserId": "nobody"}, timeout=10)
    assert answer.text == "3"
    entry = last_entry(served.url)
    assert (entry["decided_by"], entry["reason"]) == ("user", "no account with user id 'nobody'")


def test_a_default_header_must_be_registered(served: ServerThread) -> None:
    url = served.url + "/_mock/api/accounts/ismartsms"
    answer = requests.patch(url, json={"default_header": "NotMine"}, timeout=10)
    assert (answer.status_code, answer.json()["field"]) == (422, "default_header")
    assert "'NotMine' is not one of the account's headers" in answer.json()["error"]
    sent = requests.post(served.url + SEND_PATH, data={**SAMPLE, "Header": None}, timeout=10)
    assert sent.text == "1"
    latest = requests.get(served.url + "/_mock/api/messages?limit=1", timeout=10).json()[0]
    assert latest["header"] != "NotMine"
    # registered with it, it is accepted
    answer = requests.patch(
        url, json={"headers": ["AnyHeader", "Mine"], "default_header": "Mine"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    created = requests.post(
        served.url + "/_mock/api/accounts",
        json={"user_id": "dh", "password": "p", "headers": ["A"], "default_header": "B"},
        timeout=10,
    )
    assert (created.status_code, created.json()["field"]) == (422, "default_header")


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
def test_the_delivery_report_endpoint_answers_another_method_15(
    served: ServerThread, method: str
) -> None:
    answer = requests.request(method, served.url + DELIVERY_REPORT_PATH, timeout=10)
    send = requests.request(method, served.url + SEND_PATH, timeout=10)
    assert (answer.status_code, answer.text) == (send.status_code, send.text) == (200, "15")
