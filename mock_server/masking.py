"""Which parameter values are secrets, by a rule that errs on the side of masking.

A parameter's name is normalised (percent-decoded until it no longer changes, at most three
times; NFKC-normalised and case-folded, so a full-width ``Ｐassword`` is ``password``;
everything but letters removed) and is secret when the result contains
one of :data:`SECRET_WORDS`. So ``Password``, ``password ``, ``+Password`` (`` Password``),
``Password%00``, ``Password[]``, ``Pass%77ord``, ``pwd``, ``Passwd``, ``api_token`` and
``client_secret`` are all masked, and none of the gateway's other parameters is (``UserId``,
``MobileNo``, ``Message``, ``Lang``, ``Header``, ``PushDateTime``, ``referenceIds``,
``FLashSMS``). A harmless parameter whose name happens to contain one of the words is masked
too: that is the side to err on.

:func:`mask_text` applies the rule to ``name=value`` pairs inside free text (a URL in a log
line): the value runs to the next ``&`` or white space, and a pair inside another's value
(``x=1;Password=...``) is masked too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final
from urllib.parse import unquote_plus

MASK: Final = "***"
SECRET_WORDS: Final = (
    "pass",
    "pwd",
    "pswd",
    "secret",
    "token",
    "auth",
    "credential",
    "apikey",
    "privatekey",
    "session",
    "cookie",
)
_NOT_LETTERS: Final = re.compile(r"[^a-z]+")


@lru_cache(maxsize=1024)
def is_secret_name(name: str) -> bool:
    """Whether the value of a parameter called ``name`` must never be kept or shown."""
    for _ in range(3):
        decoded = unquote_plus(name, errors="replace")
        if decoded == name:
            break
        name = decoded
    # NFKC and case folding: a full-width or otherwise compatible form is the same name
    letters = _NOT_LETTERS.sub("", unicodedata.normalize("NFKC", name).casefold())
    return any(word in letters for word in SECRET_WORDS)


# name=value in a URL or a form: the name starts after ?, &, ;, white space or a quote; the
# separator is = or its escape; the value runs to the next & or white space
_PAIR: Final = re.compile(r"(?P<name>[^?&;=\s\"]+)(?P<sep>=|%3[dD])(?P<value>[^&\s]*)")


def _masked(match: re.Match[str]) -> str:
    value = match.group("value")
    if not value:
        return match.group(0)
    if not is_secret_name(match.group("name")):
        # the value may hold more pairs (``x=1;Password=...``): masked in turn
        return f"{match.group('name')}{match.group('sep')}{_PAIR.sub(_masked, value)}"
    return f"{match.group('name')}{match.group('sep')}{MASK}"


def mask_text(text: str) -> str:
    """``text`` with the value of every secret ``name=value`` pair in it replaced by ``***``."""
    if "=" not in text and "%3" not in text:
        return text
    return _PAIR.sub(_masked, text)
