"""MobileNo: valid and invalid numbers, separators, batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from hypothesis import strategies as st

from ismart_sms_kit.contract_tests.oracle import MAX_NUMBERS
from ismart_sms_kit.contract_tests.strategies._internal.text import (
    _ARABIC_INDIC,
    _FULLWIDTH,
    ASCII_LETTERS,
)

VALID_PREFIXES: Final = ("9689", "9687", "97150", "96650", "97336", "97455")
"""Omani mobile ranges and a few Gulf ones: 11 digits in all. None starts with 968000000, the
emulator's magic-number prefix."""
UNASSIGNED_PREFIXES: Final = ("968001", "968005", "968009", "9680987")
"""Oman numbers no subscriber holds (0 after the country code), and none the emulator's magic
968000000NN: what a live-safe run sends to, a second safeguard beside the sentinel."""

_number_prefixes: tuple[str, ...] = VALID_PREFIXES


def use_unassigned_numbers(on: bool) -> None:
    """Generate numbers from :data:`UNASSIGNED_PREFIXES` (the plugin turns this on for a
    live-safe target before any test is collected; read at draw time)."""
    global _number_prefixes
    _number_prefixes = UNASSIGNED_PREFIXES if on else VALID_PREFIXES


@st.composite
def valid_numbers_one(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(_number_prefixes))
    size = 11 - len(prefix)
    return prefix + draw(st.text("0123456789", min_size=size, max_size=size))


@st.composite
def local_numbers(draw: st.DrawFn) -> str:
    """An 8-digit local number (the country code left out), the field's commonest mistake:
    an Omani mobile (9 or 7 first), or, live, one that starts with 0 (held by no subscriber,
    even with 968 added)."""
    first = "0" if _number_prefixes == UNASSIGNED_PREFIXES else draw(st.sampled_from("97"))
    return first + draw(st.text("0123456789", min_size=7, max_size=7))


def valid_numbers(
    *, min_size: int = 1, max_size: int = MAX_NUMBERS
) -> st.SearchStrategy[list[str]]:
    """11-digit international numbers (duplicates allowed: the gateway keeps them)."""
    return st.lists(valid_numbers_one(), min_size=min_size, max_size=max_size)


def invalid_number() -> st.SearchStrategy[str]:
    """One item that is not an 11-digit number, each a family the field sends."""
    digits = st.text("0123456789", min_size=1, max_size=16).filter(lambda s: len(s) != 11)
    return st.one_of(
        digits,  # too short or too long (10: the document's own sample)
        local_numbers(),
        valid_numbers_one().map(lambda n: "+" + n),
        valid_numbers_one().map(lambda n: "00" + n),
        valid_numbers_one().map(lambda n: n[:4] + " " + n[4:]),
        valid_numbers_one().map(lambda n: n[:4] + "-" + n[4:]),
        st.tuples(valid_numbers_one(), st.sampled_from(ASCII_LETTERS), st.integers(0, 10)).map(
            lambda t: t[0][: t[2]] + t[1] + t[0][t[2] + 1 :]
        ),
        valid_numbers_one().map(lambda n: n.translate(_FULLWIDTH)),
        valid_numbers_one().map(lambda n: n.translate(_ARABIC_INDIC)),
        st.just(""),
    )


def valid_separators() -> st.SearchStrategy[str]:
    """A comma with optional spaces around it (A-NUMBER-SPACES)."""
    return st.sampled_from([",", ", ", " ,", " , ", ",  "])


def invalid_separators() -> st.SearchStrategy[str]:
    return st.sampled_from([";", " ", "\n", "|", ",,", "/", "\t", ", ,"])


@st.composite
def joined_numbers(
    draw: st.DrawFn, *, numbers: Sequence[str], separators: st.SearchStrategy[str]
) -> str:
    """The numbers joined with separators drawn from ``separators``."""
    if not numbers:
        return ""
    out = numbers[0]
    for number in numbers[1:]:
        out += draw(separators) + number
    return out


def undeliverable_mobile() -> st.SearchStrategy[str]:
    """A MobileNo no reading turns into a phone number (fewer than 4 digits per item)."""
    item = st.text("0123456789", min_size=0, max_size=3) | st.text(ASCII_LETTERS, max_size=5)
    return st.lists(item, min_size=1, max_size=3).map(",".join)


@st.composite
def one_bad_in_batch(draw: st.DrawFn, *, max_size: int = MAX_NUMBERS) -> str:
    """Valid numbers with one invalid item at a random place, comma-separated."""
    good = draw(valid_numbers(min_size=0, max_size=max_size - 1))
    bad = draw(invalid_number())
    at = draw(st.integers(0, len(good)))
    joined = ",".join([*good[:at], bad, *good[at:]])
    return joined if joined.strip(" ") else ","  # a lone empty item is "empty" (8), not 9
