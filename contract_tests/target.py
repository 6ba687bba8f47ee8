"""The target a run talks to, and what it may do there (its capabilities).

* ``started``: an emulator the kit started itself on a free loopback port (the default). Every
  test runs; the admin API resets state and lets tests look inside.
* ``emulator``: ``--ismart-url`` with ``--ismart-emulator``: the user vouches that the URL is an
  ``ismart-mock`` emulator (a container, a CI service). Same capabilities as ``started``.
* ``external``: any other ``--ismart-url``, the live gateway above all: **live-safe**, so every
  request must pass the guard (``ismart_sms_kit.contract_tests.safety``), tests that need the admin
  API or the
  demo accounts are skipped, and sends are paced and capped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import requests

from ismart_sms_kit.contract_tests.accounts import Credentials
from ismart_sms_kit.contract_tests.oracle import AccountFacts

SEND_PATH: Final = "/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx"
"""The documented endpoint (the vendor specification), added to a base URL."""
LIVE_HOSTS: Final = ("ismartsms.net", "www.ismartsms.net")
ADMIN_API: Final = "/_mock/api"

Kind = Literal["started", "emulator", "external"]


def send_url_for(url: str) -> str:
    """A base URL gets the documented path; a URL that already names an ``.aspx`` is kept."""
    url = url.strip()
    if urlsplit(url).path.lower().endswith(".aspx"):
        return url
    return url.rstrip("/") + SEND_PATH


def base_url_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def is_live_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in LIVE_HOSTS or host.endswith(".ismartsms.net")


@dataclass(frozen=True)
class Capabilities:
    admin: bool
    """The emulator's admin API (reset, accounts, rules, journal) is there."""
    demo_accounts: bool
    """The documented demo accounts exist, with their passwords."""
    live_safe: bool
    """Every request must carry a delivery-proof fault (or fit the delivery budget)."""

    def describe(self) -> str:
        if self.live_safe:
            return "live-safe: every request carries a deliberate fault; no admin API"
        return "full: every test, admin API and demo accounts"


class Admin:
    """The emulator's admin API, over HTTP (only for ``started`` and ``emulator`` targets)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(
            method, self.base_url + ADMIN_API + path, timeout=self.timeout, **kwargs
        )
        if response.status_code >= 400:
            status = f"{response.status_code} {response.text}"
            raise AssertionError(f"{method} {ADMIN_API}{path}: {status}")
        return response.json() if response.content else None

    def reset(self) -> None:
        self._call("POST", "/reset")

    def account(self, user_id: str) -> dict[str, Any]:
        account: dict[str, Any] = self._call("GET", f"/accounts/{user_id}")
        return account

    def patch_account(self, user_id: str, **fields: Any) -> dict[str, Any]:
        account: dict[str, Any] = self._call("PATCH", f"/accounts/{user_id}", json=fields)
        return account

    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call("GET", "/messages", params=filters)
        return found

    def journal(self, limit: int = 100) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self._call("GET", "/requests", params={"limit": limit})
        return entries

    def close(self) -> None:
        self.http.close()


@dataclass
class Target:
    kind: Kind
    send_url: str
    credentials: Credentials
    capabilities: Capabilities
    accounts: tuple[AccountFacts, ...]
    """What the oracle knows about the accounts of this target."""
    admin: Admin | None = None

    @property
    def base_url(self) -> str:
        return base_url_of(self.send_url)

    def describe(self) -> str:
        what = {
            "started": "an emulator started by the kit",
            "emulator": "an emulator (--ismart-emulator)",
            "external": "an external gateway",
        }[self.kind]
        return f"{self.send_url} ({what}; {self.capabilities.describe()})"
