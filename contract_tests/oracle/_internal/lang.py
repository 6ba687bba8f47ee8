"""Lang: .NET ``int.Parse``, then 0 or 64 (A-LANG)."""

from __future__ import annotations

from typing import Final

from ismart_sms_kit.contract_tests.oracle._internal.reading import Fault, _Reading
from ismart_sms_kit.contract_tests.oracle._internal.request import Request
from ismart_sms_kit.contract_tests.oracle._internal.text import is_ascii_digits

INT_PARSE_WHITESPACE: Final = "\t\n\v\f\r "
"""The white space .NET ``int.Parse`` allows around a number."""


LANGUAGES: Final = (0, 64)


def parse_lang(raw: str) -> int | None:
    """A-LANG: the language as .NET ``int.Parse`` reads it (None: not an integer)."""
    text = raw.strip(INT_PARSE_WHITESPACE)
    sign = 1
    if text[:1] in ("+", "-"):
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if not is_ascii_digits(text):
        return None
    value = sign * int(text)
    return value if -(2**31) <= value < 2**31 else None


def _lang_value(request: Request) -> int | None:
    lang = parse_lang(request.get("Lang") or "")
    return lang if lang in LANGUAGES else None


def _check_lang(r: _Reading) -> Fault | None:
    raw = r.request.get("Lang") or ""
    lang = parse_lang(raw)
    if lang not in LANGUAGES:
        return Fault("lang", 10, f"Lang {raw!r} is neither 0 nor 64", ("A-LANG",))
    if raw != str(lang):
        r.rely("A-LANG")
    return None
