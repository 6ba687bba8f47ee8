"""Two faults at once: the validation order decides (README, an assumption: ``--ismart-order``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ismart_sms_kit.contract_tests import strategies as s
from ismart_sms_kit.contract_tests.accounts import nonexistent_user_id
from ismart_sms_kit.contract_tests.contract import Contract, apply
from ismart_sms_kit.contract_tests.oracle import REQUIRED


@given(data=st.data())
def test_two_faults_answer_the_first_in_the_validation_order(
    contract: Contract, data: st.DataObject
) -> None:
    first, second = data.draw(s.fault_pairs(kinds=contract.fault_kinds()), label="faults")
    params = contract.base()
    for kind in (first, second):
        params = apply(params, data.draw(kind.changes, label=kind.name))
    contract.check(params, subject=first.fields | second.fields)


@pytest.mark.parametrize("field", REQUIRED)
def test_a_missing_field_answers_15(contract: Contract, field: str) -> None:
    contract.check(contract.base(**{field: None}), code=15)


EMPTY_CODES = {"UserId": 3, "Password": 3, "MobileNo": 8, "Message": 5, "Lang": 10}


@pytest.mark.parametrize("header", [None, "", "   "])
def test_no_header_is_no_fault(contract: Contract, header: str | None) -> None:
    """A-HEADER-DEFAULT: absent, empty or blank, the Header is no fault (the account's default
    sender stands in): the request is accepted, not answered 15 or 19. (On a live target the
    sentinel the kit adds makes it a refusal: then it checks that the request step lets it
    through.)"""
    contract.check(contract.base(Header=header), code=1)


@pytest.mark.parametrize("field", REQUIRED)
def test_an_empty_field_answers_its_own_code(contract: Contract, field: str) -> None:
    if field == "Password":  # never a wrong password for the real account: a made-up user
        params = contract.base(UserId=nonexistent_user_id(), Password="")
    else:
        params = contract.base(**{field: ""})
    contract.check(params, code=EMPTY_CODES[field])


def test_credentials_are_checked_before_the_number(contract: Contract) -> None:
    """The field's free credential test: MobileNo=1 answers 9 with good credentials and 3 with
    bad ones."""
    contract.check(contract.base(MobileNo="1"), code=9)
    contract.check(contract.base(MobileNo="1", UserId=nonexistent_user_id()), code=3)


@given(user=s.nonexistent_user_ids(), password=st.text(s.ASCII_LETTERS, max_size=12))
def test_an_unknown_user_answers_3_whatever_else_is_wrong(
    contract: Contract, user: str, password: str
) -> None:
    contract.check(
        contract.base(UserId=user, Password=password, MobileNo="12", Lang="7", Message=""),
        code=3,
    )
