"""``SMSDeliveryReportAPI.aspx`` over real HTTP: records joined by ``|`` in the field's format,
codes 3, 12, 31, 32, 33, simulated delivery (delay, schedule, magic number, rule, admin API)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import requests

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import DELIVERY_REPORT_PATH
from ismart_sms_kit.pytest_plugin import IsmartMock
from tests.conftest import SAMPLE

RECORD = re.compile(
    r"ReferenceId=(\d+),Status=(delivered|failed|pending),"
    r"DeliveryDateTime=((\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(AM|PM))?\Z"
)
CREDENTIALS = {"UserId": "ismartsms", "Password": "ismartsms"}


def report(base: str, ids: str | None, **overrides: str) -> str:
    params = {**CREDENTIALS, **overrides}
    if ids is not None:
        params["referenceIds"] = ids
    return requests.get(base + DELIVERY_REPORT_PATH, params=params, timeout=10).text


def send(base: str, **overrides: str) -> str:
    return requests.post(
        base + "/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx",
        data={**SAMPLE, **overrides},
        timeout=10,
    ).text


def test_delivered_records_in_the_field_format(ismart_mock: IsmartMock) -> None:
    assert send(ismart_mock.url, referenceIds="100001") == "1"
    assert send(ismart_mock.url, referenceIds="100002", MobileNo="96899000002") == "1"
    body = report(ismart_mock.url, "100002,100001")
    records = body.split("|")
    assert [RECORD.match(r).group(1) for r in records] == ["100002", "100001"]  # type: ignore[union-attr]
    for record in records:
        match = RECORD.match(record)
        assert match is not None and match.group(2) == "delivered"
        hour = int(match.group(7))
        assert 1 <= hour <= 12  # a 12-hour clock with AM/PM glued to the seconds
    # answered with records: in the journal, but not among the refused requests
    journal = ismart_mock.requests(limit=1)[0]
    assert (journal["decided_by"], journal["code"]) == ("report", None)
    assert ismart_mock.requests(rejected=True) == []
    # the time is the gateway's clock (UTC+4) of the message's arrival (no delay configured)
    muscat = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=4)))
    assert f"{muscat.month}/{muscat.day}/{muscat.year} " in body


def test_codes_of_the_report_endpoint(ismart_mock: IsmartMock) -> None:
    send(ismart_mock.url, referenceIds="100001")
    assert report(ismart_mock.url, "100001", Password="wrong") == "3"
    assert report(ismart_mock.url, "100001", UserId="nobody") == "3"
    assert report(ismart_mock.url, None) == "32"
    assert report(ismart_mock.url, " , ") == "32"
    assert report(ismart_mock.url, "999999") == "33"
    assert report(ismart_mock.url, "100001", UserId="nodlr", Password="nodlr") == "31"
    assert report(ismart_mock.url, "100001", UserId="demo", Password="demo") == "33"  # not theirs
    journal = ismart_mock.requests(limit=1)[0]
    assert journal["endpoint"] == "SMSDeliveryReportAPI" and journal["params"]["Password"] == "***"


def test_wrong_passwords_on_reports_count_towards_the_lockout(ismart_mock: IsmartMock) -> None:
    answers = [report(ismart_mock.url, "1", UserId="lockme", Password="x") for _ in range(4)]
    assert answers == ["3", "3", "12", "12"]


def test_failed_by_magic_number_rule_and_admin_api(ismart_mock: IsmartMock) -> None:
    assert send(ismart_mock.url, MobileNo="96800000099", referenceIds="200001") == "1"
    ismart_mock.add_rule({"delivery": "failed"}, {"mobile": "96899000777"}, name="undeliverable")
    assert send(ismart_mock.url, MobileNo="96899000777", referenceIds="200002") == "1"
    assert send(ismart_mock.url, referenceIds="200003") == "1"
    third = ismart_mock.latest(SAMPLE["MobileNo"])
    assert third is not None and third["status"] == "delivered"
    ismart_mock.set_delivery(third["id"], "failed")
    statuses = [
        RECORD.match(r).group(2) for r in report(ismart_mock.url, "200001,200002,200003").split("|")
    ]  # type: ignore[union-attr]
    assert statuses == ["failed", "failed", "failed"]
    entry = ismart_mock.requests(limit=3)[2]
    assert "undeliverable" in entry["reason"]


def test_scheduled_and_delayed_messages_are_pending_until_due() -> None:
    config = Config(seed=0)
    config.settings.delivery_delay_ms = 60_000
    with ServerThread(create_app(config)) as server:
        later = (datetime.now(timezone.utc) + timedelta(days=2)).astimezone(
            timezone(timedelta(hours=4))
        )
        push = later.strftime("%m/%d/%Y %H:%M:%S")
        assert send(server.url, referenceIds="300001", PushDateTime=push) == "1"
        assert send(server.url, referenceIds="300002", PushDateTime="") == "1"
        body = report(server.url, "300001,300002")
        messages = requests.get(server.url + "/_mock/api/messages", timeout=10).json()
    assert body == (
        "ReferenceId=300001,Status=pending,DeliveryDateTime="
        "|ReferenceId=300002,Status=pending,DeliveryDateTime="
    )
    assert [m["status"] for m in messages] == ["sent", "scheduled"]
