"""The guard between the kit and any target that is not an emulator it can inspect.

Against such a target (the live gateway, by default) every request must be *undeliverable* by
construction, whatever the gateway's undocumented choices: the guard accepts a request only when
it carries a **delivery-proof fault** (below) that the oracle also says is refused. The faults
whose effect depends on one of the README's decisions (a 10-digit number, Lang=1, an
unregistered header, a bad PushDateTime, one bad number among good ones, ...) do not count: a
gateway that decided otherwise would deliver. Delivery-proof faults:

* ``nonexistent-user``: a user id the kit made up (``ctnouser...``) or an empty one: nothing can
  authenticate, so nothing can be sent or charged;
* ``missing-<field>``: UserId, Password, MobileNo or Message absent;
* ``no-number``: every comma-separated MobileNo item has fewer than 4 digits, so no reading of
  the field yields a phone number (``MobileNo=1`` is the field's known free credential test);
* ``empty-message``: ``Message`` present and empty (code 5 in the spec's table).

And, whatever the faults: a request with the real user id must carry the real password (a wrong
one counts towards the lockout, code 12), must not use GET (the password would sit in a URL),
and names may not be repeated (the gateway would join them). A request without a
delivery-proof fault passes only with ``--ismart-allow-delivery``: the real credentials, exactly
one number, the ``--ismart-test-number``, within ``--ismart-max-sends``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ismart_sms_kit.contract_tests.accounts import Credentials, is_nonexistent_user_id
from ismart_sms_kit.contract_tests.oracle import Oracle, Request, split_numbers

ESSENTIAL_FIELDS: Final = ("UserId", "Password", "MobileNo", "Message")
MIN_DIGITS_OF_A_NUMBER: Final = 4


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


class Guard:
    """Decides whether a request may go to a live-safe target; says why (or raises)."""

    def __init__(self, real: Credentials, oracle: Oracle, budget: DeliveryBudget) -> None:
        self.real = real
        self.oracle = oracle
        self.budget = budget
        self.refused = 0

    def _refuse(self, request: Request, why: str) -> UnsafeRequest:
        self.refused += 1
        shown = {k: ("***" if k.lower() == "password" else v) for k, v in request.params}
        return UnsafeRequest(f"the live-safety guard refused to send {shown}: {why}")

    def check(self, request: Request) -> str:
        names = [k.lower() for k, _ in request.params]
        if len(set(names)) != len(names):
            raise self._refuse(request, "a parameter name is repeated")
        user_id = request.get("UserId")
        if user_id == self.real.user_id:
            if request.get("Password") != self.real.password:
                raise self._refuse(
                    request, "a wrong password with the real user id counts towards the lockout"
                )
            if request.method != "POST":
                raise self._refuse(request, "the real password may only travel in a POST body")
        faults = delivery_proof_faults(request, self.real.user_id)
        verdict = self.oracle.expect(request)
        if faults:
            if verdict.accepted:
                raise self._refuse(request, f"the oracle expects 1 despite {faults}")
            return "deliberate fault: " + ", ".join(faults)
        return self._delivery(request, verdict.explain())

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
