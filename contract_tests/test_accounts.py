"""Account states (the emulator's demo accounts), HTTP GET, lockout and credit."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from ismart_sms_kit.contract_tests import strategies as s
from ismart_sms_kit.contract_tests.accounts import DEMO_ACCOUNTS, DEMO_CODES
from ismart_sms_kit.contract_tests.contract import Contract
from ismart_sms_kit.contract_tests.oracle import Request, message_length
from ismart_sms_kit.contract_tests.target import Admin

pytestmark = pytest.mark.needs_demo_accounts


def demo_request(contract: Contract, user_id: str, **changes: str | None) -> dict[str, str]:
    return contract.base(
        **{"UserId": user_id, "Password": user_id, "Header": "AnyHeader", **changes}
    )


@pytest.mark.parametrize("user_id", [a.user_id for a in DEMO_ACCOUNTS])
def test_each_demo_account_answers_its_documented_code(
    contract: Contract, admin: Admin, user_id: str
) -> None:
    params = demo_request(contract, user_id)
    assert contract.oracle.expect(Request.of(params)).code == DEMO_CODES[user_id]
    contract.check(params, code=DEMO_CODES[user_id])


def test_http_get_is_allowed_per_account(contract: Contract, admin: Admin) -> None:
    contract.check(demo_request(contract, "demo"), method="GET", code=1)
    contract.check(demo_request(contract, "noget"), method="GET", code=18)
    contract.check(demo_request(contract, "noget"), method="POST", code=1)


def test_the_lockout_answers_12_at_the_threshold_and_after(
    contract: Contract, admin: Admin
) -> None:
    wrong = demo_request(contract, "lockme", Password="wrong")
    good = demo_request(contract, "lockme")
    contract.check(wrong, code=3)
    contract.check(good, code=1)  # a success resets the count
    answers = []
    for _ in range(3):
        answers.append(contract.send(Request.of(wrong)).body)
    assert answers == ["3", "3", "12"]
    assert contract.send(Request.of(good)).body == "12"
    admin.patch_account("lockme", status="active")
    contract.check(good, code=1)


class CreditAndLockout(RuleBasedStateMachine):
    """Sends, wrong and right passwords against a small model of credit and lockout."""

    def __init__(self, contract: Contract, admin: Admin) -> None:
        super().__init__()
        self.contract = contract
        self.admin = admin
        self.credit = 0
        self.failed = 0
        self.blocked = False
        self.started = False

    def answer(self, params: dict[str, str]) -> str:
        exchange = self.contract.send(Request.of(params))
        assert exchange.status == 200, exchange.code_text
        return exchange.body or ""

    @initialize(credit=st.integers(0, 12))
    def start(self, credit: int) -> None:
        self.admin.reset()
        self.admin.patch_account("lowcredit", credit=credit)
        self.credit = credit
        self.started = True

    @rule(numbers=s.valid_numbers(min_size=1, max_size=3), parts=st.integers(1, 3))
    def send(self, numbers: list[str], parts: int) -> None:
        text = "x" * (153 * parts)
        cost = message_length(text, 0).parts * len(numbers)
        params = demo_request(self.contract, "lowcredit", MobileNo=",".join(numbers), Message=text)
        if cost <= self.credit:
            assert self.answer(params) == "1"
            self.credit -= cost
        else:
            assert self.answer(params) == "4"

    @rule()
    def wrong_password(self) -> None:
        answer = self.answer(demo_request(self.contract, "lockme", Password="nope"))
        if self.blocked:
            assert answer == "12"
            return
        self.failed += 1
        if self.failed >= 3:
            self.blocked = True
            assert answer == "12"
        else:
            assert answer == "3"

    @rule()
    def right_password(self) -> None:
        answer = self.answer(demo_request(self.contract, "lockme"))
        assert answer == ("12" if self.blocked else "1")
        if not self.blocked:
            self.failed = 0

    @invariant()
    def credit_matches(self) -> None:
        if self.started:
            assert self.admin.account("lowcredit")["credit"] == self.credit


@pytest.mark.needs_admin
def test_credit_and_lockout_follow_the_model(contract: Contract, admin: Admin) -> None:
    class Bound(CreditAndLockout):
        def __init__(self) -> None:
            super().__init__(contract, admin)

    # untyped in the Hypothesis that Python 3.10 gets (6.168), typed in later ones
    run_state_machine_as_test(  # type: ignore[no-untyped-call,unused-ignore]
        Bound, settings=settings(max_examples=10, stateful_step_count=12)
    )
