"""referenceIds: valid lists and lists with one bad item."""

from __future__ import annotations

from hypothesis import strategies as st

from ismart_sms_kit.contract_tests.strategies._internal.text import _ARABIC_INDIC, ASCII_LETTERS


def reference_id() -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=3, max_size=6)


def valid_reference_ids(*, max_size: int = 60) -> st.SearchStrategy[str]:
    """1..max_size ids of 3 to 6 digits, with optional spaces after the commas."""
    return st.tuples(
        st.lists(reference_id(), min_size=1, max_size=max_size), st.sampled_from([",", ", "])
    ).map(lambda t: t[1].join(t[0]))


def invalid_reference_id() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text("0123456789", min_size=1, max_size=2),
        st.text("0123456789", min_size=7, max_size=25),
        st.text(ASCII_LETTERS, min_size=3, max_size=6),
        reference_id().map(lambda r: "-" + r),
        reference_id().map(lambda r: r[:1] + "a" + r[1:]),
        st.just("96899123456-1795123456789"),
        reference_id().map(lambda r: r.translate(_ARABIC_INDIC)),
        st.just(""),
    )


@st.composite
def invalid_reference_ids(draw: st.DrawFn) -> str:
    """A list of ids with one bad item at a random place (an empty item included)."""
    good = draw(st.lists(reference_id(), max_size=4))
    bad = draw(invalid_reference_id())
    at = draw(st.integers(0, len(good)))
    items = [*good[:at], bad, *good[at:]]
    joined = ",".join(items)
    if joined.strip(" ") == "":  # a lone empty id is "absent", not a fault
        joined = ",,"
    return joined
