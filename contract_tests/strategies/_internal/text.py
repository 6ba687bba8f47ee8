"""Alphabets the strategies draw from, and blank text."""

from __future__ import annotations

from typing import Final

from hypothesis import strategies as st

from ismart_sms_kit.contract_tests.oracle import GSM7_BASIC, GSM7_EXTENSION

ASCII_LETTERS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
GSM_NARROW: Final = "".join(
    sorted(ch for ch in GSM7_BASIC if not ch.isspace() and ch not in "\x1b")
)
"""GSM 03.38 basic characters that are not white space (one septet each)."""
GSM_WIDE: Final = "".join(sorted(GSM7_EXTENSION))
"""The extension table (two septets each)."""
ARABIC: Final = "".join(chr(c) for c in range(0x0621, 0x063B)) + "".join(
    chr(c) for c in range(0x0641, 0x064B)
)
NON_GSM_BMP: Final = ARABIC + "’“”ĉŁ€ÂşЖж中文"  # one UTF-16 unit each; € is GSM (extension)
ASTRAL: Final = "😀😂👍🎉🚀💡🙏🌙𝄞🀄"
"""Characters outside the BMP: a surrogate pair, two UTF-16 units each."""
WHITESPACE: Final = " \t\n\r\u00a0\u2003\u3000"
"""White space both .NET and Python agree on (used to make blank messages)."""
_FULLWIDTH: Final = str.maketrans("0123456789", "０１２３４５６７８９")
_ARABIC_INDIC: Final = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def blank_text(*, min_size: int = 0, max_size: int = 5) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(WHITESPACE), min_size=min_size, max_size=max_size)


def respelled(text: str) -> st.SearchStrategy[str]:
    """``text`` with any of its characters' case swapped (itself included: no swap)."""
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flips: "".join(c.swapcase() if f else c for c, f in zip(text, flips, strict=True))
    )
