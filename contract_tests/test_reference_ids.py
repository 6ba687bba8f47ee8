"""referenceIds: optional, 3 to 6 digits each, any count."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from ismart_sms_kit.contract_tests import strategies as s
from ismart_sms_kit.contract_tests.contract import Contract, agree
from ismart_sms_kit.contract_tests.oracle import split_numbers


@given(refs=s.valid_reference_ids(), numbers=s.valid_numbers(min_size=1, max_size=5))
def test_ids_of_3_to_6_digits_are_accepted_whatever_their_count(
    contract: Contract, refs: str, numbers: list[str]
) -> None:
    _, exchange = contract.check(
        contract.base(referenceIds=refs, MobileNo=",".join(numbers)), code=1
    )
    stored = contract.stored()
    if stored is not None:
        ids = split_numbers(refs)
        expected = [ids[i] if i < len(ids) else None for i in range(len(numbers))]
        agree(
            [m["reference_id"] for m in stored],
            expected,
            what="reference ids stored",
            says="paired with the numbers by position, extra ids ignored",
            sent=exchange.request,
        )


@given(refs=s.invalid_reference_ids())
@example(refs="١٠١")  # Arabic-Indic digits: not ASCII digits (explicit, for live mode)
@example(refs="１０１")  # full-width digits
def test_an_id_that_is_not_3_to_6_digits_answers_15(contract: Contract, refs: str) -> None:
    contract.check(contract.base(referenceIds=refs), code=15)


@given(absent=st.booleans())
def test_reference_ids_are_optional_on_the_documented_endpoint(
    contract: Contract, absent: bool
) -> None:
    """A-REFIDS-OPTIONAL: the document says optional."""
    contract.check(contract.base(referenceIds=None if absent else ""), code=1)


def test_the_documents_sample_one_number_two_ids(contract: Contract) -> None:
    contract.check(contract.base(referenceIds="101,102"), code=1)
