"""What a contract test holds: one target, its sender, the oracle, and the comparison.

A test builds request values (from ``ismart_sms_kit.contract_tests.strategies``) on top of
:meth:`Contract.base`
and calls :meth:`Contract.check`, which

1. on a live-safe target, adds a *sentinel* fault when the request has no delivery-proof fault
   of its own, on a field the test is not about, as late in the validation order as possible
   (so the field under test is still judged before it when the order allows);
2. asks the oracle for the expected answer;
3. sends through the kit's transport (cap, guard, pace, recording);
4. fails with the oracle's reasoning when the target's answer differs.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from ismart_sms_kit.contract_tests.accounts import (
    DEMO_ACCOUNTS,
    STATE_ACCOUNTS,
    nonexistent_user_id,
)
from ismart_sms_kit.contract_tests.oracle import ACCOUNT_STEPS, Oracle, Request, Verdict
from ismart_sms_kit.contract_tests.safety import DeliveryBudget, delivery_proof_faults
from ismart_sms_kit.contract_tests.strategies import Changes, FaultKind, fault_kinds
from ismart_sms_kit.contract_tests.target import Target
from ismart_sms_kit.contract_tests.transport import Exchange, RequestCapReached, Sender

BASE_NUMBER = "96891234567"
BASE_MESSAGE = "Contract test"

Params = dict[str, str]


@dataclass
class Mismatch:
    test: str
    expected: Verdict
    exchange: Exchange


class Contract:
    """Not a dataclass on purpose: Hypothesis prints a failing example's arguments, and it
    pretty-prints dataclasses field by field (the whole run state)."""

    def __init__(
        self, target: Target, sender: Sender, oracle: Oracle, budget: DeliveryBudget
    ) -> None:
        self.target = target
        self.sender = sender
        self.oracle = oracle
        self.budget = budget
        self.mismatches: list[Mismatch] = []
        self._counters: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"Contract({self.target.describe()})"

    # --- building requests -------------------------------------------------------------------

    def base(self, **changes: str | None) -> Params:
        """A request the oracle accepts for the target's main account, with ``changes``
        (None removes a field)."""
        creds = self.target.credentials
        params: Params = {
            "UserId": creds.user_id,
            "Password": creds.password,
            "MobileNo": BASE_NUMBER,
            "Message": BASE_MESSAGE,
            "Lang": "0",
            "Header": creds.header,
            "referenceIds": "101",
        }
        return apply(params, changes)

    def fault_kinds(self) -> list[FaultKind]:
        demo: list[tuple[str, str]] = []
        if self.target.capabilities.demo_accounts:
            demo = [(a.user_id, a.password) for a in DEMO_ACCOUNTS if a.user_id in STATE_ACCOUNTS]
        main = self.oracle.accounts[self.target.credentials.user_id]
        return fault_kinds(registered_headers=main.headers, demo_accounts=demo)

    def prepare(self, params: Mapping[str, str], *, subject: Iterable[str] = ()) -> Params:
        """``params``, made safe for a live-safe target: a wrong (or missing) password goes
        with a made-up user id, never the real one, and a sentinel fault is added when the
        request has no delivery-proof fault of its own."""
        prepared = dict(params)
        if not self.target.capabilities.live_safe:
            return prepared
        real = self.target.credentials
        if prepared.get("UserId") == real.user_id and prepared.get("Password") != real.password:
            prepared["UserId"] = nonexistent_user_id()  # never a wrong password for the real id
        request = Request.of(prepared)
        if delivery_proof_faults(request, self.target.credentials.user_id):
            return prepared
        about = set(subject) | changed_fields(self.base(), prepared)
        candidates: list[tuple[str, Changes]] = [
            ("message_blank", {"Message": ""}),
            ("mobile", {"MobileNo": "1"}),
            (
                self._first_account_step(),
                {"UserId": nonexistent_user_id(), "Password": secrets.token_hex(4)},
            ),
        ]
        usable = [(s, c) for s, c in candidates if not set(c) & about] or candidates[-1:]
        _, changes = max(usable, key=lambda sc: self.oracle.order.index(sc[0]))
        return apply(prepared, changes)

    def _first_account_step(self) -> str:
        return next(s for s in self.oracle.order if s in ACCOUNT_STEPS)

    # --- sending and judging ------------------------------------------------------------------

    def case_id(self) -> str:
        test = os.environ.get("PYTEST_CURRENT_TEST", "outside-a-test").rsplit(" ", 1)[0]
        self._counters[test] = self._counters.get(test, 0) + 1
        return f"{test}#{self._counters[test]}"

    def send(self, request: Request, verdict: Verdict | None = None) -> Exchange:
        try:
            return self.sender.send(request, case=self.case_id(), verdict=verdict)
        except RequestCapReached as exc:
            pytest.skip(str(exc))

    def check(
        self,
        params: Mapping[str, str],
        *,
        subject: Iterable[str] = (),
        method: str = "POST",
        oracle: Oracle | None = None,
        code: int | None = None,
    ) -> tuple[Verdict, Exchange]:
        """Send ``params`` (made live-safe when needed) and assert the oracle's answer.

        ``code``: what the test means the case to be; asserted against the oracle on the
        request as the test built it (before any sentinel), so a strategy that drifts from
        its purpose fails the test instead of silently testing something else."""
        judge = oracle or self.oracle
        if code is not None:
            intended = judge.expect(Request.of(params, method))
            assert intended.code == code, f"not the case the test means: {intended.explain()}"
        request = Request.of(self.prepare(params, subject=subject), method)
        return self.judge(request, judge.expect(request))

    def judge(self, request: Request, verdict: Verdict) -> tuple[Verdict, Exchange]:
        """Send ``request`` as it is and assert the target answers ``verdict``'s code."""
        exchange = self.send(request, verdict)
        if not exchange.answered(verdict.code):
            test = os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" ", 1)[0]
            self.mismatches.append(Mismatch(test, verdict, exchange))
            raise AssertionError(describe_mismatch(verdict, exchange))
        return verdict, exchange

    def stored(self) -> list[dict[str, Any]] | None:
        """The messages the emulator stored for the last request, oldest first (None: no admin
        API on this target)."""
        admin = self.target.admin
        if admin is None:
            return None
        entries = admin.journal(limit=1)
        ids = set(entries[0]["messages"]) if entries else set()
        if not ids:
            return []
        return sorted(
            (m for m in admin.messages(limit=len(ids)) if m["id"] in ids), key=lambda m: m["id"]
        )

    @property
    def live_safe(self) -> bool:
        return self.target.capabilities.live_safe

    def deliver(self, params: Mapping[str, str]) -> tuple[Verdict, Exchange]:
        """Send a request the oracle accepts: freely to an emulator; to a live target only with
        ``--ismart-allow-delivery``, to the test number, within ``--ismart-max-sends``."""
        prepared = dict(params)
        if self.target.capabilities.live_safe:
            if not self.budget.allowed:
                pytest.skip("delivery is not allowed (--ismart-allow-delivery)")
            if self.budget.remaining <= 0:
                pytest.skip(f"the --ismart-max-sends budget ({self.budget.max_sends}) is used")
            prepared["MobileNo"] = self.budget.test_number or ""
        request = Request.of(prepared)
        verdict = self.oracle.expect(request)
        assert verdict.accepted, f"not a deliverable request: {verdict.explain()}"
        return self.judge(request, verdict)  # no sentinel: this one is meant to be delivered


def apply(params: Mapping[str, str], changes: Mapping[str, str | None]) -> Params:
    out = dict(params)
    for name, value in changes.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def changed_fields(base: Mapping[str, str], params: Mapping[str, str]) -> set[str]:
    names = set(base) | set(params)
    return {n for n in names if base.get(n) != params.get(n)}


def describe_mismatch(verdict: Verdict, exchange: Exchange) -> str:
    shown = {k: ("***" if k.lower() == "password" and v else v) for k, v in exchange.request.params}
    return (
        f"the target answered {exchange.code_text}, the contract says {verdict.code!r}\n"
        f"  oracle: {verdict.explain()}\n"
        f"  request ({exchange.request.method}): {shown}"
    )
