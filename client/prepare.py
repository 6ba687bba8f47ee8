"""A send request made ready and checked before anything goes over the wire.

:func:`check` turns what an app passes (numbers as people write them, a datetime, a list of
reference ids) into the gateway's parameters, cuts more than 50 numbers into chunks whose
reference ids stay aligned, and runs :func:`ismart_sms_kit.protocol.validation.check` -- the very
checks the
emulator runs -- on every chunk. A request that fails gets the code the gateway would answer,
and the client sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from datetime import timezone as _timezone
from random import SystemRandom
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ismart_sms_kit.client.errors import error_for
from ismart_sms_kit.client.numbers import normalize_numbers
from ismart_sms_kit.protocol.segments import (
    Encoding,
    Segments,
    SegmentsView,
    count,
    detect_encoding,
)
from ismart_sms_kit.protocol.spec import LANG_ARABIC, LANG_ENGLISH, LANGUAGES, ReturnCode
from ismart_sms_kit.protocol.validation import DEFAULT_LIMITS, Finding, Limits, format_push_datetime
from ismart_sms_kit.protocol.validation import check as check_request

MUSCAT: Final = _timezone(timedelta(hours=4), "Asia/Muscat")
"""The gateway's clock: Oman is UTC+4 all year (no daylight saving), so a fixed offset is
exact and needs no time-zone database (``tzdata``) on any OS."""

GATEWAY_TIMEZONE: Final = "Asia/Muscat"


def resolve_timezone(tz: tzinfo | str) -> tzinfo:
    """A ``tzinfo`` for a ``tzinfo`` or an IANA name; ``Asia/Muscat`` and ``UTC`` need no
    time-zone database, other names use :mod:`zoneinfo` (``pip install tzdata`` on Windows)."""
    if not isinstance(tz, str):
        return tz
    if tz == GATEWAY_TIMEZONE:
        return MUSCAT
    if tz.upper() == "UTC":
        return _timezone.utc
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {tz!r} (an IANA name such as Asia/Muscat; on systems without "
            "a time-zone database, pip install tzdata)"
        ) from exc


def format_push_at(when: datetime | str | None, tz: tzinfo = MUSCAT) -> str | None:
    """``PushDateTime`` as the gateway expects it (``MM/DD/YYYY HH:mm:ss``, its own clock).

    An aware datetime is converted to the gateway's time zone ``tz``; a naive one is taken as
    already on the gateway's clock; a string is sent as it is (and checked like any other).
    """
    if when is None or isinstance(when, str):
        return when
    if when.tzinfo is not None and when.tzinfo.utcoffset(when) is not None:
        when = when.astimezone(tz).replace(tzinfo=None)
    return format_push_datetime(when.replace(microsecond=0))


def choose_lang(message: str) -> int:
    """0 (English) for a GSM-7 text, 64 (Arabic) for anything that needs UCS-2."""
    return LANG_ENGLISH if detect_encoding(message) is Encoding.GSM7 else LANG_ARABIC


@dataclass(frozen=True, slots=True)
class Chunk:
    """One gateway request's share of a send: at most 50 numbers and their reference ids."""

    numbers: tuple[str, ...]
    reference_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckResult(SegmentsView):
    """A request after the client's checks: what would be sent, and the code the gateway
    would answer when a check fails (``code`` is None when every check passes).

    Only request-only rules are checked here; what needs the account (password, credit,
    registered headers) only the gateway can answer.
    """

    code: ReturnCode | None
    reason: str | None
    numbers: tuple[str, ...]
    reference_ids: tuple[str, ...]
    header: str
    lang: int
    segments: Segments
    push_datetime: str | None
    flash: bool | None
    chunks: tuple[Chunk, ...]
    message: str = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.code is None

    @property
    def description(self) -> str:
        return self.code.description if self.code is not None else "Passes the client's checks."

    @property
    def requests(self) -> int:
        """How many gateway requests the send takes (one per 50 numbers)."""
        return len(self.chunks)

    def raise_for_code(self) -> CheckResult:
        """Raise the error the gateway would answer; return self when the checks pass."""
        if self.code is not None:
            raise error_for(self.code, reason=self.reason, local=True)
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "code": int(self.code) if self.code is not None else None,
            "description": self.description,
            "reason": self.reason,
            "numbers": list(self.numbers),
            "reference_ids": list(self.reference_ids),
            "header": self.header,
            "lang": self.lang,
            "encoding": str(self.encoding),
            "parts": self.parts,
            "units": self.units,
            "push_datetime": self.push_datetime,
            "requests": self.requests,
        }


def new_reference_ids(count: int) -> list[str]:
    """``count`` distinct random 6-digit reference ids (100000..999999)."""
    return [str(n) for n in _random.sample(range(100_000, 1_000_000), min(count, 900_000))]


_random = SystemRandom()


def check(
    numbers: str | Iterable[str],
    message: str,
    *,
    header: str,
    lang: int | None = None,
    push_at: datetime | str | None = None,
    reference_ids: Sequence[str | int] | None = None,
    flash: bool | None = None,
    default_country: str | None = None,
    timezone: tzinfo | str = MUSCAT,
    limits: Limits = DEFAULT_LIMITS,
) -> CheckResult:
    """Normalise, chunk and check one send; nothing is sent.

    ``reference_ids``, when given, must pair one id with each number (a ``ValueError``
    otherwise: a misaligned list is a bug in the caller, not something to guess at). When none
    are given and the endpoint wants them (``limits.reference_ids_required`` or
    ``make_up_reference_ids``), one random
    6-digit id per number is made up (:func:`new_reference_ids`); the result carries them, for
    the delivery reports.
    """
    nums = normalize_numbers(numbers, default_country)
    refs = [str(r).strip() for r in reference_ids] if reference_ids is not None else None
    if refs is None and (limits.reference_ids_required or limits.make_up_reference_ids):
        refs = new_reference_ids(len(nums))
    if refs is not None and len(refs) != len(nums):
        raise ValueError(
            f"{len(refs)} reference id(s) for {len(nums)} number(s): give one per number"
        )
    chosen_lang = choose_lang(message) if lang is None else lang
    push = format_push_at(push_at, resolve_timezone(timezone))
    size = max(limits.max_numbers, 1)
    chunks = tuple(
        Chunk(tuple(nums[i : i + size]), tuple(refs[i : i + size]) if refs else ())
        for i in range(0, max(len(nums), 1), size)
    )
    finding: Finding | None = None
    segments: Segments | None = None
    for chunk in chunks:
        outcome = check_request(
            ",".join(chunk.numbers),
            message,
            str(chosen_lang),
            header,
            push_datetime=push,
            reference_ids=",".join(chunk.reference_ids) if refs else None,
            limits=limits,
        )
        if isinstance(outcome, Finding):
            finding = outcome
            break
        segments = outcome.segments
    if segments is None:
        segments = count(message, chosen_lang if chosen_lang in LANGUAGES else None)
    return CheckResult(
        code=finding.code if finding else None,
        reason=finding.reason if finding else None,
        numbers=tuple(nums),
        reference_ids=tuple(refs or ()),
        header=header,
        lang=chosen_lang,
        segments=segments,
        push_datetime=push,
        flash=flash,
        chunks=chunks,
        message=message,
    )
