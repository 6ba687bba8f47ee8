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

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Final
from urllib.parse import unquote_plus

from ismart_sms_kit.mock_server.masking import MASK, is_secret_name
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
_KNOWN: Final = {name: (name, name.lower(), is_secret_name(name)) for name in _SPELLINGS}
"""A documented spelling -> (the shared name, its key, whether its value is a secret)."""


class Params:
    """A read-only, case-insensitive view of one request's parameters."""

    __slots__ = ("_chars", "_names", "_shown", "_values", "by_key")

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._shown: dict[str, str] = {}
        """(name as first sent) -> value, a secret's value (``masking``) as ``MASK``: the
        journal's copy, built as the parameters are read (no second pass over them)."""
        self._chars = 0
        """The characters of all keys and values (what :meth:`fits` weighs)."""
        self.by_key: Mapping[str, str] = self._values
        """Lower-cased name -> value: what :meth:`get` reads, for callers on the hot path
        whose names are constants already in lower case (no method call, no ``lower()``)."""

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

    def masked(self) -> dict[str, str]:
        """(name as first sent) -> value, each secret's value (``masking.is_secret_name``) as
        ``MASK``: the journal's copy, built as the parameters were read."""
        return self._shown.copy()

    def fits(self, params: int, value_chars: int, entry_chars: int) -> bool:
        """Whether the journal keeps these parameters whole: at most ``params`` of them, no
        name or value over ``value_chars`` characters, ``entry_chars`` in all."""
        values = self._values
        if len(values) > params:
            return False
        total = self._chars
        if total > entry_chars:
            return False
        # none is longer than all together: the usual request needs no look at each
        return total <= value_chars or (
            max(map(len, values)) <= value_chars and max(map(len, values.values())) <= value_chars
        )

    def update_missing(self, other: Params) -> None:
        """Add the names of ``other`` that this collection lacks (a lower-priority source)."""
        for key, value in other._values.items():
            if key not in self._values:
                name = other._names[key]
                self._values[key] = value
                self._names[key] = name
                self._shown[name] = other._shown[name]
                self._chars += len(key) + len(value)

    def add(self, name: str, value: str) -> None:
        key = name.lower()
        previous = self._values.get(key)
        if previous is None:
            self._values[key] = value
            self._names[key] = name
            self._shown[name] = MASK if is_secret_name(name) else value
            self._chars += len(key) + len(value)
        else:
            self._join(key, f"{previous},{value}", len(value) + 1)

    def _join(self, key: str, joined: str, grown: int) -> None:
        """A repeated name's values joined (``joined``, ``grown`` characters longer)."""
        self._values[key] = joined
        first = self._names[key]
        if not is_secret_name(first):
            self._shown[first] = joined
        self._chars += grown


def parse_urlencoded(data: bytes | str, encoding: str = "utf-8") -> Params:
    """One ``application/x-www-form-urlencoded`` collection (a query string or a body);
    percent-escapes are bytes in ``encoding`` (a body's declared charset, as ASP.NET's
    ``Request.ContentEncoding``)."""
    params = Params()
    text = data.decode(encoding, "replace") if isinstance(data, bytes) else data
    if not text:
        return params
    values, names, shown = params._values, params._names, params._shown  # Params.add, inlined
    chars = 0
    for piece in text.split("&"):
        name, sep, value = piece.partition("=")
        if not sep:
            continue
        known = _KNOWN.get(name)  # a documented name, spelled as documented: most of them
        if known is None:
            name, key = _read_name(name, encoding)
            secret = None
        else:
            name, key, secret = known
        if "%" in value or "+" in value:
            value = _decode(value, encoding)
        if key in values:
            params._chars = chars
            params._join(key, f"{values[key]},{value}", len(value) + 1)
            chars = params._chars
        else:
            values[key] = value
            names[key] = name
            if secret is None:
                secret = is_secret_name(name)
            shown[name] = MASK if secret else value
            chars += len(key) + len(value)
    params._chars = chars
    return params


def _read_name(raw: str, encoding: str) -> tuple[str, str]:
    """(name, lower-cased key) of a name as sent: decoded, a documented spelling shared."""
    name = _decode(raw, encoding) if "%" in raw or "+" in raw else raw
    name = _SPELLINGS.get(name, name)
    return name, name.lower()


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


MAX_SCOPE_CHARS: Final = 256
"""The longest ``X-Mock-Scope`` (the emulator's own header, kept in every message and journal
entry of the scope): a test's id, a CI job's, a pytest node id fit; a longer one is refused
(15 on the gateway's endpoints, 400 on the admin API) rather than cut, which could merge two
scopes."""


def scope_problem(scope: str | None) -> str | None:
    """Why ``scope`` (an ``X-Mock-Scope``) is refused, or None."""
    if scope is None or len(scope) <= MAX_SCOPE_CHARS:
        return None
    return (
        f"X-Mock-Scope is {len(scope)} characters, over the {MAX_SCOPE_CHARS} "
        "an emulator scope may have"
    )
