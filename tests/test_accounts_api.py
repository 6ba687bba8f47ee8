"""Accounts at run time: ``POST /_mock/api/accounts``, ``PUT``/``PATCH``/``DELETE
/_mock/api/accounts/{user_id}``, ``MockAdmin.create_account`` and the fixture's way to declare
accounts (issue 17: "an app's own account needs a config file and a restart").

Every test goes over real HTTP to a real uvicorn; the memory and SQLite states both serve the
in-process tests (``emulator`` fixture), and ``--workers 2`` and restarts run the real command.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from ismart_sms_kit.client.mock_admin import MockAdmin, MockAdminError
from ismart_sms_kit.protocol.spec import LEGACY_SEND_PATH, SEND_PATH
from tests.conftest import SAMPLE, Emulator
from tests.processes import running

ACCOUNTS = "/_mock/api/accounts"
ACME: dict[str, Any] = {
    "user_id": "acme",
    "password": "s3cret!",
    "company": "Acme LLC",
    "headers": ["ACME", "ACME-OTP"],
    "credit": 3,
}
"""An app's own account, as its team would create it."""


def acme_send(url: str, **overrides: str) -> str:
    data = {**SAMPLE, "UserId": "acme", "Password": "s3cret!", "Header": "ACME", **overrides}
    return requests.post(url + SEND_PATH, data=data, timeout=10).text


def create(emulator: Emulator, body: Any) -> requests.Response:
    return emulator.session.post(emulator.url + ACCOUNTS, json=body, timeout=10)


def test_create_an_account_then_send_with_it(emulator: Emulator) -> None:
    """201 with the account (never the password) and its address; it works at once."""
    assert emulator.send(UserId="acme", Password="s3cret!", Header="ACME") == "3"
    response = create(emulator, ACME)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{ACCOUNTS}/acme"
    shown = response.json()
    assert shown["user_id"] == "acme" and shown["credit"] == 3 and shown["configured"] is False
    assert shown["default_header"] == "" and shown["default_sender"] == "ACME"
    assert "password" not in response.text and "s3cret" not in response.text
    assert acme_send(emulator.url) == "1"
    assert acme_send(emulator.url, Password="wrong") == "3"
    assert acme_send(emulator.url, Header="OTHER") == "19"
    three = "96899123456,96899123457,96899123458"
    assert acme_send(emulator.url, MobileNo=three) == "4"  # 2 credits left
    listed = emulator.session.get(emulator.url + ACCOUNTS, timeout=10).json()
    assert [a["user_id"] for a in listed][-1] == "acme"


def test_creating_an_existing_account_answers_409(emulator: Emulator) -> None:
    assert create(emulator, ACME).status_code == 201
    again = create(emulator, {**ACME, "password": "other"})
    assert again.status_code == 409 and again.json()["field"] == "user_id"
    assert create(emulator, {**ACME, "user_id": "demo"}).status_code == 409  # a demo account
    assert acme_send(emulator.url) == "1"  # the first definition stands


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "x"}, "user_id"),
        ({"user_id": "x"}, "password"),
        ({**ACME, "credit": -1}, "credit"),
        ({**ACME, "status": "sleeping"}, "status"),
        ({**ACME, "allowed_ips": ["not-an-ip"]}, "allowed_ips"),
        ({**ACME, "colour": "red"}, "colour"),
    ],
)
def test_a_bad_account_is_refused_with_its_field(
    emulator: Emulator, body: dict[str, Any], field: str
) -> None:
    response = create(emulator, body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert emulator.session.get(emulator.url + f"{ACCOUNTS}/acme", timeout=10).status_code == 404


def test_an_account_read_from_the_api_can_be_written_back(emulator: Emulator) -> None:
    """``default_sender`` and ``configured`` are computed: a PATCH or PUT of what GET showed
    ignores them (the contract kit puts a shared emulator's account back that way)."""
    url = emulator.url + f"{ACCOUNTS}/demo"
    shown = emulator.session.get(url, timeout=10).json()
    body = {k: v for k, v in shown.items() if k != "user_id"}
    patched = emulator.session.patch(url, json={**body, "default_sender": "X"}, timeout=10)
    assert patched.status_code == 200, patched.text
    assert patched.json() == shown  # nothing changed, the computed field stays computed
    assert emulator.session.put(url, json=shown, timeout=10).json() == shown


def test_a_body_that_is_not_an_account_answers_400(emulator: Emulator) -> None:
    for body in (b"[1, 2]", b"{not json", b'"acme"'):
        response = emulator.session.post(
            emulator.url + ACCOUNTS,
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert response.status_code == 400, (body, response.text)


def test_every_field_of_a_config_account_can_be_given(emulator: Emulator) -> None:
    """The same fields as a config file's account, each with its effect on a send."""
    full = {
        "user_id": "full",
        "password": "pw-full",
        "company": "Full LLC",
        "status": "active",
        "expires_at": "2099-01-01T00:00:00Z",
        "credit": 100,
        "credit_expires_at": None,
        "api_expires_at": None,
        "web_service": True,
        "http_get": False,
        "headers": ["FULL"],
        "default_header": "FULL",
        "allowed_ips": ["127.0.0.0/8"],
        "blocked_ips": ["10.0.0.0/8"],
        "lockout_threshold": 2,
        "opted_out": ["96899000111"],
        "oman_only": False,
        "delivery_reports": True,
        "scope": "team-a",
        "simulate_internal_error": False,
        "failed_logins": 0,
    }
    assert create(emulator, full).status_code == 201
    shown = emulator.session.get(emulator.url + f"{ACCOUNTS}/full", timeout=10).json()
    for name, value in full.items():
        if name == "password":
            continue
        if name == "expires_at":
            assert shown[name].startswith("2099-01-01T00:00:00"), shown[name]
        else:
            assert shown[name] == value, name
    url = emulator.url
    data = {**SAMPLE, "UserId": "full", "Password": "pw-full", "Header": "FULL"}
    assert requests.post(url + SEND_PATH, data=data, timeout=10).text == "1"
    assert requests.get(url + SEND_PATH, params=data, timeout=10).text == "18"  # http_get: false
    opted = {**data, "MobileNo": "96899000111"}
    assert requests.post(url + LEGACY_SEND_PATH, data=opted, timeout=10).text == "23"
    scoped = emulator.session.get(url + "/_mock/api/messages?scope=team-a", timeout=10).json()
    assert [m["user_id"] for m in scoped] == ["full"]  # its scope
    wrong = {**data, "Password": "nope"}
    assert [requests.post(url + SEND_PATH, data=wrong, timeout=10).text for _ in "ab"] == [
        "3",
        "12",
    ]  # lockout_threshold: 2


def test_put_replaces_and_creates(emulator: Emulator) -> None:
    """PUT is the whole definition: absent fields take their defaults; the password is kept
    when the body has none (it cannot be read back); an absent account is created (201)."""
    url = emulator.url + f"{ACCOUNTS}/acme"
    created = emulator.session.put(url, json={k: v for k, v in ACME.items()}, timeout=10)
    assert created.status_code == 201, created.text
    replaced = emulator.session.put(url, json={"headers": ["NEW"], "credit": 50}, timeout=10)
    assert replaced.status_code == 200, replaced.text
    shown = replaced.json()
    assert (shown["headers"], shown["credit"], shown["company"]) == (["NEW"], 50, "acme")
    assert acme_send(emulator.url, Header="NEW") == "1"  # the password was kept
    assert acme_send(emulator.url) == "19"  # ACME is no longer registered
    mismatch = emulator.session.put(url, json={"user_id": "other"}, timeout=10)
    assert mismatch.status_code == 422 and mismatch.json()["field"] == "user_id"
    no_password = emulator.session.put(emulator.url + f"{ACCOUNTS}/newbie", json={}, timeout=10)
    assert no_password.status_code == 422 and no_password.json()["field"] == "password"


def test_patch_a_created_account(emulator: Emulator) -> None:
    assert create(emulator, ACME).status_code == 201
    url = emulator.url + f"{ACCOUNTS}/acme"
    patched = emulator.session.patch(url, json={"password": "n3w", "credit": 7}, timeout=10)
    assert patched.status_code == 200 and patched.json()["credit"] == 7
    assert acme_send(emulator.url) == "3"
    assert acme_send(emulator.url, Password="n3w") == "1"


def test_delete_an_account(emulator: Emulator) -> None:
    """204, then it is gone: its sends answer 3, GET answers 404, a second DELETE 404. Its
    messages stay (they were sent)."""
    assert create(emulator, ACME).status_code == 201
    assert acme_send(emulator.url) == "1"
    url = emulator.url + f"{ACCOUNTS}/acme"
    assert emulator.session.delete(url, timeout=10).status_code == 204
    assert acme_send(emulator.url) == "3"
    assert emulator.session.get(url, timeout=10).status_code == 404
    assert emulator.session.delete(url, timeout=10).status_code == 404
    messages = emulator.session.get(emulator.url + "/_mock/api/messages", timeout=10).json()
    assert [m["user_id"] for m in messages] == ["acme"]
    assert create(emulator, {**ACME, "password": "again"}).status_code == 201  # and back
    assert acme_send(emulator.url, Password="again") == "1"


def test_reset_restores_configured_accounts_and_removes_created_ones(emulator: Emulator) -> None:
    """``POST /_mock/api/reset`` goes back to the configuration: created accounts go, deleted
    or changed configured ones come back as configured."""
    assert create(emulator, ACME).status_code == 201
    demo = emulator.url + f"{ACCOUNTS}/demo"
    assert emulator.session.delete(demo, timeout=10).status_code == 204
    ismartsms = emulator.url + f"{ACCOUNTS}/ismartsms"
    assert emulator.session.patch(ismartsms, json={"credit": 0}, timeout=10).ok
    assert emulator.session.post(emulator.url + "/_mock/api/reset", timeout=10).ok
    assert emulator.session.get(emulator.url + f"{ACCOUNTS}/acme", timeout=10).status_code == 404
    assert emulator.session.get(demo, timeout=10).json()["configured"] is True
    assert emulator.session.get(ismartsms, timeout=10).json()["credit"] == 1_000_000


def test_a_scoped_reset_leaves_accounts_alone(emulator: Emulator) -> None:
    """Accounts are shared by every scope: a scope's reset does not touch them."""
    assert create(emulator, ACME).status_code == 201
    reset = emulator.session.post(
        emulator.url + "/_mock/api/reset", headers={"X-Mock-Scope": "ci-1"}, timeout=10
    )
    assert reset.ok
    assert acme_send(emulator.url) == "1"


def test_mock_admin_create_account(emulator: Emulator) -> None:
    """``MockAdmin.create_account(user_id, password, **fields)``, ``replace_account``,
    ``delete_account`` and ``accounts``."""
    admin = MockAdmin(emulator.url)
    try:
        shown = admin.create_account("acme", "s3cret!", headers=["ACME"], credit=3)
        assert shown["user_id"] == "acme" and "password" not in shown
        assert acme_send(emulator.url) == "1"
        with pytest.raises(MockAdminError) as conflict:
            admin.create_account("acme", "x")
        assert conflict.value.status == 409
        assert admin.replace_account("acme", password="p2", headers=["ACME"])["credit"] == 1_000_000
        assert acme_send(emulator.url, Password="p2") == "1"
        assert "acme" in [a["user_id"] for a in admin.accounts()]
        admin.delete_account("acme")
        assert "acme" not in [a["user_id"] for a in admin.accounts()]
    finally:
        admin.close()


def test_accounts_routes_are_in_the_openapi_document(emulator: Emulator) -> None:
    doc = emulator.session.get(emulator.url + "/_mock/api/openapi.json", timeout=10).json()
    assert set(doc["paths"][ACCOUNTS]) >= {"get", "post"}
    assert set(doc["paths"][ACCOUNTS + "/{user_id}"]) >= {"get", "put", "patch", "delete"}
    responses = doc["paths"][ACCOUNTS]["post"]["responses"]
    assert {"201", "409", "422"} <= set(responses)
    assert "AccountInput" in doc["components"]["schemas"]


@pytest.mark.subprocess
def test_a_created_account_survives_a_restart_with_sqlite(tmp_path: Path) -> None:
    """``--state sqlite:PATH`` keeps created accounts (and a deleted configured one stays
    deleted) across a restart, with their credit as spent; a reset then removes them."""
    state = f"sqlite:{tmp_path / 'state.sqlite'}"
    with running("--state", state) as mock:
        admin = MockAdmin(mock.url)
        admin.create_account(**ACME)
        assert acme_send(mock.url) == "1"
        admin.delete_account("demo")
        admin.close()
    with running("--state", state) as mock:
        admin = MockAdmin(mock.url)
        assert admin.account("acme")["credit"] == 2
        assert acme_send(mock.url) == "1"
        assert "demo" not in [a["user_id"] for a in admin.accounts()]
        admin.reset()
        assert "acme" not in [a["user_id"] for a in admin.accounts()]
        assert "demo" in [a["user_id"] for a in admin.accounts()]
        admin.close()
    for path in tmp_path.iterdir():  # the password went in as JSON: only its digest is kept
        if path.is_file() and not path.name.endswith("-wake"):
            assert ACME["password"].encode() not in path.read_bytes(), path


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[str]:
    with running("--workers", "2", "--state", f"sqlite:{tmp_path / 's.sqlite'}") as mock:
        yield mock.url


def _blast(url: str, n: int, **overrides: str) -> Counter[str]:
    with ThreadPoolExecutor(8) as pool:
        return Counter(pool.map(lambda _: acme_send(url, **overrides), range(n)))


@pytest.mark.subprocess
def test_accounts_api_with_two_workers(two_workers: str) -> None:
    """Created through one worker, an account is used at once by both; deleted, both refuse
    it; created again with another password, both take the new one. Many keep-alive sends so
    that both workers serve some, each holding its own view of the account."""
    url = two_workers
    admin = MockAdmin(url)
    try:
        admin.create_account("acme", "s3cret!", headers=["ACME"], credit=10_000)
        assert _blast(url, 100) == Counter({"1": 100})
        admin.delete_account("acme")
        assert _blast(url, 100) == Counter({"3": 100})
        admin.create_account(
            "acme", "other", headers=["ACME"], credit=10_000, lockout_threshold=1000
        )
        assert _blast(url, 100) == Counter({"3": 100})
        assert _blast(url, 100, Password="other") == Counter({"1": 100})
        with pytest.raises(MockAdminError) as conflict:
            admin.create_account("acme", "x")
        assert conflict.value.status == 409
    finally:
        admin.close()


@pytest.fixture
def ismart_mock_accounts() -> list[dict[str, Any]]:
    """The fixture-level way to declare accounts: override ``ismart_mock_accounts`` (here for
    this module) and ``ismart_mock`` creates them after each reset."""
    return [ACME]


def test_the_fixture_creates_declared_accounts(ismart_mock: MockAdmin) -> None:
    assert acme_send(ismart_mock.url) == "1"
    assert ismart_mock.account("acme")["configured"] is False


@pytest.mark.ismart_accounts({"user_id": "beta", "password": "b3ta", "headers": ["BETA"]})
def test_a_marker_declares_accounts_for_one_test(ismart_mock: MockAdmin) -> None:
    data = {**SAMPLE, "UserId": "beta", "Password": "b3ta", "Header": "BETA"}
    assert requests.post(ismart_mock.send_url, data=data, timeout=10).text == "1"
    assert acme_send(ismart_mock.url) == "1"  # the module's declaration holds too


def test_declared_accounts_start_fresh_in_every_test(ismart_mock: MockAdmin) -> None:
    """The reset before each test removes what the last one created and spent; the fixture
    creates the declared accounts again, with their credit whole."""
    assert ismart_mock.account("acme")["credit"] == 3
    with pytest.raises(MockAdminError):
        ismart_mock.account("beta")
