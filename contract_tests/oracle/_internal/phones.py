"""MobileNo: 11 ASCII digits per number, 1 to 50 numbers, comma-separated (8, 9)."""

from __future__ import annotations

from typing import Final

from ismart_sms_kit.contract_tests.oracle._internal.interfaces import (
    LEGACY,
    LEGACY_TOO_MANY_NUMBERS,
)
from ismart_sms_kit.contract_tests.oracle._internal.reading import Fault, _Reading
from ismart_sms_kit.contract_tests.oracle._internal.request import Request
from ismart_sms_kit.contract_tests.oracle._internal.text import is_ascii_digits

MOBILE_DIGITS: Final = 11


MAX_NUMBERS: Final = 50


def split_numbers(raw: str) -> list[str]:
    """The items of MobileNo: split on commas, spaces around each removed (A-NUMBER-SPACES)."""
    return [item.strip(" ") for item in raw.split(",")]


def number_problem(item: str) -> str | None:
    """Why one (stripped) item is not a valid number, or None (A-NUMBER-LENGTH/SPACES)."""
    if item == "":
        return "empty item"
    if not is_ascii_digits(item):
        return f"{item!r} is not only ASCII digits"
    if len(item) != MOBILE_DIGITS:
        return f"{item!r} has {len(item)} digits, not {MOBILE_DIGITS}"
    return None


def _recipients(request: Request) -> int:
    raw = request.get("MobileNo")
    if raw is None or raw.strip(" ") == "":
        return 0
    items = split_numbers(raw)
    return len(items) if all(number_problem(i) is None for i in items) else 0


def _check_mobile(r: _Reading) -> Fault | None:
    raw = r.request.get("MobileNo") or ""
    if raw.strip(" ") == "":
        return Fault("mobile", 8, "MobileNo is empty", ("A-NUMBER-EMPTY",))
    items = split_numbers(raw)
    if len(items) > MAX_NUMBERS:
        if r.interface == LEGACY:
            why = f"{len(items)} numbers, at most 50 (the older endpoint's 24)"
            return Fault("mobile", LEGACY_TOO_MANY_NUMBERS, why, ("A-MAX-NUMBERS", "A-LEGACY"))
        return Fault("mobile", 9, f"{len(items)} numbers, at most 50", ("A-MAX-NUMBERS",))
    for position, item in enumerate(items, 1):
        problem = number_problem(item)
        if problem:
            relied = ["A-NUMBER-LENGTH", "A-NUMBER-SPACES"]
            if len(items) > 1:
                relied.append("A-BATCH-ALL-OR-NOTHING")
            return Fault("mobile", 9, f"number {position}: {problem}", tuple(relied))
    if any(item != raw_item for item, raw_item in zip(items, raw.split(","), strict=True)):
        r.rely("A-NUMBER-SPACES")
    if len(set(items)) < len(items):
        r.rely("A-DUPLICATES")
    return None
