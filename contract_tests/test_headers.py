"""Header: registered for the account, at most 11 characters, compared exactly; none (or a
blank one) is the account's default sender."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ismart_sms_kit.contract_tests import strategies as s
from ismart_sms_kit.contract_tests.contract import Contract
from ismart_sms_kit.contract_tests.helpers import registered_header, stored_agree
from ismart_sms_kit.contract_tests.oracle import FORM
from ismart_sms_kit.contract_tests.target import Admin


def registered(contract: Contract) -> frozenset[str]:
    return contract.oracle.accounts[contract.target.credentials.user_id].headers


@given(data=st.data())
def test_every_registered_header_is_accepted(contract: Contract, data: st.DataObject) -> None:
    header = data.draw(st.sampled_from(sorted(registered(contract))))
    _, exchange = contract.check(contract.base(Header=header), code=1)
    stored_agree(
        contract,
        exchange,
        "header",
        [header],
        what="header stored",
        says="the message goes out under the header sent",
    )


@given(data=st.data())
def test_an_unregistered_header_answers_19(contract: Contract, data: st.DataObject) -> None:
    header = data.draw(s.unregistered_headers(registered=registered(contract)))
    contract.check(contract.base(Header=header), code=19)


@given(data=st.data())
def test_the_header_is_matched_case_sensitively_and_untrimmed(
    contract: Contract, data: st.DataObject
) -> None:
    """Many variants, on an emulator. Live, no sentinel can go with them (the made-up header
    is the latest one, any other fault is checked before the header and hides it): the test
    below judges a few at the test number, within the delivery budget."""
    if contract.live_safe:
        pytest.skip("live: judged by test_a_header_variant_answers_19_at_the_test_number")
    main = contract.target.credentials.header
    header = data.draw(s.case_variants(main) | s.padded(main))
    contract.check(contract.base(Header=header), code=19)


VARIANTS = {
    "other-case": lambda h: h.swapcase(),
    "leading-space": lambda h: " " + h,
    "trailing-space": lambda h: h + " ",
}


@pytest.mark.delivers
@pytest.mark.sends(1)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_header_variant_answers_19_at_the_test_number(contract: Contract, variant: str) -> None:
    """A-HEADER-EXACT with nothing else wrong. Live, only with ``--ismart-allow-delivery``: one
    request each to the test number, counted against ``--ismart-max-sends``; a gateway that
    matches headers exactly refuses it (nothing is delivered), one that folds case or trims
    delivers one SMS to that number, and the test fails saying so."""
    main = contract.target.credentials.header
    header = VARIANTS[variant](main)
    if header == main:
        pytest.skip(f"the header {main!r} has no letter whose case could change")
    contract.probe(contract.base(Header=header), code=19)


@given(header=s.blank_text())
def test_an_empty_or_blank_header_goes_out_under_the_default_sender(
    contract: Contract, header: str
) -> None:
    """A-HEADER-DEFAULT: accepted, under the account's default sender (not just one of its
    headers: ``demo`` has four, and its default is the first)."""
    _, exchange = contract.check(contract.base(Header=header), code=1)
    sender = contract.oracle.accounts[contract.target.credentials.user_id].default_sender
    stored_agree(
        contract,
        exchange,
        lambda m: (m["header"] if sender else None, m["header_defaulted"]),
        [(sender, True)],  # an account whose default the kit does not know: only the flag
        what="(sender, header_defaulted) stored for an empty or blank Header",
        says="goes out under the account's default sender (A-HEADER-DEFAULT)",
    )


@pytest.mark.sends(1)
def test_an_empty_header_is_sent(contract: Contract) -> None:
    """A-HEADER-DEFAULT with nothing else wrong. Live, with the delivery budget, it goes to the
    test number (a gateway that refuses an empty Header answers 19 there); without it, behind a
    sentinel that answers first."""
    contract.check_or_deliver(FORM, contract.base(Header=""), subject=["Header"], code=1)


@pytest.mark.needs_admin
@given(header=s.header_text(min_size=1, max_size=11).filter(lambda h: h.strip() != ""))
@example(header="City Code")
@example(header="Go-Watt")
@example(header="ABCDEFGHIJK")  # exactly 11
@example(header="A&B+C=D%E#F")  # characters an unencoded form would break
def test_any_header_of_up_to_11_characters_is_accepted_once_registered(
    contract: Contract, emulator_admin: Admin, header: str
) -> None:
    with registered_header(contract, emulator_admin, header) as oracle:
        contract.check(contract.base(Header=header), oracle=oracle, code=1)


@pytest.mark.needs_admin
@given(header=s.long_headers())
@example(header="ABCDEFGHIJKL")  # 12
def test_a_header_over_11_characters_answers_19_even_once_registered(
    contract: Contract, emulator_admin: Admin, header: str
) -> None:
    with registered_header(contract, emulator_admin, header) as oracle:
        contract.check(contract.base(Header=header), oracle=oracle, code=19)
