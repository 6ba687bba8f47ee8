"""Account states (the emulator's demo accounts), HTTP GET, and lockout and credit as a state
machine (the lockout alone, which also runs live with consent: ``test_lockout.py``)."""

from __future__ import annotations

from dataclasses import replace

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
from ismart_sms_kit.contract_tests.accounts import (
    DEMO_ACCOUNTS,
    DEMO_CODES,
    LOCKME,
    LOCKME_THRESHOLD,
)
from ismart_sms_kit.contract_tests.contract import Contract, agree
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
        self.history: list[str] = []

    def answer(self, params: dict[str, str], expected: str, why: str) -> None:
        request = Request.of(params)
        exchange = self.contract.send(request)
        self.history.append(f"{request.get('UserId')}: {exchange.code_text}")
        agree(
            exchange.body if exchange.status == 200 else exchange.code_text,
            expected,
            what=f"answer to {request.get('UserId')}",
            says=f"{why}; the model: credit {self.credit}, failed logins {self.failed}, "
            f"blocked {self.blocked}; answers so far: {self.history[:-1]}",
            sent=request,
        )

    @initialize(credit=st.integers(0, 12))
    def start(self, credit: int) -> None:
        self.admin.touch(LOCKME)
        self.admin.touch("lowcredit")
        self.admin.reset()  # both back as the run found them
        self.admin.patch_account("lowcredit", credit=credit)
        self.credit = credit
        self.started = True

    @rule(numbers=s.valid_numbers(min_size=1, max_size=3), parts=st.integers(1, 3))
    def send(self, numbers: list[str], parts: int) -> None:
        text = "x" * (153 * parts)
        cost = message_length(text, 0).parts * len(numbers)
        params = demo_request(self.contract, "lowcredit", MobileNo=",".join(numbers), Message=text)
        why = f"a send costs parts x recipients = {cost} credits (A-CREDIT-COST)"
        if cost <= self.credit:
            self.answer(params, "1", why)
            self.credit -= cost
        else:
            self.answer(params, "4", why + ", more than is left")

    @rule()
    def wrong_password(self) -> None:
        params = demo_request(self.contract, LOCKME, Password="nope")
        if self.blocked:
            self.answer(params, "12", "a locked account answers 12")
            return
        self.failed += 1
        if self.failed >= LOCKME_THRESHOLD:
            self.blocked = True
            why = f"wrong password {LOCKME_THRESHOLD} in a row locks (its threshold)"
            self.answer(params, "12", why)
        else:
            self.answer(params, "3", "a wrong password below the threshold answers 3")

    @rule()
    def right_password(self) -> None:
        expected = "12" if self.blocked else "1"
        self.answer(demo_request(self.contract, LOCKME), expected, "the right password")
        if not self.blocked:
            self.failed = 0

    @invariant()
    def credit_matches(self) -> None:
        if self.started:
            agree(
                self.admin.account("lowcredit")["credit"],
                self.credit,
                what="credit of lowcredit",
                says="only accepted sends cost credit, parts x recipients; refusals cost "
                f"nothing; answers so far: {self.history}",
            )


@pytest.mark.needs_admin
def test_credit_and_lockout_follow_the_model(contract: Contract, admin: Admin) -> None:
    class Bound(CreditAndLockout):
        def __init__(self) -> None:
            super().__init__(contract, admin)

    # untyped in the Hypothesis that Python 3.10 gets (6.168), typed in later ones
    run_state_machine_as_test(  # type: ignore[no-untyped-call,unused-ignore]
        Bound, settings=settings(max_examples=10, stateful_step_count=12)
    )


REFUSALS: dict[str, dict[str, str | None]] = {
    "wrong password": {"Password": "not-the-password"},
    "a 10-digit number": {"MobileNo": "9689123456"},
    "an 8-digit local number": {"MobileNo": "91234567"},
    "one bad number of two": {"MobileNo": "96891234567,12"},
    "no number": {"MobileNo": ""},
    "a blank message": {"Message": " "},
    "Lang=1": {"Lang": "1"},
    "six parts": {"Message": "a" * 800},
    "a DD/MM PushDateTime": {"PushDateTime": "13/04/2018 07:30:00"},
    "an unregistered header": {"Header": "NotOurs"},
    "a bad referenceIds": {"referenceIds": "1"},
    "no Message": {"Message": None},
}


@pytest.mark.needs_admin
def test_a_refusal_costs_no_credit(contract: Contract, admin: Admin) -> None:
    """Each refusal leaves the credit as it was, a wrong password included (field notes:
    authentication and permission failures cost nothing); then an accepted send costs
    parts x recipients, and one that needs more than is left answers 4 and costs nothing."""
    admin.patch_account("lowcredit", credit=50)
    facts = contract.oracle.accounts["lowcredit"]
    oracle = contract.oracle.with_account(replace(facts, credit=50))
    for what, changes in REFUSALS.items():
        params = demo_request(contract, "lowcredit", **changes)
        verdict, exchange = contract.check(params, oracle=oracle)
        assert not verdict.accepted, f"{what}: not a refusal: {verdict.explain()}"
        agree(
            admin.account("lowcredit")["credit"],
            50,
            what=f"credit after a refusal ({what}, code {verdict.code})",
            says="a refused request costs nothing",
            sent=exchange.request,
        )
    two_parts = demo_request(
        contract, "lowcredit", MobileNo="96891234567,96891234568", Message="x" * 200
    )
    _, exchange = contract.check(two_parts, oracle=oracle, code=1)
    agree(
        admin.account("lowcredit")["credit"],
        46,
        what="credit after 2 parts to 2 numbers",
        says="a send costs parts x recipients (A-CREDIT-COST): 50 - 4",
        sent=exchange.request,
    )
    admin.patch_account("lowcredit", credit=3)
    oracle = contract.oracle.with_account(replace(facts, credit=3))
    _, exchange = contract.check(two_parts, oracle=oracle, code=4)
    agree(
        admin.account("lowcredit")["credit"],
        3,
        what="credit after a send that needs 4 of 3",
        says="too little credit answers 4 and costs nothing",
        sent=exchange.request,
    )
