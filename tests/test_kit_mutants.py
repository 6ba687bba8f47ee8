"""The mutants of ``tests/kit_mutants.py`` are what they claim: each of the systematic set is
shown (a request that the correct emulator and the mutant answer differently), and the set
covers every adjacent pair of the documented validation order. Real emulators and stand-ins on
loopback, in this process."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from ismart_sms_kit.protocol.steps import DEFAULT_ORDER
from tests.kit_mutants import (
    ALL_MUTANTS,
    MUTANTS_BY_NAME,
    ORDER_PAIRS,
    SYSTEMATIC,
    SYSTEMATIC_OTHER,
    UNSHOWABLE_PAIRS,
    Mutant,
    show,
    stand_in,
    swapped,
)

SHOWN = [m for m in ALL_MUTANTS if m.shown is not None]


@pytest.fixture(scope="module")
def correct() -> Iterator[str]:
    with stand_in(None) as url:
        yield url


@pytest.mark.parametrize("mutant", SHOWN, ids=[m.name for m in SHOWN])
def test_a_mutant_is_shown_by_its_request(correct: str, mutant: Mutant) -> None:
    assert mutant.shown is not None
    with stand_in(mutant) as url:
        got = show(url, mutant.shown)
    want = show(correct, mutant.shown)
    assert got != want, f"{mutant.name}: both answer {got}"
    assert want.startswith("20"), want  # the correct emulator answered the request


def test_every_mutant_of_the_systematic_set_is_shown() -> None:
    assert all(m.shown is not None for m in (*SYSTEMATIC, *SYSTEMATIC_OTHER))
    assert len({m.name for m in ALL_MUTANTS}) == len(ALL_MUTANTS)


def test_every_adjacent_pair_of_the_documented_order_has_a_mutant_or_a_reason() -> None:
    pairs = set(itertools.pairwise(DEFAULT_ORDER))
    assert set(ORDER_PAIRS) | set(UNSHOWABLE_PAIRS) == pairs
    assert not set(ORDER_PAIRS) & set(UNSHOWABLE_PAIRS)
    for (a, b), name in ORDER_PAIRS.items():
        mutant = MUTANTS_BY_NAME[name]
        if mutant.config:  # the emulator's order with exactly that pair swapped
            assert mutant.config == swapped(a, b), name
        else:  # the config keeps request first: the stand-in answers as the swap would
            assert (a, b) == ("request", "client_ip") and mutant.answer is not None
