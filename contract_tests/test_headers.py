"""Header: registered for the account, at most 11 characters, compared exactly; none (or a
blank one) is the account's default sender."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ismart_sms_kit.contract_tests import strategies as s
from ismart_sms_kit.contract_tests.contract import Contract
from ismart_sms_kit.contract_tests.helpers import registered_header, stored_agree
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
    main = contract.target.credentials.header
    header = data.draw(s.case_variants(main) | s.padded(main))
    contract.check(contract.base(Header=header), code=19)


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
