"""The guard between the kit and any target that is not an emulator it can inspect.

Against such a target (the live gateway, by default) every request must be *undeliverable* by
construction, whatever the gateway's undocumented choices: the guard accepts a request only when
it carries a **delivery-proof fault** (below) that the oracle also says is refused. The faults
whose effect depends on a documented decision (docs/decisions.md: a 10-digit number, Lang=1,
an unregistered header, a bad PushDateTime, one bad number among good ones, ...) do not count
alone: a gateway that decided otherwise would deliver. Delivery-proof faults:

* ``nonexistent-user``: a user id the kit made up (``ctnouser...``) or an empty one: nothing can
  authenticate, so nothing can be sent or charged;
* ``missing-<field>``: UserId, Password, MobileNo or Message absent;
* ``no-number``: every comma-separated MobileNo item has fewer than 4 digits, so no reading of
  the field yields a phone number (``MobileNo=1`` is the field's known free credential test);
* ``empty-message``: ``Message`` present and empty (code 5 in the spec's table).

A request without one of those may still go when it carries the **late sentinel**: a header the
kit made up (``CTnoHdr`` + 4 hex digits, which no account registers: 19, the latest check of
the documented order a request can fail without an account state) *and* only numbers that no
subscriber holds (:func:`unassigned`: Oman numbers never start with 0 after the country code).
Two safeguards that must both fail before anything could be sent, and even then to nobody. It
lets Lang, length and segmenting, PushDateTime and header rules be judged live, with nothing
delivered.

And, whatever the faults: a request with the real user id must carry the real password (a wrong
one counts towards the lockout, code 12) and must not use GET (the password would sit in a
URL); UserId and Password may not be repeated. Another repeated name is judged under every
reading a gateway could make of it (ASP.NET's values joined with ``,``, the first value, the
last value): each reading must be undeliverable. A request without a delivery-proof fault or
the late sentinel passes only with ``--ismart-allow-delivery``: the real credentials, exactly
one number, the ``--ismart-test-number``, within ``--ismart-max-sends``.

The one exception to "wrong passwords only with made-up user ids": the spare account the user
consents to lock (``--ismart-allow-lockout USER_ID``, never the real one) may get wrong
passwords, at most ``--ismart-max-wrong-passwords`` of them, each with a delivery-proof fault
under every reading (the lockout test sends ``MobileNo=1``), since the kit does not know that
account's password and a guess could be right.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

from ismart_sms_kit.contract_tests.accounts import (
    Credentials,
    is_nonexistent_user_id,
    is_sentinel_header,
)
from ismart_sms_kit.contract_tests.oracle import Oracle, Request, split_numbers

ESSENTIAL_FIELDS: Final = ("UserId", "Password", "MobileNo", "Message")
CREDENTIAL_FIELDS: Final = ("userid", "password")
MIN_DIGITS_OF_A_NUMBER: Final = 4
UNASSIGNED_PREFIX: Final = "9680"
"""Oman (968) numbers whose subscriber part starts with 0: no subscriber holds one (mobile
numbers start with 7 or 9, fixed lines with 2)."""
UNASSIGNED_SAMPLE: Final = "96800123456"
"""The number a live-safe run sends to by default (not the emulator's magic 968000000NN)."""


def digits_of(text: str) -> str:
    """The decimal digits of ``text`` in ASCII, whatever their script (a lenient gateway could
    read Arabic-Indic or full-width digits too)."""
    out = []
    for ch in text:
        value = unicodedata.decimal(ch, None)
        if value is not None:
            out.append(str(value))
    return "".join(out)


def unassigned(item: str) -> bool:
    """No reading of this MobileNo item reaches a subscriber: fewer than 4 digits, or, digits
    only (an international prefix ``00`` dropped), an Oman number starting with 0, or a local
    number of at most 8 digits starting with 0 (a gateway adding 968 to it gets the same)."""
    digits = digits_of(item)
    if len(digits) < MIN_DIGITS_OF_A_NUMBER:
        return True
    international = digits[2:] if digits.startswith("00") else digits
    if international.startswith(UNASSIGNED_PREFIX):
        return True
    return len(digits) <= 8 and digits.startswith("0") and not digits.startswith("00")


def readings(request: Request) -> list[Request]:
    """The ways a gateway could read ``request``: ASP.NET's (a repeated name is its values
    joined with ``,``; the oracle's :meth:`Request.get`), and, when a name is repeated, with
    only its first or only its last value."""
    names = [k.lower() for k, _ in request.params]
    if len(set(names)) == len(names):
        return [request]
    first: dict[str, tuple[str, str]] = {}
    last: dict[str, tuple[str, str]] = {}
    for name, value in request.params:
        first.setdefault(name.lower(), (name, value))
        last[name.lower()] = (name, value)
    return [
        request,
        Request(tuple(first.values()), request.method),
        Request(tuple(last.values()), request.method),
    ]


def late_sentinel(request: Request) -> bool:
    """The header is one the kit made up and every number is :func:`unassigned`."""
    header = request.get("Header")
    mobile = request.get("MobileNo")
    if header is None or not is_sentinel_header(header) or mobile is None:
        return False
    return all(unassigned(item) for item in mobile.split(","))


class UnsafeRequest(AssertionError):
    """The kit was about to send a request the guard cannot prove undeliverable (a bug in a
    test or in the kit: the run fails, and nothing is sent)."""


def delivery_proof_faults(request: Request, real_user_id: str | None = None) -> list[str]:
    """The faults of ``request`` that make delivery impossible under any reading of the spec."""
    faults = [f"missing-{name}" for name in ESSENTIAL_FIELDS if not request.has(name)]
    user_id = request.get("UserId")
    if (
        user_id is not None
        and user_id != real_user_id
        and (user_id == "" or is_nonexistent_user_id(user_id))
    ):
        faults.append("nonexistent-user")
    mobile = request.get("MobileNo")
    if mobile is not None and all(
        sum(ch.isdigit() for ch in item) < MIN_DIGITS_OF_A_NUMBER for item in mobile.split(",")
    ):
        faults.append("no-number")
    if request.get("Message") == "":
        faults.append("empty-message")
    return faults


@dataclass
class DeliveryBudget:
    """Fault-free sends allowed to the test number (``--ismart-allow-delivery``)."""

    allowed: bool = False
    test_number: str | None = None
    max_sends: int = 0
    used: int = 0

    @property
    def remaining(self) -> int:
        return max(self.max_sends - self.used, 0) if self.allowed else 0


@dataclass
class LockoutConsent:
    """Wrong passwords allowed to the spare account the user consents to lock
    (``--ismart-allow-lockout``); what the lockout test saw there."""

    user_id: str | None = None
    max_wrong: int = 0
    used: int = 0
    locked_after: int | None = None
    """The wrong password (1-based) that the account first answered 12 to."""

    @property
    def remaining(self) -> int:
        return max(self.max_wrong - self.used, 0) if self.user_id else 0


class Guard:
    """Decides whether a request may go to a live-safe target; says why (or raises)."""

    def __init__(
        self,
        real: Credentials,
        oracle: Oracle,
        budget: DeliveryBudget,
        lockout: LockoutConsent | None = None,
    ) -> None:
        self.real = real
        self.oracle = oracle
        self.budget = budget
        self.lockout = lockout or LockoutConsent()
        self.refused = 0

    def _refuse(self, request: Request, why: str) -> UnsafeRequest:
        self.refused += 1
        return UnsafeRequest(f"the live-safety guard refused to send {request.shown()}: {why}")

    def check(self, request: Request) -> str:
        names = [k.lower() for k, _ in request.params]
        if any(names.count(n) > 1 for n in CREDENTIAL_FIELDS):
            raise self._refuse(request, "UserId or Password is repeated")
        user_id = request.get("UserId")
        if user_id == self.real.user_id:
            if request.get("Password") != self.real.password:
                raise self._refuse(
                    request, "a wrong password with the real user id counts towards the lockout"
                )
            if request.method != "POST":
                raise self._refuse(request, "the real password may only travel in a POST body")
        each = [delivery_proof_faults(r, self.real.user_id) for r in readings(request)]
        if self.lockout.user_id is not None and user_id == self.lockout.user_id:
            return self._wrong_password(request, each)
        verdict = self.oracle.expect(request)
        if all(each) or all(late_sentinel(r) for r in readings(request)):
            if verdict.accepted:
                raise self._refuse(request, f"the oracle expects 1 despite {each[0]}")
            if all(each):
                return "deliberate fault: " + ", ".join(each[0])
            return "late sentinel: a made-up header and unassigned numbers only"
        if len(each) > 1 and each[0]:
            raise self._refuse(
                request, "a repeated name: another reading of it has no delivery-proof fault"
            )
        return self._delivery(request, verdict.explain())

    def _wrong_password(self, request: Request, faults: list[list[str]]) -> str:
        lockout = self.lockout
        if request.get("Password") == self.real.password:
            raise self._refuse(request, "the real password may not go with another user id")
        if not all(faults):
            raise self._refuse(
                request,
                f"a request with {lockout.user_id} (--ismart-allow-lockout) must carry a "
                "delivery-proof fault: the kit does not know that account's password",
            )
        if lockout.remaining <= 0:
            raise self._refuse(
                request,
                f"the --ismart-max-wrong-passwords budget ({lockout.max_wrong}) is used",
            )
        lockout.used += 1
        return (
            f"wrong password {lockout.used} of {lockout.max_wrong} to {lockout.user_id} "
            f"(--ismart-allow-lockout), with {', '.join(faults[0])}"
        )

    def _delivery(self, request: Request, verdict: str) -> str:
        budget = self.budget
        if not budget.allowed:
            raise self._refuse(
                request,
                "it carries no delivery-proof fault and delivery is not allowed "
                f"(--ismart-allow-delivery); the oracle says: {verdict}",
            )
        numbers = split_numbers(request.get("MobileNo") or "")
        if numbers != [budget.test_number]:
            raise self._refuse(request, f"a send may only go to {budget.test_number}, once")
        if request.get("UserId") != self.real.user_id:
            raise self._refuse(request, "a send must use the real account")
        if budget.remaining <= 0:
            raise self._refuse(
                request, f"the --ismart-max-sends budget ({budget.max_sends}) is used"
            )
        budget.used += 1
        return f"delivery {budget.used} of {budget.max_sends} to {budget.test_number}"
