"""Parameter names as ASP.NET's ``Request[...]`` reads them (A-PARAM-NAMES): in any case, and a
repeated name as its values joined with ``,``.

On a live-safe target the joined reading is what makes these observable with nothing
delivered: two ``Lang=0`` read as ``0,0`` (10, where the first value alone would pass), and 26
plus 25 numbers under two ``MobileNo`` read as 51 (9, where either half alone would pass).
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from ismart_sms_kit.contract_tests import strategies as s
from ismart_sms_kit.contract_tests.contract import Contract
from ismart_sms_kit.contract_tests.helpers import stored_agree, stored_one_per_number
from ismart_sms_kit.contract_tests.oracle import REQUIRED


@given(data=st.data())
@example(data=None)
def test_parameter_names_are_read_in_any_case(
    contract: Contract, data: st.DataObject | None
) -> None:
    pairs = []
    for name, value in contract.base().items():
        # the explicit example (no data): every name in lower case
        spelled = name.lower() if data is None else data.draw(s.respelled(name))
        pairs.append((spelled, value))
    contract.check(pairs, code=1)


def test_a_name_in_upper_case_is_the_same_field(contract: Contract) -> None:
    pairs = [(name.upper(), value) for name, value in contract.base().items()]
    contract.check(pairs, code=1)


@given(name=st.sampled_from(REQUIRED))
def test_a_missing_field_is_missing_in_any_case(contract: Contract, name: str) -> None:
    """Dropping a field spelled in another case is still a missing field (15), and the other
    names in their odd case are still read."""
    pairs = [(n.lower(), v) for n, v in contract.base().items() if n != name]
    contract.check(pairs, code=15)


def test_a_repeated_lang_reads_as_its_values_joined(contract: Contract) -> None:
    """``Lang=0&Lang=0`` is ``0,0`` to ASP.NET: not an integer, 10 (the first value alone
    would pass)."""
    pairs = [*contract.base(Lang="0").items(), ("Lang", "0")]
    contract.check(pairs, subject={"Lang"}, code=10)
    pairs = [*contract.base(Lang="0").items(), ("lang", "64")]
    contract.check(pairs, subject={"Lang"}, code=10)


@given(numbers=s.valid_numbers(min_size=51, max_size=51))
def test_numbers_under_a_repeated_mobile_no_count_together(
    contract: Contract, numbers: list[str]
) -> None:
    """26 numbers and 25 more under a second ``MobileNo``: 51 joined, more than 50: 9."""
    base = contract.base(MobileNo=",".join(numbers[:26]))
    contract.check([*base.items(), ("MobileNo", ",".join(numbers[26:]))], code=9)


@given(numbers=s.valid_numbers(min_size=2, max_size=6))
def test_a_repeated_mobile_no_sends_to_every_number(contract: Contract, numbers: list[str]) -> None:
    half = len(numbers) // 2
    base = contract.base(MobileNo=",".join(numbers[:half]))
    pairs = [*base.items(), ("mobileno", ",".join(numbers[half:]))]
    _, exchange = contract.check(pairs, code=1)
    stored_one_per_number(
        contract,
        exchange,
        numbers,
        says="a repeated MobileNo reads as its values joined with ',' (A-PARAM-NAMES)",
    )


def test_a_repeated_message_is_sent_joined(contract: Contract) -> None:
    pairs = [*contract.base(Message="Hello").items(), ("message", "world")]
    _, exchange = contract.check(pairs, code=1)
    stored_agree(
        contract,
        exchange,
        "text",
        ["Hello,world"],
        what="text stored",
        says="a repeated Message reads as its values joined with ',' (A-PARAM-NAMES)",
    )
