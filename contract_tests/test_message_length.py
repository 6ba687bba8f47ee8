"""Message length at every part boundary, GSM-7 and UCS-2, extension characters and emoji."""

from __future__ import annotations

from hypothesis import example, given

from ismart_sms_kit.contract_tests import strategies as s
from ismart_sms_kit.contract_tests.contract import Contract
from ismart_sms_kit.contract_tests.helpers import stored_agree
from ismart_sms_kit.contract_tests.oracle import SPEC_PART_LIMITS, message_length

GSM_EXT = "{"
EMOJI = "😀"


def check_message(contract: Contract, case: s.MessageCase) -> None:
    length = message_length(case.text, int(case.lang))
    verdict, exchange = contract.check(
        contract.base(Message=case.text, Lang=case.lang), code=6 if length.too_long else 1
    )
    if verdict.accepted:
        stored_agree(
            contract,
            exchange,
            lambda m: (m["parts"], m["encoding"].replace("-", ""), m["units"]),
            [(length.parts, length.encoding.replace("-", ""), length.units)],
            what=f"(parts, encoding, units) stored for a {case.note} message",
            says="the spec's part table, GSM 03.38 septets or UTF-16 units, a two-unit "
            "character never split (A-ENCODING, A-SEGMENTS)",
        )


@given(case=s.boundary_messages())
@example(case=s.MessageCase("a" * 160, "0", "gsm 160: one part"))
@example(case=s.MessageCase("a" * 161, "0", "gsm 161: two parts"))
@example(case=s.MessageCase("a" * 159 + GSM_EXT, "0", "161 septets"))
@example(case=s.MessageCase("a" * 152 + GSM_EXT + "a" * 153, "0", "pair pushed to part 2"))
@example(case=s.MessageCase("ب" * 70, "64", "arabic 70"))
@example(case=s.MessageCase("ب" * 71, "64", "arabic 71"))
@example(case=s.MessageCase("ب" * 66 + EMOJI + "ب" * 67, "64", "emoji pushed to part 2"))
@example(case=s.MessageCase("a" * 70, "64", "GSM text with Lang=64 is UCS-2"))
@example(case=s.MessageCase("a" * 69 + "’", "0", "one curly quote makes it UCS-2"))
def test_parts_at_every_boundary(contract: Contract, case: s.MessageCase) -> None:
    check_message(contract, case)


def _five_part_edge(encoding: str) -> list[int]:
    return [SPEC_PART_LIMITS[5][0 if encoding == "GSM-7" else 1]]


@given(case=s.boundary_messages(edges=_five_part_edge, spread=3))
@example(case=s.MessageCase("a" * 765, "0", "765: five parts"))
@example(case=s.MessageCase("a" * 766, "0", "766: six"))
@example(case=s.MessageCase("a" * 763 + GSM_EXT, "0", "765 septets, pair at the end"))
@example(case=s.MessageCase("a" * 152 + GSM_EXT + "a" * 611, "0", "765 septets need 6"))
@example(case=s.MessageCase("ب" * 335, "64", "335: five parts"))
@example(case=s.MessageCase("ب" * 336, "64", "336: six"))
@example(case=s.MessageCase("ب" * 66 + EMOJI + "ب" * 267, "64", "335 units need 6"))
def test_more_than_five_parts_answers_6(contract: Contract, case: s.MessageCase) -> None:
    check_message(contract, case)


@given(case=s.too_long_messages())
def test_long_messages_answer_6(contract: Contract, case: s.MessageCase) -> None:
    check_message(contract, case)


@given(case=s.boundary_messages(kinds=("gsm+1",)))
def test_one_character_outside_gsm_makes_the_whole_message_ucs2(
    contract: Contract, case: s.MessageCase
) -> None:
    assert message_length(case.text, 0).encoding == "UCS-2"
    check_message(contract, case)


@given(text=s.blank_text(min_size=0, max_size=8))
def test_an_empty_or_white_space_message_answers_5(contract: Contract, text: str) -> None:
    contract.check(contract.base(Message=text), code=5)


def test_control_separators_are_not_white_space(contract: Contract) -> None:
    contract.check(contract.base(Message="\x1c\x1d"), code=1)
