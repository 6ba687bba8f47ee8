"""Request-only checks, one rule at a time, with the spec's own examples."""

from __future__ import annotations

from datetime import datetime

import pytest

from ismart_sms_kit.protocol.spec import ReturnCode
from ismart_sms_kit.protocol.validation import (
    Finding,
    Limits,
    check,
    check_header,
    parse_flash,
    parse_lang,
    parse_numbers,
    parse_push_datetime,
    parse_reference_ids,
)


def code_of(result: object) -> ReturnCode | None:
    return result.code if isinstance(result, Finding) else None


def test_numbers_valid_single_and_multiple() -> None:
    assert parse_numbers("96899123456") == ["96899123456"]
    assert parse_numbers("96899123456,96899123457") == ["96899123456", "96899123457"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", ReturnCode.MOBILE_EMPTY),
        ("   ", ReturnCode.MOBILE_EMPTY),
        ("1", ReturnCode.INVALID_MOBILE),
        ("9689912345", ReturnCode.INVALID_MOBILE),  # 10 digits, like the document's sample
        ("968991234567", ReturnCode.INVALID_MOBILE),  # 12 digits
        ("+96899123456", ReturnCode.INVALID_MOBILE),
        ("0096899123456", ReturnCode.INVALID_MOBILE),
        ("9689912345a", ReturnCode.INVALID_MOBILE),
        ("96899123456,,96899123457", ReturnCode.INVALID_MOBILE),
        ("96899123456,", ReturnCode.INVALID_MOBILE),
        ("96899123456;96899123457", ReturnCode.INVALID_MOBILE),
        ("٩٦٨٩٩١٢٣٤٥٦", ReturnCode.INVALID_MOBILE),  # Arabic-Indic digits are not ASCII
    ],
)
def test_numbers_invalid(raw: str, code: ReturnCode) -> None:
    assert code_of(parse_numbers(raw)) is code


def test_numbers_spaces_around_items_are_ignored_and_duplicates_kept() -> None:
    assert parse_numbers(" 96899123456 , 96899123456") == ["96899123456", "96899123456"]


def test_numbers_count_limit_and_its_code() -> None:
    fifty = ",".join(["96899123456"] * 50)
    assert isinstance(parse_numbers(fifty), list)
    assert code_of(parse_numbers(fifty + ",96899123456")) is ReturnCode.INVALID_MOBILE
    legacy = Limits(too_many_numbers_code=ReturnCode.TOO_MANY_NUMBERS)
    assert code_of(parse_numbers(fifty + ",96899123456", legacy)) is ReturnCode.TOO_MANY_NUMBERS


@pytest.mark.parametrize(("raw", "value"), [("0", 0), ("64", 64), (" 64 ", 64), ("+0", 0)])
def test_lang_valid(raw: str, value: int) -> None:
    assert parse_lang(raw) == value


@pytest.mark.parametrize("raw", ["1", "", "en", "6 4", "64.0", "128", "-64"])
def test_lang_invalid(raw: str) -> None:
    assert code_of(parse_lang(raw)) is ReturnCode.INVALID_LANGUAGE


def test_push_datetime_sample_and_absent() -> None:
    assert parse_push_datetime("03/04/2018 07:30:00") == datetime(2018, 3, 4, 7, 30)
    assert parse_push_datetime("12/31/2030 23:59:59") == datetime(2030, 12, 31, 23, 59, 59)
    assert parse_push_datetime(None) is None
    assert parse_push_datetime("") is None


@pytest.mark.parametrize(
    "raw",
    [
        "02/30/2026 10:00:00",  # no such day
        "13/01/2026 10:00:00",  # month 13 (a DD/MM date)
        "25/12/2026 10:00:00",
        "3/4/2018 7:30:00",  # single digits
        "03/04/2018 07:30",  # no seconds
        "03/04/2018 24:00:00",
        "03/04/2018 07:30:00 PM",
        "2018-03-04 07:30:00",
        "tomorrow",
    ],
)
def test_push_datetime_invalid(raw: str) -> None:
    assert code_of(parse_push_datetime(raw)) is ReturnCode.INVALID_DATETIME


def test_header_shape() -> None:
    assert check_header("AnyHeader") is None
    assert check_header("A" * 11) is None
    assert code_of(check_header("A" * 12)) is ReturnCode.HEADER_NOT_REGISTERED
    assert check_header("") is None  # the account's default sender (issue 17)
    assert check_header("  ") is None
    strict = Limits(blank_header_default=False)
    assert code_of(check_header("", strict)) is ReturnCode.HEADER_NOT_REGISTERED


def test_reference_ids() -> None:
    assert parse_reference_ids(None) == []
    assert parse_reference_ids("101,102") == ["101", "102"]
    assert parse_reference_ids("123456") == ["123456"]
    for bad in ("12", "1234567", "10a", "96899123456-1795", "101,,102"):
        assert code_of(parse_reference_ids(bad)) is ReturnCode.INVALID_REQUEST, bad
    required = Limits(reference_ids_required=True)
    assert code_of(parse_reference_ids(None, required)) is ReturnCode.INVALID_REQUEST
    assert parse_reference_ids("x-1", Limits(reference_ids_strict=False)) == ["x-1"]


def test_flash() -> None:
    assert parse_flash(None) is False
    assert parse_flash("Y") is True
    assert parse_flash("N") is False
    assert code_of(parse_flash("y")) is ReturnCode.WRONG_FLASH_PARAMETER
    assert parse_flash("y", Limits(flash_lower_case=True)) is True


def test_check_runs_in_the_default_order() -> None:
    ok = check("96899123456", "Hi", "0", "AnyHeader", "03/04/2018 07:30:00", "101")
    assert not isinstance(ok, Finding)
    assert ok.numbers == ["96899123456"] and ok.segments.parts == 1
    # numbers (9) before blank message (5) before language (10) before date (16)
    assert code_of(check("1", "", "7", "H", "x")) is ReturnCode.INVALID_MOBILE
    assert code_of(check("96899123456", "", "7", "H", "x")) is ReturnCode.MESSAGE_BLANK
    assert code_of(check("96899123456", "a", "7", "H", "x")) is ReturnCode.INVALID_LANGUAGE
    assert code_of(check("96899123456", "a" * 766, "0", "H", "x")) is ReturnCode.MESSAGE_TOO_LONG
    assert code_of(check("96899123456", "a", "0", "H", "x")) is ReturnCode.INVALID_DATETIME
    assert code_of(check("96899123456", "a", "0", "A" * 12)) is ReturnCode.HEADER_NOT_REGISTERED
