"""``MockAdmin``: drive a running ismart-mock emulator through its admin API.

For end-to-end tests in any setup (the emulator in a container, on a CI service port, or the
``ismart_mock`` pytest fixture, which is a ``MockAdmin`` too)::

    admin = MockAdmin("http://127.0.0.1:8080")
    admin.reset()
    my_app.send_otp("96899123456")
    otp = admin.wait_for(to="96899123456", timeout=5)["text"]

Every call is one HTTP request; an answer of 400 or more raises :class:`MockAdminError`.

Waits see what was sent in the handle's *window*: the messages since the handle was made, its
last :meth:`~MockAdmin.reset` or its last :meth:`~MockAdmin.mark`, so "the app sends, then the
test waits" works in that natural order (as with Mailpit or moto, where a test reads what was
sent). Each wait answers the oldest matching message of the window; before asking the app for a
second message to the same number, take a :meth:`~MockAdmin.mark`. ``wait_for(after="now")``
waits only for a message that arrives from then on; ``after=ID`` for one newer than message ID.

On a shared emulator give each test run its own scope: ``MockAdmin(url, scope="run-42")``
sends ``X-Mock-Scope: run-42`` with every admin call, so it sees and resets only that scope's
messages, journal and run-time rules; send the gateway requests of that run with the same
header (``admin.scope_headers``) or from an account bound to the scope. ``token=`` is the
emulator's ``--admin-token``.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

import requests

from ismart_sms_kit.protocol.spec import LEGACY_SEND_PATH, SEND_PATH

API = "/_mock/api"


class MockAdminError(AssertionError):
    """The admin API refused a call (an AssertionError, so a test shows it as a failure)."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {API}{path} answered {status}: {body}")
        self.status = status
        self.body = body


SCOPE_HEADER = "X-Mock-Scope"


class MockAdmin:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        scope: str | None = None,
        token: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.scope = scope
        self._token = token
        self.http = requests.Session()
        self.http.headers.update(self.scope_headers)
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"
        try:  # the window of waits starts now (an emulator not up yet has nothing older)
            self._mark = self._newest_id()
        except (requests.RequestException, MockAdminError, ValueError):
            self._mark = 0

    def __repr__(self) -> str:
        scope = f", scope={self.scope!r}" if self.scope else ""
        return f"{type(self).__name__}({self.base_url!r}{scope})"

    @property
    def scope_headers(self) -> dict[str, str]:
        """The header that puts a gateway request in this handle's scope (empty: unscoped)."""
        return {SCOPE_HEADER: self.scope} if self.scope else {}

    def scoped(self, scope: str) -> MockAdmin:
        """Another handle on the same emulator, limited to ``scope``."""
        return MockAdmin(self.base_url, timeout=self.timeout, scope=scope, token=self._token)

    @property
    def url(self) -> str:
        """The base URL (``http://127.0.0.1:PORT``); give it to your app as the gateway."""
        return self.base_url

    @property
    def send_url(self) -> str:
        return self.base_url + SEND_PATH

    @property
    def legacy_send_url(self) -> str:
        return self.base_url + LEGACY_SEND_PATH

    def _api(self, method: str, path: str, *, timeout: float | None = None, **kwargs: Any) -> Any:
        response = self.http.request(
            method, self.base_url + API + path, timeout=timeout or self.timeout, **kwargs
        )
        if response.status_code >= 400:
            raise MockAdminError(method, path, response.status_code, response.text)
        return response.json() if response.content else None

    # rules -------------------------------------------------------------------------------------
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

    # messages and journal ----------------------------------------------------------------------
    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        """Captured messages, newest first; filters: to, user, header, contains, since, limit."""
        found: list[dict[str, Any]] = self._api("GET", "/messages", params=filters)
        return found

    def latest(self, to: str) -> dict[str, Any] | None:
        """The last message to a number, or None."""
        found = self.messages(to=to, limit=1)
        return found[0] if found else None

    def _newest_id(self) -> int:
        """The id of the newest message this handle can see (0: none); ids only grow."""
        newest: list[dict[str, Any]] = self._api("GET", "/messages", params={"limit": 1})
        return int(newest[0]["id"]) if newest else 0

    def mark(self) -> int:
        """Start the window of later waits now: they see only messages sent from now on (until
        the next mark or reset). Returns the mark, a message id usable as ``after=``."""
        self._mark = self._newest_id()
        return self._mark

    def wait_for(
        self,
        *,
        to: str | None = None,
        contains: str | None = None,
        user: str | None = None,
        header: str | None = None,
        after: int | Literal["now"] | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """The oldest matching message sent since this handle was made, its last reset or
        mark, waiting up to ``timeout`` s for one; :class:`TimeoutError` if none comes.

        ``after="now"``: only a message that arrives from this call on; ``after=ID``: only
        one newer than message ID (``after=0``: any message the emulator keeps)."""
        if after == "now":
            after = self._newest_id()
        elif after is None:
            after = self._mark
        elif isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise ValueError(f'after={after!r}: give a message id, "now" or None')
        params: dict[str, Any] = {"timeout_ms": int(timeout * 1000), "after": after}
        for name, value in (("to", to), ("contains", contains), ("user", user), ("header", header)):
            if value is not None:
                params[name] = value
        response = self.http.get(
            self.base_url + API + "/messages/wait", params=params, timeout=timeout + self.timeout
        )
        if response.status_code == 408:
            raise TimeoutError(f"no message matching {params} arrived within {timeout} s")
        if response.status_code >= 400:
            raise MockAdminError("GET", "/messages/wait", response.status_code, response.text)
        message: dict[str, Any] = response.json()
        return message

    def delete_message(self, message_id: int) -> None:
        """Forget one message (404, a :class:`MockAdminError`, when this handle cannot see it)."""
        self._api("DELETE", f"/messages/{message_id}")

    def requests(self, limit: int = 100, *, rejected: bool = False) -> list[dict[str, Any]]:
        """The journal: every request with its code and what decided it, newest first
        (``rejected=True``: only the answers other than 1)."""
        params: dict[str, Any] = {"limit": limit}
        if rejected:
            params["rejected"] = "true"
        entries: list[dict[str, Any]] = self._api("GET", "/requests", params=params)
        return entries

    def set_delivery(self, message_id: int, status: str) -> dict[str, Any]:
        """Fix a message's delivery state (``delivered`` or ``failed``)."""
        message: dict[str, Any] = self._api(
            "PATCH", f"/messages/{message_id}", json={"status": status}
        )
        return message

    # accounts and state ------------------------------------------------------------------------
    def account(self, user_id: str) -> dict[str, Any]:
        account: dict[str, Any] = self._api("GET", f"/accounts/{quote(user_id, safe='')}")
        return account

    def patch_account(self, user_id: str, **fields: Any) -> dict[str, Any]:
        account: dict[str, Any] = self._api(
            "PATCH", f"/accounts/{quote(user_id, safe='')}", json=fields
        )
        return account

    def accounts(self) -> list[dict[str, Any]]:
        """Every account (never a password), each with ``configured``: from the configuration
        (a reset restores it) or created at run time (a reset removes it)."""
        accounts: list[dict[str, Any]] = self._api("GET", "/accounts")
        return accounts

    def create_account(self, user_id: str, password: str, **fields: Any) -> dict[str, Any]:
        """Create an account with the config file's fields (``headers``, ``credit``,
        ``http_get``, ``allowed_ips``, ``scope``, ...); :class:`MockAdminError` with status 409
        if the user id exists. A reset removes it."""
        body = {"user_id": user_id, "password": password, **fields}
        account: dict[str, Any] = self._api("POST", "/accounts", json=body)
        return account

    def replace_account(self, user_id: str, **fields: Any) -> dict[str, Any]:
        """Define the account anew (PUT): fields not given take their defaults; without
        ``password`` the current one is kept. Creates it if absent."""
        account: dict[str, Any] = self._api(
            "PUT", f"/accounts/{quote(user_id, safe='')}", json=fields
        )
        return account

    def delete_account(self, user_id: str) -> None:
        self._api("DELETE", f"/accounts/{quote(user_id, safe='')}")

    def reset(self) -> None:
        """Back to the start state: accounts, configured rules, no messages, no journal
        (with a scope: only that scope's messages, journal and run-time rules). Later waits
        see every message sent after it."""
        self._api("POST", "/reset")
        self._mark = 0  # what the reset left belongs to other scopes, which this handle
        # does not see when it has a scope; without one, nothing is left

    def close(self) -> None:
        self.http.close()
