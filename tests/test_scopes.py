"""Isolation on a shared emulator: scopes by header or bound to a user id, used concurrently."""

from __future__ import annotations

import threading

import requests

from ismart_sms_kit.client.mock_admin import MockAdmin
from ismart_sms_kit.protocol.spec import DELIVERY_REPORT_PATH
from ismart_sms_kit.pytest_plugin import IsmartMock
from tests.conftest import SAMPLE


def send(admin: MockAdmin, **overrides: str) -> str:
    data = {**SAMPLE, **overrides}
    return requests.post(admin.send_url, data=data, headers=admin.scope_headers, timeout=10).text


def test_two_scopes_used_concurrently_do_not_see_each_other(ismart_mock: IsmartMock) -> None:
    a, b = ismart_mock.scoped("run-a"), ismart_mock.scoped("run-b")
    a.add_rule({"code": 4}, {"mobile": "96899777777"}, name="a-only")
    errors: list[BaseException] = []

    def run(admin: MockAdmin, tag: str) -> None:
        try:
            for i in range(20):
                assert send(admin, MobileNo=f"968990{i:05d}", Message=f"{tag} {i}") == "1"
            assert send(admin, MobileNo="96899777777") == ("4" if tag == "a" else "1")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(a, "a")),
        threading.Thread(target=run, args=(b, "b")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    a_texts = {m["text"] for m in a.messages(limit=1000)}
    b_texts = {m["text"] for m in b.messages(limit=1000)}
    assert a_texts == {f"a {i}" for i in range(20)}
    assert b_texts == {f"b {i}" for i in range(20)} | {"TestMessage"}
    assert {e["scope"] for e in a.requests(limit=1000)} == {"run-a"}
    assert [r["name"] for r in b.rules()] == []  # a's rule is not b's
    assert len(ismart_mock.messages(limit=1000)) == 41  # unscoped sees everything
    a.reset()
    assert a.messages() == [] and a.rules() == []
    assert len(b.messages(limit=1000)) == 21  # b is untouched
    a.close()
    b.close()


def test_a_scope_bound_to_a_user_id_needs_no_header(ismart_mock: IsmartMock) -> None:
    ismart_mock.patch_account("demo", scope="team-demo")
    scoped = ismart_mock.scoped("team-demo")
    assert send(ismart_mock, UserId="demo", Password="demo", Header="DEMO") == "1"
    assert send(ismart_mock) == "1"  # ismartsms: unscoped
    assert [m["user_id"] for m in scoped.messages()] == ["demo"]
    assert ismart_mock.wait_for(after=0, user="demo", timeout=5)["scope"] == "team-demo"
    scoped.close()


def test_file_rules_apply_to_every_scope_run_time_rules_to_their_own(
    ismart_mock: IsmartMock,
) -> None:
    ismart_mock.add_rule({"code": 7}, name="unscoped")
    scoped = ismart_mock.scoped("x")
    assert send(scoped) == "1"  # an unscoped run-time rule is not the scope's
    assert send(ismart_mock) == "7"
    scoped.close()


def test_one_message_by_id_is_seen_and_set_only_in_its_scope(ismart_mock: IsmartMock) -> None:
    a, b = ismart_mock.scoped("run-a"), ismart_mock.scoped("run-b")
    assert send(a) == "1"
    (message,) = a.messages()
    path = f"{ismart_mock.url}/_mock/api/messages/{message['id']}"
    assert b.http.get(path, timeout=5).status_code == 404
    response = b.http.patch(path, json={"status": "failed"}, timeout=5)
    assert response.status_code == 404
    assert a.http.get(path, timeout=5).json()["status"] != "failed"  # b changed nothing
    assert a.set_delivery(message["id"], "failed")["status"] == "failed"
    assert ismart_mock.http.get(path, timeout=5).json()["scope"] == "run-a"  # unscoped: all
    a.close()
    b.close()


def test_a_delivery_report_request_lands_in_its_accounts_scope(ismart_mock: IsmartMock) -> None:
    ismart_mock.patch_account("demo", scope="team-demo")
    scoped = ismart_mock.scoped("team-demo")
    answer = requests.get(
        ismart_mock.url + DELIVERY_REPORT_PATH,
        params={"UserId": "demo", "Password": "demo", "referenceIds": "100001"},
        timeout=10,
    ).text
    assert answer == "33"  # no message of demo has that reference id
    assert [(e["endpoint"], e["scope"]) for e in scoped.requests()] == [
        ("SMSDeliveryReportAPI", "team-demo")
    ]
    scoped.close()
