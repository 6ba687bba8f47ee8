"""Segment counting against the vendor's own length table and GSM 03.38 rules."""

from __future__ import annotations

import pytest

from ismart_sms_kit.protocol.segments import (
    GSM7_EXTENSION,
    Encoding,
    count,
    detect_encoding,
    is_gsm7,
    split,
)

# The vendor table: parts -> (English max chars, Arabic max chars).
VENDOR_TABLE = {1: (160, 70), 2: (306, 134), 3: (459, 201), 4: (612, 268), 5: (765, 335)}


@pytest.mark.parametrize("parts", sorted(VENDOR_TABLE))
def test_english_boundaries_match_the_vendor_table(parts: int) -> None:
    limit = VENDOR_TABLE[parts][0]
    assert count("a" * limit, 0).parts == parts
    assert count("a" * (limit + 1), 0).parts == parts + 1


@pytest.mark.parametrize("parts", sorted(VENDOR_TABLE))
def test_arabic_boundaries_match_the_vendor_table(parts: int) -> None:
    limit = VENDOR_TABLE[parts][1]
    assert count("ب" * limit, 64).parts == parts
    assert count("ب" * (limit + 1), 64).parts == parts + 1


def test_more_than_five_parts_is_too_long() -> None:
    assert not count("a" * 765, 0).too_long
    assert count("a" * 766, 0).too_long
    assert count("ب" * 336, 64).too_long


def test_extension_characters_cost_two_septets() -> None:
    seg = count("{" * 80, 0)
    assert (seg.encoding, seg.parts, seg.units) == (Encoding.GSM7, 1, 160)
    assert count("{" * 81, 0).parts == 2


def test_escape_pair_is_never_split_so_a_part_can_hold_152() -> None:
    # 152 plain septets then an extension char: it does not fit in part 1 (153rd septet).
    text = "a" * 152 + "€" + "a" * 10
    assert count(text, 0).units == 164
    assert split(text, 0)[0] == "a" * 152
    assert count(text, 0).parts == 2
    # a message of 2 x 152 + 2 extension chars needs three parts, not two
    assert count("a" * 152 + "€" + "a" * 151 + "€", 0).parts == 3


def test_emoji_costs_two_units_and_is_never_split() -> None:
    seg = count("😀" * 35, 0)
    assert (seg.encoding, seg.parts, seg.units) == (Encoding.UCS2, 1, 70)
    assert count("😀" * 36, 0).parts == 2
    text = "a" * 66 + "😀" + "a" * 10
    assert count(text, 64).parts == 2
    assert split(text, 64)[0] == "a" * 66


def test_non_gsm_character_makes_an_english_message_ucs2() -> None:
    assert detect_encoding("hello", 0) is Encoding.GSM7
    assert detect_encoding("hello ’", 0) is Encoding.UCS2
    assert detect_encoding("hello", 64) is Encoding.UCS2
    assert count("a" * 69 + "ب", 0).parts == 1
    assert count("a" * 70 + "ب", 0).parts == 2


def test_gsm_alphabet_membership() -> None:
    assert is_gsm7("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡§¿äöñüà" + "".join(GSM7_EXTENSION))
    assert not is_gsm7("`")  # the backtick is not in GSM 03.38
    assert not is_gsm7("\x1b")


def test_empty_text_costs_nothing() -> None:
    assert count("", 0).parts == 0
    assert split("", 0) == []


def test_split_rejoins_to_the_text() -> None:
    text = "Hello [world] " * 40
    assert "".join(split(text, 0)) == text
    assert len(split(text, 0)) == count(text, 0).parts
