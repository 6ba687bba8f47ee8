"""PushDateTime: ``MM/DD/YYYY HH:mm:ss``, a real date, absent or empty is now (16)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ismart_sms_kit.contract_tests.oracle._internal.reading import Fault, _Reading

_PUSH_FORMAT: Final = re.compile(
    r"([0-9]{2})/([0-9]{2})/([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2})"
)


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


@dataclass(frozen=True)
class PushTime:
    """A PushDateTime as written (gateway-local wall clock)."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int


def parse_push_datetime(raw: str) -> PushTime | str:
    """A real ``MM/DD/YYYY HH:mm:ss`` date, or why not (A-PUSH-FORMAT)."""
    match = _PUSH_FORMAT.fullmatch(raw)
    if match is None:
        return "not MM/DD/YYYY HH:mm:ss"
    month, day, year, hour, minute, second = (int(g) for g in match.groups())
    if not 1 <= year <= 9999:
        return f"year {year} does not exist"
    if not 1 <= month <= 12:
        return f"month {month} does not exist"
    if not 1 <= day <= days_in_month(year, month):
        return f"day {day} does not exist in {month:02d}/{year}"
    if hour > 23 or minute > 59 or second > 59:
        return f"time {hour:02d}:{minute:02d}:{second:02d} does not exist (24-hour clock)"
    return PushTime(year, month, day, hour, minute, second)


def _check_push(r: _Reading) -> Fault | None:
    raw = r.request.get("PushDateTime")
    if raw is None or raw == "":
        r.rely("A-PUSH-ABSENT")
        return None
    parsed = parse_push_datetime(raw)
    if isinstance(parsed, str):
        return Fault("push_datetime", 16, f"PushDateTime {raw!r}: {parsed}", ("A-PUSH-FORMAT",))
    r.rely("A-PUSH-PAST")
    return None
