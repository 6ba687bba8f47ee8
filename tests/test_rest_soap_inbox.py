"""The inbox in a real headless Chromium shows which interface each message and request came
through (REST, SOAP, HTTP API), and a SOAP fault in its rejected requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import zeep
from playwright.sync_api import Browser, expect

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from tests.test_inbox_browser import browser, open_inbox  # the module-scoped Chromium

__all__ = ["browser"]
expect.set_options(timeout=10_000)


@pytest.fixture
def server() -> Iterator[ServerThread]:
    with ServerThread(create_app(Config(seed=0))) as running:
        yield running


@pytest.mark.browser
def test_the_inbox_shows_the_interface(browser: Browser, server: ServerThread) -> None:
    url = server.url
    rest = {
        "UserID": "ismartsms",
        "Password": "ismartsms",
        "Message": "via REST",
        "Language": "0",
        "MobileNo": ["96899123456"],
        "RecipientType": "1",
    }
    assert (
        requests.post(url + "/RestApi/api/SMS/PostSMS", json=rest, timeout=10).json()["Code"] == 1
    )
    client = zeep.Client(url + "/iBulkSMS/webservice/IBulkSMS.asmx?WSDL")
    result = client.service.PushMessage(
        UserID="ismartsms",
        Password="ismartsms",
        Message="via SOAP",
        Language=0,
        ScheddateTime="2017-01-22T10:00:00",
        Recipients={"string": ["96899123456"]},
        RecipientType=1,
    )
    assert result == 1
    fault = requests.post(
        url + "/iBulkSMS/webservice/IBulkSMS.asmx",
        data=b"<not-xml",
        headers={"Content-Type": "text/xml", "SOAPAction": "http://tempuri.org/PushMessage"},
        timeout=10,
    )
    assert fault.status_code == 500
    with open_inbox(browser, url) as inbox:
        page = inbox.page
        cards = page.locator("#messages > .msg")
        expect(cards).to_have_count(2)
        expect(cards.nth(0).locator("[data-field=text]")).to_have_text("via SOAP")
        expect(cards.nth(0).locator("[data-field=interface]")).to_have_text("SOAP")
        expect(cards.nth(0).locator("[data-field=endpoint]")).to_have_text("IBulkSMS")
        expect(cards.nth(1).locator("[data-field=interface]")).to_have_text("REST")
        page.locator("#tab-rejected").click()
        rejected = page.locator("#rejected > .req")
        expect(rejected).to_have_count(1)
        expect(rejected.first.locator("[data-field=interface]")).to_have_text("SOAP")
        expect(rejected.first.locator("[data-field=reason]")).to_contain_text("SOAP fault")
