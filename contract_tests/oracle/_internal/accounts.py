"""The account's steps: no such user (3), the password and lockout (3, 12), the account's
state (2, 7, 13, 14, 17, 18, 20, 21, 25) and its credit (4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from ismart_sms_kit.contract_tests.oracle._internal.interfaces import (
    WEB_SERVICE_INTERFACES,
    WEB_SERVICE_NOT_CONFIGURED,
)
from ismart_sms_kit.contract_tests.oracle._internal.length import _length
from ismart_sms_kit.contract_tests.oracle._internal.phones import _recipients
from ismart_sms_kit.contract_tests.oracle._internal.reading import AccountFacts, Fault, _Reading


def _no_account(r: _Reading, step: str) -> Fault:
    return Fault(step, 3, f"no account {r.request.get('UserId')!r}", ("A-UNKNOWN-USER",))


def _account_step(step: str, code: int) -> Callable[[_Reading], Fault | None]:
    def check(r: _Reading) -> Fault | None:
        if r.account is None:
            return _no_account(r, step)
        why = _ACCOUNT_PROBLEMS[step](r.account, r)
        if why and step == "web_service" and r.interface in WEB_SERVICE_INTERFACES:
            return Fault(step, WEB_SERVICE_NOT_CONFIGURED, why, ("A-WEB-SERVICE-18",))
        return Fault(step, code, why) if why else None

    return check


def _check_password(r: _Reading) -> Fault | None:
    if r.account is None:
        return _no_account(r, "password")
    if r.request.get("Password") != r.account.password:
        if r.account.status == "blocked":  # locked: 12 whatever the password (field notes)
            return Fault("password", 12, f"wrong password for {r.account.user_id}, blocked")
        return Fault("password", 3, f"wrong password for {r.account.user_id}")
    return None


def _credit_problem(a: AccountFacts, r: _Reading) -> str | None:
    if a.credit is None:
        return None
    length = _length(r.request)
    cost = (length.parts if length else 0) * max(_recipients(r.request), 1)
    r.rely("A-CREDIT-COST")
    return f"{cost} credits needed, {a.credit} left" if cost > a.credit else None


_ACCOUNT_PROBLEMS: Final[dict[str, Callable[[AccountFacts, _Reading], str | None]]] = {
    "client_ip": lambda a, r: None if a.ip_allowed else "client IP not allowed",
    "oman": lambda a, r: "client IP outside Oman" if a.outside_oman else None,
    "company": lambda a, r: None if a.company_exists else "the company does not exist",
    "web_service": lambda a, r: None if a.web_service else "not a web-service user",
    "blocked": lambda a, r: "account blocked" if a.status == "blocked" else None,
    "inactive": lambda a, r: "account inactive" if a.status == "inactive" else None,
    "account_expired": lambda a, r: "account expired" if a.expired else None,
    "api_expired": lambda a, r: "SMS API subscription expired" if a.api_expired else None,
    "http_get": lambda a, r: (
        "HTTP GET not allowed" if r.request.method == "GET" and not a.http_get else None
    ),
    "credit_expired": lambda a, r: "credit expired" if a.credit_expired else None,
    "credit": _credit_problem,
}
