"""Header: sender names, their case and padding variants, unregistered ones."""

from __future__ import annotations

from hypothesis import strategies as st

from ismart_sms_kit.contract_tests.oracle import HEADER_MAX
from ismart_sms_kit.contract_tests.strategies._internal.text import (
    ARABIC,
    ASCII_LETTERS,
    respelled,
)


def header_text(*, min_size: int = 1, max_size: int = HEADER_MAX) -> st.SearchStrategy[str]:
    """Sender names as the field writes them: letters, digits, '-', '&', '.', spaces, Arabic."""
    return st.text(
        st.sampled_from(ASCII_LETTERS + "0123456789-&. _'" + ARABIC[:8]),
        min_size=min_size,
        max_size=max_size,
    )


def case_variants(header: str) -> st.SearchStrategy[str]:
    """The same header in another case (never equal to it); empty when it has no letters."""
    if not any(ch.isalpha() and ch.lower() != ch.upper() for ch in header):
        return st.nothing()
    return respelled(header).filter(lambda h: h != header)


def padded(header: str) -> st.SearchStrategy[str]:
    """The header with white space around it."""
    return st.sampled_from([" " + header, header + " ", " " + header + " ", header + "\t"])


def long_headers() -> st.SearchStrategy[str]:
    return header_text(min_size=HEADER_MAX + 1, max_size=30).filter(lambda h: h.strip() != "")


def unregistered_headers(*, registered: frozenset[str]) -> st.SearchStrategy[str]:
    """Headers the account does not have: unknown names, other cases, padded, too long (never
    blank: no Header is the default sender, A-HEADER-DEFAULT)."""
    from ismart_sms_kit.contract_tests.oracle import is_blank

    variants = [case_variants(h) | padded(h) for h in sorted(registered)]
    return st.one_of(
        header_text().filter(lambda h: h not in registered),
        long_headers(),
        *variants,
    ).filter(lambda h: h not in registered and not is_blank(h))
