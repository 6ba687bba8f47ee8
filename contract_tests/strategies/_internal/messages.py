"""Message: texts at every part boundary of both encodings, short and too long ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from ismart_sms_kit.contract_tests.oracle import GSM7, PER_PART, SPEC_PART_LIMITS, UCS2, Encoding
from ismart_sms_kit.contract_tests.strategies._internal.text import (
    ARABIC,
    ASCII_LETTERS,
    ASTRAL,
    GSM_NARROW,
    GSM_WIDE,
    NON_GSM_BMP,
)


@dataclass(frozen=True)
class MessageCase:
    text: str
    lang: str
    note: str


def _fill(
    units: int, narrow: str, wide: Sequence[str], wide_starts: frozenset[int], wide_cost: int
) -> str:
    """A text of exactly ``units`` units: a wide character wherever a unit offset in
    ``wide_starts`` falls (and fits), narrow ones elsewhere, cycling through each alphabet."""
    out: list[str] = []
    used = i = j = 0
    while used < units:
        if used in wide_starts and used + wide_cost <= units:
            out.append(wide[j % len(wide)])
            j += 1
            used += wide_cost
        else:
            out.append(narrow[i % len(narrow)])
            i += 1
            used += 1
    return "".join(out)


def part_edges(encoding: Encoding) -> list[int]:
    """Unit counts where the part count changes: the spec's table and the 153/67 grid."""
    column = 0 if encoding == GSM7 else 1
    table = [limits[column] for limits in SPEC_PART_LIMITS.values()]
    grid = [PER_PART[encoding] * k for k in range(1, 6)]
    return sorted(set(table + grid))


@st.composite
def boundary_messages(
    draw: st.DrawFn,
    *,
    kinds: Sequence[str] = ("gsm", "gsm-wide", "arabic", "arabic-emoji", "gsm-as-ucs2", "gsm+1"),
    edges: Callable[[Encoding], list[int]] | None = None,
    spread: int = 2,
) -> MessageCase:
    """A message within ``spread`` units of a part boundary, in one of these kinds:

    * ``gsm``: GSM 03.38 basic characters, Lang=0;
    * ``gsm-wide``: with extension characters (two septets) placed where a part ends, so the
      pair would straddle it;
    * ``arabic``: Arabic letters, Lang=64;
    * ``arabic-emoji``: with emoji (surrogate pairs) where a part ends;
    * ``gsm-as-ucs2``: GSM text (extension characters included, one unit each in UCS-2), Lang=64;
    * ``gsm+1``: GSM text with Lang=0 and one character outside GSM 03.38, so the whole
      message is UCS-2.
    """
    kind = draw(st.sampled_from(list(kinds)))
    encoding: Encoding = GSM7 if kind in ("gsm", "gsm-wide") else UCS2
    target = draw(st.sampled_from((edges or part_edges)(encoding))) + draw(
        st.integers(-spread, spread)
    )
    per_part = PER_PART[encoding]
    straddles = [per_part * k + d for k in range(1, 7) for d in (-2, -1, 0)]
    wide_starts = frozenset(draw(st.lists(st.sampled_from(straddles), max_size=6)))
    wide_starts |= frozenset(draw(st.lists(st.integers(0, max(target - 2, 0)), max_size=3)))
    first = draw(st.sampled_from(ASCII_LETTERS))
    if kind in ("gsm", "gsm-wide", "gsm-as-ucs2", "gsm+1"):
        narrow = draw(st.text(st.sampled_from(GSM_NARROW), min_size=1, max_size=12))
        wide = draw(st.lists(st.sampled_from(GSM_WIDE), min_size=1, max_size=4))
    else:
        narrow = draw(st.text(st.sampled_from(ARABIC), min_size=1, max_size=12))
        wide = draw(st.lists(st.sampled_from(ASTRAL), min_size=1, max_size=4))
    if kind == "gsm":
        text = first + _fill(target - 1, narrow, wide, frozenset(), 2)
        return MessageCase(text, "0", kind)
    if kind == "gsm-wide":
        text = first + _fill(target - 1, narrow, wide, _shift(wide_starts), 2)
        return MessageCase(text, "0", kind)
    if kind == "arabic":
        text = narrow[0] + _fill(target - 1, narrow, wide, frozenset(), 2)
        return MessageCase(text, draw(st.sampled_from(["64", "0"])), kind)
    if kind == "arabic-emoji":
        text = narrow[0] + _fill(target - 1, narrow, wide, _shift(wide_starts), 2)
        return MessageCase(text, draw(st.sampled_from(["64", "0"])), kind)
    if kind == "gsm-as-ucs2":
        mixed = narrow + "".join(wide)
        text = first + _fill(target - 1, mixed, wide, frozenset(), 1)
        return MessageCase(text, "64", kind)
    # gsm+1: one non-GSM character (BMP or astral) somewhere in a GSM text
    odd = draw(st.sampled_from(NON_GSM_BMP.replace("€", "") + ASTRAL))
    cost = 2 if ord(odd) > 0xFFFF else 1
    body = _fill(max(target - 1 - cost, 0), narrow, wide, frozenset(), 2)
    at = draw(st.integers(0, len(body)))
    return MessageCase(first + body[:at] + odd + body[at:], "0", kind)


def _shift(starts: frozenset[int]) -> frozenset[int]:
    """Offsets counted from the whole message, applied after its first character."""
    return frozenset(s - 1 for s in starts if s >= 1)


def plain_messages(*, max_size: int = 40) -> st.SearchStrategy[str]:
    """Short, non-blank messages mixing GSM, Arabic and emoji."""
    return st.tuples(
        st.sampled_from(ASCII_LETTERS),
        st.text(st.sampled_from(GSM_NARROW + " " + ARABIC[:6] + ASTRAL[:3]), max_size=max_size),
    ).map("".join)


def too_long_messages() -> st.SearchStrategy[MessageCase]:
    """Messages that need six parts or more."""
    return boundary_messages(
        edges=lambda enc: [SPEC_PART_LIMITS[5][0 if enc == GSM7 else 1] + 40], spread=35
    )
