"""Client-side convenience: numbers as people write them, turned into what the gateway takes.

The gateway itself takes only international numbers of 11 bare digits (``96891234567``): a
``+968...`` or ``00968...`` answers 9 there (README, "Decisions"). So that an app can pass
numbers as users type them, the client rewrites each one before its pre-checks:

* spaces (any white space), ``-``, ``.``, ``/`` and parentheses are removed;
* a leading ``+`` or ``00`` (the international prefixes) is removed;
* a number written without either prefix, shorter than 11 digits and not already starting
  with the country code is a local number: the ``default_country`` code is put in front, when
  one is given (``91234567`` -> ``96891234567``); without a ``default_country`` it is left
  alone and the pre-check answers 9 for it. (A short number that starts with the code, such as
  ``96891234``, is more likely a cut international number than a local one: it is left alone,
  so it fails the check instead of reaching a stranger.)

Nothing else is guessed: letters, a ``+`` in the middle or an empty item are left as they are,
and the pre-check answers 9 with a reason, exactly as the gateway would.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from ismart_sms_kit.protocol.spec import MOBILE_LENGTH

_SEPARATORS: Final = frozenset("-./()")


def normalize_number(
    raw: str, default_country: str | None = None, *, local_below: int = MOBILE_LENGTH
) -> str:
    """One number in the gateway's form, or the cleaned text when it cannot be one."""
    text = "".join(ch for ch in raw if not ch.isspace() and ch not in _SEPARATORS)
    if text.startswith("+"):
        return text[1:]
    if text.startswith("00"):
        return text[2:]
    if (
        default_country
        and text.isascii()
        and text.isdigit()
        and len(text) < local_below
        and not text.startswith(default_country)
    ):
        return default_country + text
    return text


def normalize_numbers(
    numbers: str | Iterable[str], default_country: str | None = None
) -> list[str]:
    """Every number of a comma-separated string or of a list (whose items may hold commas)."""
    items = [numbers] if isinstance(numbers, str) else list(numbers)
    if not any(item.strip() for item in items):
        return []
    return [normalize_number(part, default_country) for item in items for part in item.split(",")]


def check_country_code(code: str | None) -> str | None:
    """A ``default_country`` as digits (``+968`` and ``00968`` are accepted too)."""
    if code is None:
        return None
    digits = normalize_number(code)
    if not (digits.isascii() and digits.isdigit() and 1 <= len(digits) <= 3):
        raise ValueError(f"default_country {code!r} is not a country calling code like 968")
    return digits
