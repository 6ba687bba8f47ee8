"""What the kit knows about the accounts it sends with.

Against an emulator: the demo accounts, transcribed from the table of docs/emulator.md (not
imported from ``mock_server``, so that the emulator's own defaults are under test too).
Against any other target: the one account the user names (``ISMART_USER_ID``, ``ISMART_PASSWORD``,
``ISMART_HEADER``), assumed active with plenty of credit and only that header registered.
Wrong credentials always use a user id that cannot exist (:func:`nonexistent_user_id`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Final

from ismart_sms_kit.contract_tests.oracle import AccountFacts

NONEXISTENT_PREFIX: Final = "ctnouser"
"""Every user id the kit makes up starts with this; the live guard relies on it."""

DEMO_MAIN: Final = "demo"
"""The emulator account the suite sends with (headers DEMO, AnyHeader, OTP, Go-Watt)."""
DEMO_SAMPLE: Final = "ismartsms"
"""The vendor's sample account (header AnyHeader only); replays send as this account."""


@dataclass(frozen=True)
class Credentials:
    user_id: str
    password: str
    header: str
    """A header registered for the account."""

    def __repr__(self) -> str:  # never show the password
        return f"Credentials(user_id={self.user_id!r}, password='***', header={self.header!r})"


def nonexistent_user_id(token: str | None = None) -> str:
    """A user id that no gateway has: the kit's prefix and 12 random hex digits (or ``token``)."""
    return NONEXISTENT_PREFIX + (token if token is not None else secrets.token_hex(6))


def is_nonexistent_user_id(user_id: str) -> bool:
    return user_id.startswith(NONEXISTENT_PREFIX) and len(user_id) > len(NONEXISTENT_PREFIX)


SENTINEL_HEADER_PREFIX: Final = "CTnoHdr"
"""Every header the kit makes up starts with this (and 4 hex digits: 11 characters in all, so
that only its registration, not its length, is in question)."""


def sentinel_header(token: str | None = None) -> str:
    """A header no account has registered: the kit's prefix and 4 random hex digits."""
    return SENTINEL_HEADER_PREFIX + (token if token is not None else secrets.token_hex(2))


def is_sentinel_header(header: str) -> bool:
    return header.startswith(SENTINEL_HEADER_PREFIX) and len(header) > len(SENTINEL_HEADER_PREFIX)


def _demo(
    user_id: str, headers: tuple[str, ...] = ("AnyHeader", "DEMO"), **facts: Any
) -> AccountFacts:
    return AccountFacts(
        user_id=user_id,
        password=user_id,
        headers=frozenset(headers),
        default_sender=headers[0],  # its first registered header (docs/emulator.md)
        **facts,
    )


DEMO_ACCOUNTS: Final = (
    _demo("ismartsms", headers=("AnyHeader",)),
    _demo("demo", headers=("DEMO", "AnyHeader", "OTP", "Go-Watt")),
    _demo("nocompany", company_exists=False),
    _demo("lowcredit", credit=2),
    _demo("inactive", status="inactive"),
    _demo("broken", fails_inside=True),
    _demo("blocked", status="blocked"),
    _demo("lockme"),
    _demo("expired", expired=True),
    _demo("creditexpired", credit_expired=True),
    _demo("noservice", web_service=False),
    _demo("noget", http_get=False),
    _demo("ipblocked", ip_allowed=False),
    _demo("abroad", outside_oman=True),
    _demo("apiexpired", api_expired=True),
    _demo("nodlr"),
)
"""The "Demo accounts" table of docs/emulator.md: every password equals its user id."""

LOCKME: Final = "lockme"
"""The demo account the lockout tests lock (and put back) on an emulator."""
LOCKME_THRESHOLD: Final = 3
"""Its lockout threshold (docs/emulator.md: "locks (12) at its 3rd wrong password in a row")."""

DEMO_CODES: Final = {
    "ismartsms": 1,
    "demo": 1,
    "nocompany": 2,
    "lowcredit": 1,
    "inactive": 7,
    "broken": 11,
    "blocked": 12,
    "lockme": 1,
    "expired": 13,
    "creditexpired": 14,
    "noservice": 17,
    "noget": 1,
    "ipblocked": 20,
    "abroad": 21,
    "apiexpired": 25,
    "nodlr": 1,
}
"""The table's "a send answers" column, for a valid POST (the oracle must agree)."""


STATE_ACCOUNTS: Final = (
    "nocompany",
    "inactive",
    "broken",
    "blocked",
    "expired",
    "creditexpired",
    "noservice",
    "ipblocked",
    "abroad",
    "apiexpired",
)
"""Demo accounts whose state alone refuses a POST send (faults for the precedence tests)."""


def demo_credentials(user_id: str = DEMO_MAIN) -> Credentials:
    account = next(a for a in DEMO_ACCOUNTS if a.user_id == user_id)
    header = "DEMO" if "DEMO" in account.headers else "AnyHeader"
    return Credentials(user_id, account.password, header)


def live_account(credentials: Credentials) -> AccountFacts:
    """The facts assumed for the user's own account on another target."""
    return AccountFacts(
        user_id=credentials.user_id,
        password=credentials.password,
        headers=frozenset({credentials.header}),
    )
