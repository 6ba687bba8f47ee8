"""Lang: values .NET int.Parse reads as 0 or 64, and others."""

from __future__ import annotations

from typing import Final

from hypothesis import strategies as st

VALID_LANGS: Final = ("0", "64", " 0", "64 ", "064", "+64", "-0", "00", "\t64", "0\r\n")
INVALID_LANGS: Final = (
    "1", "2", "63", "65", "128", "-64", "", " ", "0x40", "64.0", "6 4", "sixty-four",
    "English", "Arabic", "64abc", "99999999999999", "+-0", "0,64", "٦٤", "６４",
)  # fmt: skip


def lang_values(*, valid: bool) -> st.SearchStrategy[str]:
    if valid:
        return st.sampled_from(VALID_LANGS)
    others = st.integers(-(10**6), 10**6).filter(lambda n: n not in (0, 64)).map(str)
    words = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=6)
    words = words.filter(lambda s: s.lstrip("+-").lstrip("0") not in ("", "64"))
    return st.sampled_from([v for v in INVALID_LANGS if v not in ("٦٤", "６４")]) | others | words
