"""MobileNo: length and digits, 1..50 numbers, separators, one bad number in a batch."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from ismart_sms_kit.contract_tests import strategies as s
from ismart_sms_kit.contract_tests.contract import Contract, agree
from ismart_sms_kit.contract_tests.helpers import stored_one_per_number
from ismart_sms_kit.contract_tests.oracle import split_numbers


@given(numbers=s.valid_numbers(min_size=1, max_size=50), data=st.data())
def test_one_to_fifty_numbers_with_spaces_around_commas_are_accepted(
    contract: Contract, numbers: list[str], data: st.DataObject
) -> None:
    mobile = data.draw(s.joined_numbers(numbers=numbers, separators=s.valid_separators()))
    _, exchange = contract.check(contract.base(MobileNo=mobile), code=1)
    stored_one_per_number(
        contract,
        exchange,
        numbers,
        says="one message per number, duplicates included (A-DUPLICATES)",
    )


@given(numbers=s.valid_numbers(min_size=51, max_size=60))
def test_more_than_fifty_numbers_answer_9(contract: Contract, numbers: list[str]) -> None:
    _, exchange = contract.check(contract.base(MobileNo=",".join(numbers)), code=9)
    agree(
        contract.stored() or [],
        [],
        what="messages stored",
        says="a refusal stores nothing",
        sent=exchange.request,
    )


@given(number=s.invalid_number().filter(lambda n: n.strip(" ") != ""))
@example(number="9719912345")  # the document's own 10-digit sample shape (97199XXXXXX less one)
@example(number="9198123456")  # the multi-number sample, 10 digits
@example(number="+96891234567")
@example(number="0096891234567")
@example(number="9689123456")
@example(number="968912345678")
# each class of digit that decides an answer, explicit so that live mode (4 drawn examples) sees
# it: Arabic-Indic, Extended Arabic-Indic (Persian) and full-width digits are not ASCII digits
@example(number="٩٦٨٩١٢٣٤٥٦٧")
@example(number="۹۶۸۹۱۲۳۴۵۶۷")
@example(number="９６８９１２３４５６７")
def test_a_number_that_is_not_11_ascii_digits_answers_9(contract: Contract, number: str) -> None:
    contract.check(contract.base(MobileNo=number), code=9)


@given(number=s.local_numbers())
@example(number="91234567")  # an Omani mobile without 968: the field's commonest mistake
@example(number="71234567")
@example(number="9123 4567")
def test_an_8_digit_local_number_answers_9(contract: Contract, number: str) -> None:
    contract.check(contract.base(MobileNo=number), code=9)
    contract.check(contract.base(MobileNo=f"{contract.base_number},{number}"), code=9)


@given(mobile=s.one_bad_in_batch())
def test_one_bad_number_rejects_the_whole_batch(contract: Contract, mobile: str) -> None:
    _, exchange = contract.check(contract.base(MobileNo=mobile), code=9)
    agree(
        contract.stored() or [],
        [],
        what="messages stored",
        says="a refusal stores nothing",
        sent=exchange.request,
    )


@given(numbers=s.valid_numbers(min_size=2, max_size=10), data=st.data())
def test_numbers_separated_by_anything_but_commas_answer_9(
    contract: Contract, numbers: list[str], data: st.DataObject
) -> None:
    mobile = data.draw(s.joined_numbers(numbers=numbers, separators=s.invalid_separators()))
    contract.check(contract.base(MobileNo=mobile), code=9)


@given(numbers=s.valid_numbers(min_size=1, max_size=5), trailing=st.sampled_from([",", ", "]))
def test_a_trailing_or_leading_comma_is_an_empty_item_and_answers_9(
    contract: Contract, numbers: list[str], trailing: str
) -> None:
    joined = ",".join(numbers)
    contract.check(contract.base(MobileNo=joined + trailing), code=9)
    contract.check(contract.base(MobileNo=trailing + joined), code=9)


@given(mobile=st.sampled_from(["", " ", "   "]))
def test_an_empty_mobile_number_answers_8(contract: Contract, mobile: str) -> None:
    contract.check(contract.base(MobileNo=mobile), code=8)


def test_duplicates_are_each_sent(contract: Contract) -> None:
    number = contract.base_number
    mobile = f"{number},{number}, {number}"
    _, exchange = contract.check(contract.base(MobileNo=mobile), code=1)
    stored = contract.stored()
    if stored is not None:
        agree(
            [m["to"] for m in stored],
            split_numbers(mobile),
            what="messages stored, by number",
            says="duplicates are each sent (A-DUPLICATES)",
            sent=exchange.request,
        )
