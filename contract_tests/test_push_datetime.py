"""PushDateTime: MM/DD/YYYY HH:mm:ss, real dates only, past and future, absent or empty."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ismart_sms_kit.contract_tests import strategies as s
from ismart_sms_kit.contract_tests.contract import Contract
from ismart_sms_kit.contract_tests.helpers import stored_agree


def accepted(contract: Contract, push: str | None, *, pending: bool, says: str) -> None:
    """A request with this PushDateTime (None: without one) answers 1, and what the emulator
    stored is ``pending`` (scheduled) or not."""
    _, exchange = contract.check(contract.base(PushDateTime=push), code=1)
    stored_agree(contract, exchange, "pending", [pending], what="pending (scheduled)", says=says)


@given(when=s.real_dates(min_year=2000, max_year=2020))
@example(when=s.DateParts(3, 4, 2018, 7, 30, 0))  # the document's sample
@example(when=s.DateParts(2, 29, 2000, 0, 0, 0))  # a leap day of a century leap year
@example(when=s.DateParts(12, 31, 2019, 23, 59, 59))
def test_a_real_date_in_the_past_is_accepted_and_sent_now(
    contract: Contract, when: s.DateParts
) -> None:
    accepted(
        contract, when.format(), pending=False, says="a past PushDateTime is sent now (A-PUSH-PAST)"
    )


@given(when=s.real_dates(min_year=2040, max_year=2099))
@example(when=s.DateParts(2, 29, 2096, 12, 0, 0))
def test_a_real_date_in_the_future_is_accepted_and_scheduled(
    contract: Contract, when: s.DateParts
) -> None:
    accepted(contract, when.format(), pending=True, says="a future PushDateTime is scheduled")


@given(when=s.impossible_dates())
@example(when=s.DateParts(2, 30, 2024, 10, 0, 0))
@example(when=s.DateParts(2, 29, 2100, 10, 0, 0))  # 2100 is not a leap year
@example(when=s.DateParts(4, 31, 2024, 10, 0, 0))
@example(when=s.DateParts(13, 4, 2018, 7, 30, 0))  # DD/MM: the 13th of April
@example(when=s.DateParts(3, 4, 2018, 24, 0, 0))
@example(when=s.DateParts(3, 4, 2018, 23, 59, 60))
def test_an_impossible_date_answers_16(contract: Contract, when: s.DateParts) -> None:
    contract.check(contract.base(PushDateTime=when.format()), code=16)


@given(value=s.malformed_datetimes() | s.single_digit_datetimes())
@example(value="3/4/2018 7:30:00")
@example(value="03/04/2018 07:30:00 PM")
@example(value="2018-03-04 07:30:00")
def test_other_formats_answer_16(contract: Contract, value: str) -> None:
    contract.check(contract.base(PushDateTime=value), code=16)


@given(absent=st.booleans())
def test_an_absent_or_empty_push_datetime_means_now(contract: Contract, absent: bool) -> None:
    accepted(
        contract,
        None if absent else "",
        pending=False,
        says="no PushDateTime means now (A-PUSH-ABSENT)",
    )


@pytest.mark.parametrize(
    "value",
    ["٠٣/٠٤/٢٠١٨ ٠٧:٣٠:٠٠", "０３/０４/２０１８ ０７:３０:００"],
    ids=["arabic-indic", "fullwidth"],
)
def test_non_ascii_digits_are_not_a_date(contract: Contract, value: str) -> None:
    contract.check(contract.base(PushDateTime=value), code=16)
