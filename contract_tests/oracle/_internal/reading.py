"""What the oracle knows about an account, a fault it finds, and the reading of one request
that the checks share."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from ismart_sms_kit.contract_tests.oracle._internal.request import Request


@dataclass(frozen=True)
class AccountFacts:
    """What the kit knows about one account: enough to predict every account-dependent code."""

    user_id: str
    password: str
    headers: frozenset[str]
    company_exists: bool = True
    web_service: bool = True
    status: Literal["active", "inactive", "blocked"] = "active"
    expired: bool = False
    http_get: bool = True
    credit_expired: bool = False
    credit: int | None = None
    """None: plenty (the oracle never predicts 4)."""
    ip_allowed: bool = True
    outside_oman: bool = False
    """An account for clients inside Oman only, used from outside (21)."""
    api_expired: bool = False
    """The account's SMS API subscription has ended (25)."""
    fails_inside: bool = False
    """The gateway fails on this account's sends: 11 (Un Known Error) where 1 was due."""
    default_sender: str | None = None
    """The header a message without one goes out under (None: not known to the kit)."""

    def with_headers(self, *headers: str) -> AccountFacts:
        return replace(self, headers=frozenset(headers))


@dataclass(frozen=True)
class Fault:
    step: str
    code: int
    reason: str
    assumptions: tuple[str, ...] = ()


@dataclass
class _Reading:
    request: Request
    account: AccountFacts | None
    assumptions: list[str] = field(default_factory=list)
    interface: str = "form"
    """The interface the request goes through (``oracle/_internal/interfaces.py``)."""

    def rely(self, *ids: str) -> None:
        for i in ids:
            if i not in self.assumptions:
                self.assumptions.append(i)
