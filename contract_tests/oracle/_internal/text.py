"""Characters: ASCII digits and .NET's white space."""

from __future__ import annotations

from typing import Final

_ASCII_DIGITS: Final = frozenset("0123456789")


def is_ascii_digits(text: str) -> bool:
    return bool(text) and all(ch in _ASCII_DIGITS for ch in text)


NET_WHITESPACE: Final = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)
}
"""Unicode White_Space (what .NET's ``string.IsNullOrWhiteSpace`` skips)."""


def is_blank(message: str) -> bool:
    """A-BLANK: empty or only white space."""
    return all(ch in NET_WHITESPACE for ch in message)
