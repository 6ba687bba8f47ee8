"""Every adjacent pair of the validation order, each tested explicitly: one fault at each step,
the earlier step's code answers (A-ORDER).

Random pairs of faults hit a swap of two neighbours about once in 200 pairs, and never two
faults of the same field (Lang and length): here each pair is built on purpose. The pairs come
from the order the run assumes (``--ismart-order``), so another order is another set of pairs.

Account states live on an account, so pairs that involve one need an emulator: the kit changes
the demo account ``lockme`` through the admin API (and puts it back). Two statuses cannot be
combined on one account (``blocked``, ``inactive``): that pair is left out, said in its skip.
On a live-safe target the pairs of request fields run, with the late sentinel (a made-up
header) or a fault that is itself delivery-proof, so nothing is delivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

import pytest

from ismart_sms_kit.contract_tests.accounts import DEMO_ACCOUNTS, LOCKME, sentinel_header
from ismart_sms_kit.contract_tests.contract import Contract, apply
from ismart_sms_kit.contract_tests.oracle import AccountFacts, Oracle, Request

SCRATCH = LOCKME
"""The demo account the pairs of account states are built on (restored after each test)."""
PAST = datetime(2020, 1, 1, tzinfo=timezone.utc).isoformat()
ELSEWHERE = "203.0.113.0/24"
"""An allow-list that loopback is not on (TEST-NET-3)."""


@dataclass
class StepFault:
    """One fault that fails ``step``: request changes, and for an account state the emulator
    PATCH and the matching facts for the oracle."""

    changes: dict[str, str | None] = field(default_factory=dict)
    patch: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    method: str | None = None


def step_fault(step: str) -> StepFault:
    if step == "request":
        return StepFault(changes={"MobileNo": None})  # a required field absent: 15
    if step == "client_ip":
        return StepFault(patch={"allowed_ips": [ELSEWHERE]}, facts={"ip_allowed": False})
    if step == "oman":
        return StepFault(patch={"oman_only": True}, facts={"outside_oman": True})
    if step == "api_expired":
        return StepFault(patch={"api_expires_at": PAST}, facts={"api_expired": True})
    if step == "company":
        return StepFault(patch={"company": "Closed Company LLC"}, facts={"company_exists": False})
    if step == "web_service":
        return StepFault(patch={"web_service": False}, facts={"web_service": False})
    if step == "password":
        return StepFault(changes={"Password": "not-" + SCRATCH})
    if step in ("blocked", "inactive"):
        return StepFault(patch={"status": step}, facts={"status": step})
    if step == "account_expired":
        return StepFault(patch={"expires_at": PAST}, facts={"expired": True})
    if step == "http_get":
        return StepFault(patch={"http_get": False}, facts={"http_get": False}, method="GET")
    if step == "mobile":
        return StepFault(changes={"MobileNo": "9680012345"})  # 10 digits, held by nobody
    if step == "message_blank":
        return StepFault(changes={"Message": ""})
    if step == "lang":
        return StepFault(changes={"Lang": "7"})
    if step == "length":
        return StepFault(changes={"Message": "a" * 800})  # 6 parts whatever the Lang
    if step == "push_datetime":
        return StepFault(changes={"PushDateTime": "13/04/2018 07:30:00"})  # DD/MM
    if step == "header":
        return StepFault(changes={"Header": sentinel_header()})
    if step == "credit_expired":
        return StepFault(patch={"credit_expires_at": PAST}, facts={"credit_expired": True})
    if step == "credit":
        return StepFault(patch={"credit": 0}, facts={"credit": 0})
    raise ValueError(f"no fault for step {step!r}")


def test_adjacent_steps_answer_the_earlier_code(
    contract: Contract, adjacent_steps: tuple[str, str]
) -> None:
    first, second = adjacent_steps
    faults = [step_fault(first), step_fault(second)]
    if set(faults[0].changes) & set(faults[1].changes):
        pytest.skip(f"{first} and {second}: both faults are on {set(faults[0].changes)}")
    needs_account = any(f.patch for f in faults) or "password" in adjacent_steps
    if first in ("blocked", "inactive") and second in ("blocked", "inactive"):
        pytest.skip("one account has one status: blocked and inactive cannot be combined")
    oracle = contract.oracle
    if needs_account:
        admin = contract.target.admin
        if admin is None or not contract.target.capabilities.demo_accounts:
            pytest.skip(f"{first}/{second}: needs an account the kit can change (an emulator)")
        patch: dict[str, Any] = {}
        facts: dict[str, Any] = {}
        for fault in faults:
            patch.update(fault.patch)
            facts.update(fault.facts)
        admin.reset()
        admin.touch(SCRATCH)  # put back at the next reset
        if patch:
            admin.patch_account(SCRATCH, **patch)
        account: AccountFacts = next(a for a in DEMO_ACCOUNTS if a.user_id == SCRATCH)
        oracle = Oracle([*oracle.accounts.values(), replace(account, **facts)], oracle.order)
        params = contract.base(UserId=SCRATCH, Password=SCRATCH, Header="AnyHeader")
    else:
        params = contract.base()
    method = next((f.method for f in faults if f.method), "POST")
    for fault in faults:
        params = apply(params, fault.changes)
    expected = oracle.expect(Request.of(params, method))
    assert (expected.step, [f.step for f in expected.faults][:2]) == (first, [first, second]), (
        f"not the pair the test means ({first} then {second}): {expected.explain()}"
    )
    subject = {name for fault in faults for name in fault.changes}
    try:
        contract.check(params, subject=subject, method=method, oracle=oracle)
    finally:
        if needs_account and contract.target.admin is not None:
            contract.target.admin.reset()
