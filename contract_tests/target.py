"""The target a run talks to, and what it may do there (its capabilities).

* ``started``: an emulator the kit started itself on a free loopback port (the default). Every
  test runs; the admin API resets state and lets tests look inside.
* ``emulator``: ``--ismart-url`` with ``--ismart-emulator``: the user says that the URL is an
  ``ismart-mock`` emulator (a container, a CI service). The kit believes it only once
  ``/_mock/api/health`` has the emulator's shape and names it (:func:`verify_emulator`);
  otherwise the run is refused before anything is sent. Same capabilities as ``started``.

On either kind of emulator the kit works in a scope of its own (``X-Mock-Scope``, a name it
makes up per run): its requests, journal and messages are its own, its resets reset only that
scope, and the accounts it changes (shared by every scope) are put back as they were.
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
SCOPE_HEADER: Final = "X-Mock-Scope"
EMULATOR_SERVICE: Final = "ismart-mock"
EMULATOR_STATUSES: Final = ("ok", "degraded")
"""What the emulator's health says (``degraded``: a rules file failed to reload)."""
"""What ``/_mock/api/health`` names itself (its ``service`` field)."""
HEALTH_FIELDS: Final[dict[str, type | tuple[type, ...]]] = {
    "service": str,
    "status": str,
    "seed": int,
    "messages": int,
    "requests": int,
    "rules": int,
}

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


def verify_emulator(base_url: str, timeout: float = 10.0) -> str | None:
    """Why ``base_url`` is not an ``ismart-mock`` emulator (None: it is one).

    ``GET /_mock/api/health`` must answer 200 with a JSON object of the emulator's shape (the
    fields of :data:`HEALTH_FIELDS`, of those types, booleans not counting as numbers) whose
    ``service`` is ``ismart-mock`` and ``status`` is ``ok`` or ``degraded`` (an emulator
    whose rules file failed to reload: still the emulator). A host that answers 200 to
    anything fails here, before the kit relaxes a single safeguard."""
    url = base_url.rstrip("/") + ADMIN_API + "/health"
    try:
        response = requests.get(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        return f"GET {url} failed: {type(exc).__name__}"
    if response.status_code != 200:
        return f"GET {url} answered HTTP {response.status_code}, not 200"
    try:
        health = response.json()
    except ValueError:
        return f"GET {url} answered {response.text[:40]!r}, not JSON"
    if not isinstance(health, dict):
        return f"GET {url} answered {type(health).__name__}, not a JSON object"
    for name, kind in HEALTH_FIELDS.items():
        value = health.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"GET {url}: field {name!r} is {value!r}, not the emulator's"
    if health["service"] != EMULATOR_SERVICE or health["status"] not in EMULATOR_STATUSES:
        named = f"{health['service']!r} ({health['status']!r})"
        return f"GET {url} names {named}, not an ok {EMULATOR_SERVICE}"
    return None


class Admin:
    """The emulator's admin API, over HTTP (only for ``started`` and ``emulator`` targets).

    Every call carries the run's scope (``X-Mock-Scope``) when it has one: the kit sees and
    resets only its own requests and messages. Accounts are shared by every scope, so the first
    change to an account takes a snapshot of it, and :meth:`restore` puts every changed account
    back as it was (:meth:`reset` does both)."""

    def __init__(self, base_url: str, timeout: float = 10.0, scope: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.scope = scope
        self.http = requests.Session()
        if scope:
            self.http.headers[SCOPE_HEADER] = scope
        self._snapshots: dict[str, dict[str, Any]] = {}
        self._dirty: set[str] = set()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(
            method, self.base_url + ADMIN_API + path, timeout=self.timeout, **kwargs
        )
        if response.status_code >= 400:
            status = f"{response.status_code} {response.text}"
            raise AssertionError(f"{method} {ADMIN_API}{path}: {status}")
        return response.json() if response.content else None

    def reset(self) -> None:
        """The run's scope back to empty, and every account the kit changed as it was."""
        self.restore()
        self._call("POST", "/reset")

    def account(self, user_id: str) -> dict[str, Any]:
        account: dict[str, Any] = self._call("GET", f"/accounts/{user_id}")
        return account

    def accounts(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call("GET", "/accounts")
        return found

    def touch(self, user_id: str) -> None:
        """``user_id`` is about to change (a PATCH, wrong passwords, spent credit): remember
        it as it is (once per run), so that the next :meth:`reset` puts it back."""
        if user_id not in self._snapshots:
            self._snapshots[user_id] = self.account(user_id)
        self._dirty.add(user_id)

    def snapshot_all(self) -> None:
        """Remember every account as the run found it (for :meth:`restore` ``(everything=True)``
        at the end of the run: the kit's sends spend credit)."""
        for account in self.accounts():
            self._snapshots.setdefault(account["user_id"], account)

    def patch_account(self, user_id: str, **fields: Any) -> dict[str, Any]:
        self.touch(user_id)
        account: dict[str, Any] = self._call("PATCH", f"/accounts/{user_id}", json=fields)
        return account

    def create_account(self, fields: dict[str, Any]) -> dict[str, Any]:
        """``POST /accounts``: a new account (removed by :meth:`delete_account`)."""
        account: dict[str, Any] = self._call("POST", "/accounts", json=fields)
        return account

    def delete_account(self, user_id: str) -> None:
        self._call("DELETE", f"/accounts/{user_id}")

    def restore(self, *, everything: bool = False) -> list[str]:
        """Put back every field that differs from its snapshot, for the accounts touched since
        the last reset (``everything``: every account remembered); the accounts restored."""
        restored = []
        names = set(self._snapshots) if everything else self._dirty
        for user_id in sorted(names):
            was = self._snapshots[user_id]
            now = self.account(user_id)
            changed = {k: v for k, v in was.items() if k != "user_id" and now.get(k) != v}
            if changed:
                self._call("PATCH", f"/accounts/{user_id}", json=changed)
                restored.append(user_id)
        self._dirty.clear()
        return restored

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
