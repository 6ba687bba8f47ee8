"""The ``ismart_mock`` pytest fixture: a real emulator on a free loopback port.

Installed with the package (entry point ``pytest11``), so any test can ask for it::

    def test_otp_is_sent(ismart_mock):
        ismart_mock.add_rule(match={"mobile": "96899000001"}, action={"code": 4})
        my_app.send_otp(url=ismart_mock.send_url, ...)
        assert "123456" in ismart_mock.latest("96899123456")["text"]

One server per test session (it starts in a few tens of milliseconds); every test gets it back
in its start state (accounts, rules from the config, no messages). To start it with other
accounts or rules, override the session-scoped ``ismart_mock_config`` fixture in a conftest.py
and return a :class:`mock_server.config.Config` (e.g. ``load_file("accounts.yaml")``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from starlette.applications import Starlette

from client.protocol import LEGACY_SEND_PATH, SEND_PATH
from mock_server.app import create_app
from mock_server.config import Config
from mock_server.server import ServerThread

API = "/_mock/api"


class IsmartMock:
    """A handle on a running emulator, driven through its admin API over real HTTP."""

    def __init__(self, server: ServerThread, app: Starlette) -> None:
        self.server = server
        self.app = app
        self.http = requests.Session()

    @property
    def url(self) -> str:
        """The base URL (``http://127.0.0.1:PORT``); give it to your app as the gateway."""
        return self.server.url

    @property
    def send_url(self) -> str:
        return self.server.url + SEND_PATH

    @property
    def legacy_send_url(self) -> str:
        return self.server.url + LEGACY_SEND_PATH

    def _api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, self.url + API + path, timeout=10, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(
                f"{method} {API}{path} answered {response.status_code}: {response.text}"
            )
        return response.json() if response.content else None

    def add_rule(
        self,
        action: dict[str, Any],
        match: dict[str, Any] | None = None,
        *,
        name: str | None = None,
        times: int | None = None,
        priority: int = 0,
    ) -> int:
        """Add a fault rule (the shape of the YAML rules); returns its id."""
        rule: dict[str, Any] = {"action": action, "match": match or {}, "priority": priority}
        if name is not None:
            rule["name"] = name
        if times is not None:
            rule["times"] = times
        rule_id: int = self._api("POST", "/rules", json=rule)["id"]
        return rule_id

    def remove_rule(self, rule_id: int) -> None:
        self._api("DELETE", f"/rules/{rule_id}")

    def rules(self) -> list[dict[str, Any]]:
        rules: list[dict[str, Any]] = self._api("GET", "/rules")
        return rules

    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        """Captured messages, newest first; filters: to, user, header, contains, since, limit."""
        found: list[dict[str, Any]] = self._api("GET", "/messages", params=filters)
        return found

    def latest(self, to: str) -> dict[str, Any] | None:
        """The last message to a number, or None."""
        found = self.messages(to=to, limit=1)
        return found[0] if found else None

    def requests(self, limit: int = 100) -> list[dict[str, Any]]:
        """The journal: every request with its code and what decided it, newest first."""
        entries: list[dict[str, Any]] = self._api("GET", "/requests", params={"limit": limit})
        return entries

    def account(self, user_id: str) -> dict[str, Any]:
        account: dict[str, Any] = self._api("GET", f"/accounts/{user_id}")
        return account

    def patch_account(self, user_id: str, **fields: Any) -> dict[str, Any]:
        account: dict[str, Any] = self._api("PATCH", f"/accounts/{user_id}", json=fields)
        return account

    def reset(self) -> None:
        """Back to the start state: accounts, configured rules, no messages, no journal."""
        self._api("POST", "/reset")


@pytest.fixture(scope="session")
def ismart_mock_config() -> Config:
    """The emulator's configuration: the embedded demo defaults. Override to change it."""
    return Config(seed=0)


@pytest.fixture(scope="session")
def _ismart_mock_session(ismart_mock_config: Config) -> Iterator[IsmartMock]:
    app = create_app(ismart_mock_config)
    with ServerThread(app) as server:
        mock = IsmartMock(server, app)
        yield mock
        mock.http.close()


@pytest.fixture
def ismart_mock(_ismart_mock_session: IsmartMock) -> IsmartMock:
    """A running emulator in its start state; see :class:`IsmartMock`."""
    _ismart_mock_session.reset()
    return _ismart_mock_session
