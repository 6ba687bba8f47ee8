"""Issue 28, point 5: the admin API's bodies are bounded in size and in nesting, with a 4xx
and an exact error, never a 500; a credit no state can hold is refused the same way with
either state."""

from __future__ import annotations

import pytest
import requests

from ismart_sms_kit.mock_server.admin.bodies import MAX_BODY_BYTES, MAX_DEPTH
from ismart_sms_kit.mock_server.server import ServerThread

API = "/_mock/api"
ROUTES = [
    ("POST", f"{API}/rules"),
    ("POST", f"{API}/accounts"),
    ("PUT", f"{API}/accounts/deep"),
    ("PATCH", f"{API}/accounts/ismartsms"),
    ("PATCH", f"{API}/messages/1"),
]
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_deeply_nested_json_is_a_400_with_an_exact_error(
    served: ServerThread, method: str, path: str
) -> None:
    body = "[" * 100_000 + "]" * 100_000
    answer = requests.request(method, served.url + path, data=body, headers=JSON, timeout=10)
    assert (answer.status_code, answer.json()) == (
        400,
        {"error": f"the JSON body is nested deeper than {MAX_DEPTH} levels"},
    )
    # at the limit it is read (and refused, or not, for what it says)
    shallow = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    answer = requests.request(method, served.url + path, data=shallow, headers=JSON, timeout=10)
    assert answer.status_code != 500 and "nested" not in answer.text


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_a_body_over_the_limit_is_a_413_unread(
    served: ServerThread, method: str, path: str
) -> None:
    body = b'{"user_id": "big", "password": "p", "company": "' + b"x" * MAX_BODY_BYTES + b'"}'
    answer = requests.request(method, served.url + path, data=body, headers=JSON, timeout=10)
    assert (answer.status_code, answer.json()) == (
        413,
        {"error": f"the body is over {MAX_BODY_BYTES} bytes, the admin API's limit"},
    )

    def chunks():  # no Content-Length: counted as it comes
        yield body[:1000]
        yield body[1000:]

    answer = requests.request(method, served.url + path, data=chunks(), headers=JSON, timeout=10)
    assert answer.status_code == 413
    assert requests.get(served.url + f"{API}/accounts/big", timeout=10).status_code == 404


@pytest.mark.parametrize("credit", [2**63, 2**64, 10**30])
def test_a_credit_no_state_can_hold_is_a_422_with_either_state(
    served: ServerThread, credit: int
) -> None:
    url = served.url + f"{API}/accounts"
    answer = requests.post(
        url, json={"user_id": "rich", "password": "p", "credit": credit}, timeout=10
    )
    expected = {
        "error": "credit: must be a whole number from 0 to 9223372036854775807",
        "field": "credit",
    }
    assert (answer.status_code, answer.json()) == (422, expected)
    answer = requests.patch(url + "/ismartsms", json={"credit": credit}, timeout=10)
    assert (answer.status_code, answer.json()) == (422, expected)
    answer = requests.patch(url + "/ismartsms", json={"credit": 2**63 - 1}, timeout=10)
    assert (answer.status_code, answer.json()["credit"]) == (200, 2**63 - 1)
