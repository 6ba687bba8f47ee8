"""``fixtures/accounts/team.yaml`` does what each of its comments says, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import load_file
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import SEND_PATH

TEAM = Path(__file__).parent.parent / "fixtures" / "accounts" / "team.yaml"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(create_app(load_file(TEAM))) as running:
        yield running


def send(server: ServerThread, user: str, password: str, header: str) -> str:
    data = {
        "UserId": user,
        "Password": password,
        "MobileNo": "96891234567",
        "Message": "Your code is 4821",
        "Lang": "0",
        "Header": header,
        "referenceIds": "101",
    }
    return requests.post(server.url + SEND_PATH, data=data, timeout=10).text


def test_only_the_files_accounts(server: ServerThread) -> None:
    accounts = requests.get(server.url + "/_mock/api/accounts", timeout=10).json()
    assert [a["user_id"] for a in accounts] == [
        "shopapp", "shoplow", "gone", "office", "strict", "lapsed", "ciapp",
    ]  # fmt: skip
    assert send(server, "ismartsms", "ismartsms", "AnyHeader") == "3"  # no demo accounts


def test_each_account_answers_as_its_comment_says(server: ServerThread) -> None:
    assert send(server, "shopapp", "shop-pass-1", "SHOP-OTP") == "1"
    assert send(server, "shopapp", "shop-pass-1", "PROMO") == "19"
    assert [send(server, "shoplow", "shop-pass-2", "SHOP") for _ in range(3)] == ["1", "1", "4"]
    assert send(server, "gone", "gone-pass", "GONE") == "2"
    assert send(server, "office", "office-pass", "OFFICE") == "20"
    assert [send(server, "strict", "wrong", "STRICT") for _ in range(2)] == ["3", "12"]
    assert send(server, "strict", "strict-pass", "STRICT") == "12"
    assert send(server, "lapsed", "lapsed-pass", "LAPSED") == "14"
    assert send(server, "ciapp", "ci-pass", "CI") == "1"
    scoped = requests.get(server.url + "/_mock/api/messages?scope=ci", timeout=10).json()
    assert [m["user_id"] for m in scoped] == ["ciapp"]
