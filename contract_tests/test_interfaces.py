"""Every interface of the gateway, judged with the same properties where they apply: the
documented form endpoint (``form``), the older one (``legacy``), REST (JSON) and SOAP (a client
built from the served WSDL), each with its oracle (its order, its codes, its readings) and its
answer shape (HTTP status, body), named in every failure. ``--ismart-interface`` chooses them.

And what the emulator decides for the user: the sender of a message without a Header (the
account's default sender), the credit a send costs on each interface, the magic numbers each
interface answers, and an account made at run time (every field kept).
"""

from __future__ import annotations

import secrets

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ismart_sms_kit.contract_tests.accounts import STATE_ACCOUNTS, nonexistent_user_id
from ismart_sms_kit.contract_tests.contract import Contract, agree
from ismart_sms_kit.contract_tests.helpers import stored_agree
from ismart_sms_kit.contract_tests.interfaces import title
from ismart_sms_kit.contract_tests.oracle import (
    AccountFacts,
    Oracle,
    Request,
    Verdict,
    answerable_codes,
)
from ismart_sms_kit.contract_tests.target import Admin

REFUSALS: dict[str, dict[str, str | None]] = {
    "unknown-user": {"UserId": "<made-up>", "Password": "not-it"},
    "empty-message": {"Message": ""},
    "no-numbers": {"MobileNo": ""},
    "bad-number": {"MobileNo": "9689123456"},
    "lang-1": {"Lang": "1"},
    "too-long": {"Message": "x" * 766},
    "51-numbers": {"MobileNo": "<51 numbers>"},
}
"""Faults every interface can carry, and the interface's oracle judges (3, 5, 8, 9, 10, 6; more
than 50 numbers: 24 on the older endpoint, 9 elsewhere)."""


def main_account(contract: Contract) -> AccountFacts:
    return contract.oracle.accounts[contract.target.credentials.user_id]


@pytest.mark.sends(1)
@pytest.mark.parametrize("fault", list(REFUSALS))
def test_a_refusal_is_answered_in_the_interfaces_shape(
    contract: Contract, interface: str, fault: str
) -> None:
    """The interface's code for the fault (its order decides), in its shape: the bare code
    (form), ``Code`` a JSON number with HTTP 201 (REST), a ``PushMessageResult``, never a SOAP
    fault (SOAP)."""
    made = {
        "<made-up>": nonexistent_user_id(),
        "<51 numbers>": ",".join([contract.base_number] * 51),
    }
    changes = {k: made.get(v, v) if v else v for k, v in REFUSALS[fault].items()}
    verdict, _ = contract.check_on(interface, contract.base(**changes), subject=list(changes))
    assert not verdict.accepted


@pytest.mark.interfaces("rest", "soap")  # the form endpoints': test_phone_numbers.py
@given(
    number=st.text(alphabet="0123456789", min_size=4, max_size=14).filter(lambda n: len(n) != 11)
)
@example(number="٩٦٨٩١٢٣٤٥٦٧")  # Arabic-Indic digits: explicit, so that live mode sees them
@example(number="９６８９１２３４５６７")  # full-width digits
def test_a_number_that_is_not_11_ascii_digits_answers_9_on_rest_and_soap(
    contract: Contract, interface: str, number: str
) -> None:
    contract.check_on(interface, contract.base(MobileNo=number), subject=["MobileNo"], code=9)


@pytest.mark.needs_demo_accounts
@pytest.mark.parametrize("user_id", STATE_ACCOUNTS)
def test_each_account_state_answers_the_interfaces_code(
    contract: Contract, admin: Admin, interface: str, user_id: str
) -> None:
    """The demo accounts' states through each interface: 17 is 18 on REST and SOAP."""
    params = contract.base(UserId=user_id, Password=user_id, Header="AnyHeader")
    contract.check_on(interface, params)


@pytest.mark.delivers
def test_a_send_is_accepted_charged_and_sent_under_the_default_sender(
    contract: Contract, interface: str
) -> None:
    """Accepted in the interface's shape; on an emulator, one message per number under the
    account's default sender (no Header is sent: REST and SOAP have none), and the account
    charged parts x recipients credits (A-CREDIT-COST) on every interface."""
    params = contract.base(Header=None, Message="Contract test " + interface)
    admin = contract.target.admin
    user = contract.target.credentials.user_id
    before = None
    if admin is not None:
        admin.touch(user)
        before = admin.account(user)["credit"]
    verdict, exchange = contract.deliver_on(interface, params)
    sender = main_account(contract).default_sender
    if sender is not None:
        stored_agree(
            contract,
            exchange,
            "header",
            [sender] * verdict.recipients,
            what=f"{title(interface)}: sender stored for a message sent without a Header",
            says="a message without a Header goes out under the account's default sender "
            "(A-HEADER-DEFAULT)",
        )
    if admin is not None and before is not None:
        cost = (verdict.length.parts if verdict.length else 0) * verdict.recipients
        agree(
            before - admin.account(user)["credit"],
            cost,
            what=f"{title(interface)}: credit spent by an accepted send",
            says="a send costs parts x recipients credits, on every interface (A-CREDIT-COST)",
            sent=exchange.request,
        )
        admin.reset()


@pytest.mark.interfaces("form", "legacy")
@pytest.mark.needs_admin
@pytest.mark.parametrize("header", [None, "", "  "], ids=["absent", "empty", "blank"])
def test_no_header_is_the_accounts_default_sender(
    contract: Contract, admin: Admin, interface: str, header: str | None
) -> None:
    """Not just one of the account's headers: its default sender (``demo``: DEMO, its first;
    it has four)."""
    params = contract.base(Header=header)
    if header is None:
        params.pop("Header", None)
    _, exchange = contract.check_on(interface, params, code=1)
    sender = main_account(contract).default_sender
    stored_agree(
        contract,
        exchange,
        lambda m: (m["header"] if sender else None, m["header_defaulted"]),
        [(sender, True)],  # an account whose default the kit does not know: only the flag
        what=f"{title(interface)}: (sender, header_defaulted) stored",
        says="no Header (absent, empty or blank) goes out under the account's default sender, "
        "its first registered header unless another is set (A-HEADER-DEFAULT)",
    )


@pytest.mark.interfaces("legacy")
@given(refs=st.from_regex(r"[0-9A-Za-z][0-9A-Za-z._:-]{0,29}", fullmatch=True))
@example(refs="96899123456-1796033221166")  # a TypeScript integration's OTP reference
@example(refs="ref")
def test_free_form_reference_ids_are_accepted_on_the_older_endpoint(
    contract: Contract, interface: str, refs: str
) -> None:
    contract.check_on(interface, contract.base(referenceIds=refs), subject=["referenceIds"], code=1)


@pytest.mark.interfaces("form", "legacy")
@pytest.mark.sends(1)
@pytest.mark.parametrize("flash", ["Y", "y", "n", "X"])
def test_flash_sms_is_read_the_same_way_on_both_form_endpoints(
    contract: Contract, interface: str, flash: str
) -> None:
    """``FLashSMS`` Y or N in either case is read on both (A-FLASH): a flash SMS for Y; another
    value answers 22 on the older endpoint and is ignored on the documented one. Live, an
    accepted value is judged only with the delivery budget (at the test number): behind a
    sentinel, the sentinel's code would answer before the flash step."""
    verdict, exchange = contract.check_or_deliver(
        interface, contract.base(FLashSMS=flash), subject=["FLashSMS"]
    )
    if verdict.accepted:
        stored_agree(
            contract,
            exchange,
            "flash",
            [flash in ("Y", "y")],
            what=f"{title(interface)}: flash stored for FLashSMS={flash}",
            says="FLashSMS=Y (either case) is a flash SMS on both form endpoints (A-FLASH)",
        )


@pytest.mark.needs_admin
def test_magic_numbers_answer_only_codes_the_interface_can_answer(
    contract: Contract, admin: Admin, interface: str
) -> None:
    """The emulator's ``968000000NN`` answers NN where the interface can answer NN, and is a
    plain number (accepted) where it cannot (docs/emulator.md, docs/rest-soap.md)."""
    codes = answerable_codes(interface)
    for nn in range(2, 26):
        request = Request.of(contract.base(MobileNo=f"968000000{nn:02d}"))
        want = nn if nn in codes else 1
        why = f"magic number 968000000{nn:02d}" + ("" if want == nn else ", not a code here")
        contract.judge_on(interface, request, Verdict(want, "magic", why, (), ()))


HEADERS = ("KITA", "KITB")


@pytest.mark.needs_admin
def test_an_account_made_at_run_time_keeps_every_field(contract: Contract, admin: Admin) -> None:
    """``POST /_mock/api/accounts``: every field given is the account's (credit included), and
    a send with it is judged by those fields: its default sender, its credit."""
    user = "ctkit" + secrets.token_hex(4)  # a user id no other run uses
    password = "pw-" + secrets.token_hex(4)
    fields = {
        "company": "Contract Kit Co",
        "status": "active",
        "credit": 7,
        "web_service": True,
        "http_get": False,
        "headers": list(HEADERS),
        "default_header": "KITB",
        "lockout_threshold": 4,
        "opted_out": ["96899000001"],
        "delivery_reports": False,
    }
    admin.create_account({"user_id": user, "password": password, **fields})
    try:
        shown = admin.account(user)
        agree(
            {k: shown.get(k) for k in fields},
            fields,
            what=f"account {user} as the admin API shows it after POST /_mock/api/accounts",
            says="an account made at run time keeps every field it was made with",
        )
        facts = AccountFacts(user, password, frozenset(HEADERS), credit=7, http_get=False)
        oracle = Oracle([facts], contract.oracle.base_order)
        params = contract.base(UserId=user, Password=password, Header=None)
        params.pop("Header", None)
        _, exchange = contract.check(params, oracle=oracle, code=1)
        stored_agree(
            contract,
            exchange,
            "header",
            ["KITB"],
            what="sender stored for the new account's send without a Header",
            says="its default_header",
        )
        agree(
            admin.account(user)["credit"],
            6,
            what=f"credit of {user} after one part to one number",
            says="made with 7 credits; a send costs parts x recipients",
            sent=exchange.request,
        )
        contract.check(params, method="GET", oracle=oracle, code=18)
    finally:
        admin.delete_account(user)
