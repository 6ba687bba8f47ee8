"""Pure checks of one send request, each giving the code the gateway would answer.

Only what can be judged from the request itself lives here (numbers, message, language,
date-time, header shape, reference ids); checks that need an account (password, credit,
registered headers, ...) live in the emulator. The client runs these before sending, the
emulator runs them inside its validation order, so both always agree.

Decisions on the specification's open questions (each an assumption to verify live; the
README lists them):

* Numbers: items are split on ``,``; spaces around an item are ignored (a ``+968`` sent
  unencoded arrives as `` 968`` and is accepted); an item must then be exactly 11 ASCII digits
  (configurable), so a ``+``, a ``00`` prefix, an 8-digit local number or the document's own
  10-digit sample answer 9; an empty item (``a,,b`` or a trailing comma) answers 9; one bad
  number rejects the whole request; duplicates are kept (each is sent and charged).
* More than 50 numbers answers 9 on the documented endpoint (24 on the older one).
* A message that is empty or only white space is blank (5).
* Lang is an integer (``int.Parse`` rules: surrounding spaces allowed) and must be 0 or 64.
* PushDateTime is ``MM/DD/YYYY HH:mm:ss``, two digits per field, 24-hour clock, a real
  calendar date; absent or empty means now; a past date is accepted and sent now.
* Header: at most 11 characters; whether it is registered is the account's business; an
  empty one means the account's default sender (as an absent one does on the gateway).
* referenceIds: optional as the document says, unless ``Limits.reference_ids_required`` (a
  field report says ``SMSDynamicRefIntlAPI`` answers 15 without them: a switch); when
  given, each comma-separated item is 3 to 6 digits, otherwise the request answers 15; their
  count need not match the numbers (the document's own sample has one number and two ids):
  ids are paired with numbers by position, extra ids are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Final

from ismart_sms_kit.protocol.segments import Segments, count
from ismart_sms_kit.protocol.spec import (
    HEADER_MAX_LENGTH,
    LANGUAGES,
    MAX_NUMBERS,
    MOBILE_LENGTH,
    REFERENCE_ID_MAX_DIGITS,
    REFERENCE_ID_MIN_DIGITS,
    ReturnCode,
)
from ismart_sms_kit.protocol.steps import CLIENT_ORDER

# .NET, not Python: ASCII digits only ([0-9], never \d, which takes Arabic-Indic digits too),
# and the white space .NET allows (int.Parse: ASCII only; IsNullOrWhiteSpace: Unicode's).
_INT = re.compile(r"[\t\n\v\f\r ]*([+-]?[0-9]+)[\t\n\v\f\r ]*\Z")
_PUSH = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2})\Z")
NET_WHITE_SPACE: Final = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    chr(c) for c in range(0x2000, 0x200B)
)
"""What .NET's ``Char.IsWhiteSpace`` (and so ``string.IsNullOrWhiteSpace``) counts as white
space: Unicode's White_Space, not Python's ``str.isspace`` (which adds U+001C..U+001F)."""
_LENIENT_PUSH = re.compile(
    r"(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})/(?P<y>[0-9]{4})"
    r"(?: +(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))? *(?P<half>[AaPp][Mm])?)?\Z"
)
_ISO_PUSH = re.compile(
    r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:[T ](?P<H>[0-9]{2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?)?\Z"
)


@dataclass(frozen=True, slots=True)
class Finding:
    """A failed check: the code to answer and, for people, why."""

    code: ReturnCode
    reason: str


@dataclass(frozen=True, slots=True)
class Limits:
    """The request rules that the specification leaves open, as settings."""

    mobile_lengths: frozenset[int] = frozenset({MOBILE_LENGTH})
    max_numbers: int = MAX_NUMBERS
    too_many_numbers_code: ReturnCode = ReturnCode.INVALID_MOBILE
    header_max_length: int = HEADER_MAX_LENGTH
    reference_ids_required: bool = False
    reference_ids_strict: bool = True
    flash_lower_case: bool = False
    push_datetime_lenient: bool = False
    """Also accept what .NET's ``DateTime.Parse`` takes under en-US (``3/4/2018 7:30 PM``,
    no seconds, ISO ``2018-03-04 19:30``), for gateways that turn out to parse that way."""
    blank_header_default: bool = True
    """An empty or blank Header is no fault: the gateway sends under the account's default
    sender (field notes: production integrations send none); False: 19."""
    make_up_reference_ids: bool = False
    """The client invents one 6-digit id per number when none are given (it does on the Ref
    endpoint, where a field report says ids are needed; they also serve delivery reports)."""


DEFAULT_LIMITS: Final = Limits()


def parse_numbers(raw: str, limits: Limits = DEFAULT_LIMITS) -> list[str] | Finding:
    """The numbers of a ``MobileNo`` value, or the finding (8, 9 or too many) it earns."""
    one = raw.isdigit() and raw.isascii() and len(raw) in limits.mobile_lengths
    if one and limits.max_numbers >= 1:
        return [raw]  # the usual case: one well-formed number
    if not raw.strip(" "):
        return Finding(ReturnCode.MOBILE_EMPTY, "MobileNo is empty")
    items = [item.strip(" ") for item in raw.split(",")]
    if len(items) > limits.max_numbers:
        return Finding(
            limits.too_many_numbers_code,
            f"MobileNo has {len(items)} numbers; at most {limits.max_numbers} are allowed",
        )
    for position, item in enumerate(items, 1):
        if not item:
            return Finding(ReturnCode.INVALID_MOBILE, f"MobileNo item {position} is empty")
        if not (item.isascii() and item.isdigit()):
            return Finding(
                ReturnCode.INVALID_MOBILE, f"MobileNo {item!r} has characters other than digits"
            )
        if len(item) not in limits.mobile_lengths:
            wanted = " or ".join(str(n) for n in sorted(limits.mobile_lengths))
            return Finding(
                ReturnCode.INVALID_MOBILE, f"MobileNo {item!r} has {len(item)} digits, not {wanted}"
            )
    return items


_LANG_AS_SENT: Final = {str(lang): lang for lang in LANGUAGES}
"""``"0"`` and ``"64"``, as nearly every client sends them: no regular expression needed."""


def parse_lang(raw: str) -> int | Finding:
    lang = _LANG_AS_SENT.get(raw)
    if lang is not None:
        return lang
    match = _INT.match(raw)
    if match is None or int(match.group(1)) not in LANGUAGES:
        return Finding(ReturnCode.INVALID_LANGUAGE, f"Lang {raw!r} is neither 0 nor 64")
    return int(match.group(1))


def is_blank(message: str) -> bool:
    """Empty or only white space, as .NET's ``string.IsNullOrWhiteSpace`` sees it."""
    return not message.strip(NET_WHITE_SPACE)


def check_message(message: str, lang: int | None) -> Segments | Finding:
    """The segments of a message, or 5 (blank) / 6 (more than five parts)."""
    if is_blank(message):
        return Finding(ReturnCode.MESSAGE_BLANK, "Message is empty or only white space")
    segments = count(message, lang)
    if segments.too_long:
        return Finding(
            ReturnCode.MESSAGE_TOO_LONG,
            f"Message needs {segments.parts} {segments.encoding} parts "
            f"({segments.units} units); at most 5 are allowed",
        )
    return segments


def _lenient_push(text: str) -> tuple[int, int, int, int, int, int] | None:
    """(month, day, year, hour, minute, second) as en-US ``DateTime.Parse`` would read them."""
    match = _LENIENT_PUSH.match(text)
    if match is not None:
        month, day, year = int(match["m"]), int(match["d"]), int(match["y"])
    else:
        match = _ISO_PUSH.match(text)
        if match is None:
            return None
        month, day, year = int(match["m"]), int(match["d"]), int(match["y"])
    hour, minute, second = (int(match[k] or 0) for k in ("H", "M", "S"))
    half = (match.groupdict().get("half") or "").upper()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "PM" else 0)
    return month, day, year, hour, minute, second


def parse_push_datetime(
    raw: str | None, limits: Limits = DEFAULT_LIMITS
) -> datetime | Finding | None:
    """The naive gateway-local time of a PushDateTime; None (send now) when absent or empty."""
    if raw is None or not raw.strip(" "):
        return None
    if len(raw) <= _PUSH_CACHED_LENGTH:  # clients send the same few values over and over
        return _parse_push_cached(raw, limits.push_datetime_lenient)
    return _parse_push(raw, limits.push_datetime_lenient)


_PUSH_CACHED_LENGTH: Final = 40


def _parse_push(raw: str, lenient: bool) -> datetime | Finding:
    match = _PUSH.match(raw.strip(" "))
    fields = tuple(int(g) for g in match.groups()) if match is not None else None
    if fields is None and lenient:
        fields = _lenient_push(raw.strip(" "))
    if fields is None:
        return Finding(
            ReturnCode.INVALID_DATETIME, f"PushDateTime {raw!r} is not MM/DD/YYYY HH:mm:ss"
        )
    month, day, year, hour, minute, second = fields
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        return Finding(ReturnCode.INVALID_DATETIME, f"PushDateTime {raw!r}: {exc}")


_parse_push_cached = lru_cache(maxsize=256)(_parse_push)


def format_push_datetime(when: datetime) -> str:
    """The gateway's ``MM/DD/YYYY HH:mm:ss`` for a (gateway-local, naive) datetime."""
    return when.strftime("%m/%d/%Y %H:%M:%S")


def check_header(header: str, limits: Limits = DEFAULT_LIMITS) -> Finding | None:
    """19 for a header no account can have registered; an empty one is the account's default
    sender unless ``limits.blank_header_default`` is off."""
    if is_blank(header):
        if limits.blank_header_default:
            return None
        return Finding(ReturnCode.HEADER_NOT_REGISTERED, "Header is empty")
    if len(header) > limits.header_max_length:
        return Finding(
            ReturnCode.HEADER_NOT_REGISTERED,
            f"Header {header!r} is {len(header)} characters; at most "
            f"{limits.header_max_length} can be registered",
        )
    return None


def parse_reference_ids(raw: str | None, limits: Limits = DEFAULT_LIMITS) -> list[str] | Finding:
    if raw is None or not raw.strip(" "):
        if limits.reference_ids_required:
            return Finding(ReturnCode.INVALID_REQUEST, "referenceIds is missing or blank")
        return []
    ids = [item.strip(" ") for item in raw.split(",")]
    if limits.reference_ids_strict:
        for item in ids:
            if not (
                item.isascii()
                and item.isdigit()
                and REFERENCE_ID_MIN_DIGITS <= len(item) <= REFERENCE_ID_MAX_DIGITS
            ):
                return Finding(
                    ReturnCode.INVALID_REQUEST,
                    f"referenceIds item {item!r} is not a number of 3 to 6 digits",
                )
    return ids


def parse_flash(raw: str | None, limits: Limits = DEFAULT_LIMITS) -> bool | Finding:
    """``FLashSMS`` of the older endpoint: Y or N (absent means N)."""
    if raw is None:
        return False
    value = raw.strip()
    if limits.flash_lower_case:
        value = value.upper()
    if value in ("Y", "N"):
        return value == "Y"
    return Finding(ReturnCode.WRONG_FLASH_PARAMETER, f"FLashSMS {raw!r} is neither Y nor N")


@dataclass(frozen=True, slots=True)
class CheckedRequest:
    """A request that passed every request-only check, with its parsed values."""

    numbers: list[str]
    lang: int
    segments: Segments
    push_at: datetime | None
    reference_ids: list[str] = field(default_factory=list)


def check(
    numbers: str,
    message: str,
    lang: str,
    header: str,
    push_datetime: str | None = None,
    reference_ids: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> CheckedRequest | Finding:
    """Every request-only check in the gateway's default order (raw parameter strings in):
    the steps of :data:`~ismart_sms_kit.protocol.steps.CLIENT_ORDER`, in that order."""
    refs: list[str] | Finding = []
    parsed_numbers: list[str] | Finding = []
    parsed_lang: int | Finding = 0
    segments: Segments | Finding | None = None
    push_at: datetime | Finding | None = None
    for step in CLIENT_ORDER:
        finding: Finding | None = None
        if step == "request":
            refs = parse_reference_ids(reference_ids, limits)
        elif step == "mobile":
            parsed_numbers = parse_numbers(numbers, limits)
        elif step == "message_blank" and is_blank(message):
            finding = Finding(ReturnCode.MESSAGE_BLANK, "Message is empty or only white space")
        elif step == "lang":
            parsed_lang = parse_lang(lang)
        elif step == "length":
            segments = check_message(message, parsed_lang if isinstance(parsed_lang, int) else None)
        elif step == "push_datetime":
            push_at = parse_push_datetime(push_datetime, limits)
        elif step == "header":
            finding = check_header(header, limits)
        for value in (refs, parsed_numbers, parsed_lang, segments, push_at, finding):
            if isinstance(value, Finding):
                return value
    assert isinstance(refs, list) and isinstance(parsed_numbers, list)
    assert isinstance(parsed_lang, int) and isinstance(segments, Segments)
    assert not isinstance(push_at, Finding)
    return CheckedRequest(parsed_numbers, parsed_lang, segments, push_at, refs)


def lookup(params: Mapping[str, str], name: str) -> str | None:
    """A parameter by name, case-insensitively, as ASP.NET's ``Request[name]`` finds it."""
    wanted = name.lower()
    for key, value in params.items():
        if key.lower() == wanted:
            return value
    return None
