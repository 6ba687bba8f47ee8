"""Reading request parameters the way ASP.NET's ``Request[name]`` does.

* Names are case-insensitive.
* Within one collection (query string or form body) a repeated name reads as its values
  joined with a comma (``NameValueCollection.Get``).
* Across collections the query string wins, then the form body (``HttpRequest.this[]``
  looks in QueryString, then Form): nothing is merged across them.
* A bare key with no ``=`` (``...&Header&...``) is a value with no name, so ``Header`` is
  missing; ``Header=`` is present and empty.
* ``+`` is a space; percent-escapes are UTF-8; an invalid escape stays as it is and an invalid
  UTF-8 sequence becomes U+FFFD, as .NET's decoder does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Final
from urllib.parse import unquote_plus

from ismart_sms_kit.protocol import spec as protocol

_SPELLINGS: Final = {
    name: name
    for name in (
        protocol.P_USER_ID,
        protocol.P_PASSWORD,
        protocol.P_MOBILE,
        protocol.P_MESSAGE,
        protocol.P_PUSH_DATETIME,
        protocol.P_LANG,
        protocol.P_HEADER,
        protocol.P_REFERENCE_IDS,
        protocol.P_FLASH,
    )
}
"""The documented names: a request spelling one exactly shares this string object, so the
journal's 10,000 copies of each request's names do not each hold their own."""
KNOWN_KEYS: Final = frozenset(name.lower() for name in _SPELLINGS)


class Params:
    """A read-only, case-insensitive view of one request's parameters."""

    __slots__ = ("_names", "_values")

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._names: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self._values.get(name.lower())

    def has_all(self, keys: frozenset[str]) -> bool:
        """Whether every one of ``keys`` (lower case) is present."""
        return self._values.keys() >= keys

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._values

    def __len__(self) -> int:
        return len(self._values)

    def items(self) -> Iterator[tuple[str, str]]:
        """(name as first sent, value) pairs."""
        for key, value in self._values.items():
            yield self._names[key], value

    def masked(self, secret: Callable[[str], bool], mask: str) -> dict[str, str]:
        """(name as first sent) -> value, with the value of each name ``secret`` holds for
        replaced by ``mask``: the journal's copy."""
        names = self._names
        return {
            names[key]: (mask if secret(names[key]) else value)
            for key, value in self._values.items()
        }

    def fits(self, params: int, value_chars: int, entry_chars: int) -> bool:
        """Whether the journal keeps these parameters whole: at most ``params`` of them, no
        name or value over ``value_chars`` characters, ``entry_chars`` in all."""
        values = self._values
        if len(values) > params:
            return False
        total = 0
        for key, value in values.items():
            if len(value) > value_chars or len(key) > value_chars:
                return False
            total += len(key) + len(value)
        return total <= entry_chars

    def update_missing(self, other: Params) -> None:
        """Add the names of ``other`` that this collection lacks (a lower-priority source)."""
        for key, value in other._values.items():
            if key not in self._values:
                self._values[key] = value
                self._names[key] = other._names[key]

    def add(self, name: str, value: str) -> None:
        key = name.lower()
        previous = self._values.get(key)
        if previous is None:
            self._values[key] = value
            self._names[key] = name
        else:
            self._values[key] = f"{previous},{value}"


def parse_urlencoded(data: bytes | str, encoding: str = "utf-8") -> Params:
    """One ``application/x-www-form-urlencoded`` collection (a query string or a body);
    percent-escapes are bytes in ``encoding`` (a body's declared charset, as ASP.NET's
    ``Request.ContentEncoding``)."""
    params = Params()
    text = data.decode(encoding, "replace") if isinstance(data, bytes) else data
    if not text:
        return params
    values, names = params._values, params._names  # Params.add, inlined: the hot loop
    for piece in text.split("&"):
        name, sep, value = piece.partition("=")
        if not sep:
            continue
        if "%" in name or "+" in name:
            name = _decode(name, encoding)
        name = _SPELLINGS.get(name, name)
        if "%" in value or "+" in value:
            value = _decode(value, encoding)
        key = name.lower()
        previous = values.get(key)
        if previous is None:
            values[key] = value
            names[key] = name
        else:
            values[key] = f"{previous},{value}"
    return params


_DECODE_CACHED_LENGTH: Final = 40


def _decode(text: str, encoding: str) -> str:
    if "%" not in text:
        return text.replace("+", " ") if "+" in text else text
    if len(text) <= _DECODE_CACHED_LENGTH:  # names and short values (dates) recur
        return _unquote_cached(text, encoding)
    return unquote_plus(text, encoding=encoding, errors="replace")


@lru_cache(maxsize=512)
def _unquote_cached(text: str, encoding: str) -> str:
    return unquote_plus(text, encoding=encoding, errors="replace")


def from_pairs(pairs: Iterator[tuple[str, str]]) -> Params:
    params = Params()
    for name, value in pairs:
        params.add(name, value)
    return params
