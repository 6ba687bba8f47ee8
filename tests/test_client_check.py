"""The client's checks alone (no server): chunking, reference ids, language, PushDateTime."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ismart_sms_kit.client.errors import InvalidRequestError
from ismart_sms_kit.client.prepare import (
    MUSCAT,
    check,
    choose_lang,
    format_push_at,
    resolve_timezone,
)
from ismart_sms_kit.protocol.segments import Encoding
from ismart_sms_kit.protocol.spec import ReturnCode
from ismart_sms_kit.protocol.validation import Limits


def numbers(n: int) -> list[str]:
    return [f"968991{i:05d}" for i in range(n)]


def test_a_good_request_passes_and_says_what_would_be_sent() -> None:
    checked = check("+968 9912 3456", "Hello", header="AnyHeader")
    assert checked.ok and checked.code is None
    assert checked.numbers == ("96899123456",)
    assert (checked.lang, checked.encoding, checked.parts, checked.units) == (0, "GSM7", 1, 5)
    assert checked.requests == 1
    checked.raise_for_code()  # returns quietly


@pytest.mark.parametrize(
    ("text", "lang", "encoding"),
    [("Hello", 0, Encoding.GSM7), ("مرحبا", 64, Encoding.UCS2), ("Hi 😀", 64, Encoding.UCS2)],
)
def test_lang_none_picks_0_or_64_from_the_text(text: str, lang: int, encoding: Encoding) -> None:
    assert choose_lang(text) == lang
    checked = check("96899123456", text, header="AnyHeader")
    assert (checked.lang, checked.encoding) == (lang, encoding)


def test_an_explicit_lang_is_kept_even_when_the_text_needs_ucs2() -> None:
    checked = check("96899123456", "مرحبا", header="AnyHeader", lang=0)
    assert (checked.lang, checked.encoding) == (0, "UCS2")  # the gateway counts it as UCS-2


def test_more_than_50_numbers_make_chunks_of_50_with_ids_aligned() -> None:
    nums = numbers(120)
    refs = [str(100000 + i) for i in range(120)]
    checked = check(nums, "Hi", header="AnyHeader", reference_ids=refs)
    assert checked.ok
    assert [len(c.numbers) for c in checked.chunks] == [50, 50, 20]
    for chunk in checked.chunks:
        assert len(chunk.numbers) == len(chunk.reference_ids)
        for number, ref in zip(chunk.numbers, chunk.reference_ids, strict=True):
            assert refs[nums.index(number)] == ref
    assert [n for c in checked.chunks for n in c.numbers] == nums


def test_chunk_size_follows_the_limits() -> None:
    checked = check(numbers(7), "Hi", header="AnyHeader", limits=Limits(max_numbers=3))
    assert [len(c.numbers) for c in checked.chunks] == [3, 3, 1]


def test_reference_ids_must_pair_one_with_each_number() -> None:
    with pytest.raises(ValueError, match="2 reference id"):
        check("96899123456", "Hi", header="AnyHeader", reference_ids=[101, 102])


def test_integer_reference_ids_are_sent_as_digits() -> None:
    checked = check("96899123456", "Hi", header="AnyHeader", reference_ids=[101])
    assert checked.reference_ids == ("101",)


def test_a_bad_number_in_a_later_chunk_is_found() -> None:
    nums = [*numbers(60), "12345"]
    checked = check(nums, "Hi", header="AnyHeader")
    assert checked.code is ReturnCode.INVALID_MOBILE
    assert "'12345'" in (checked.reason or "")
    with pytest.raises(InvalidRequestError) as raised:
        checked.raise_for_code()
    assert raised.value.local and raised.value.code is ReturnCode.INVALID_MOBILE


def test_reference_ids_are_made_up_when_the_endpoint_needs_them() -> None:
    required = Limits(reference_ids_required=True)
    checked = check(["96899123456", "96899123457"], "Hi", header="H", limits=required)
    assert checked.ok
    assert len(set(checked.reference_ids)) == 2
    assert all(r.isdigit() and len(r) == 6 for r in checked.reference_ids)
    assert check("", "Hi", header="H", limits=required).code is ReturnCode.INVALID_REQUEST
    assert check("96899123456", "Hi", header="H").reference_ids == ()  # optional: none made


# -- PushDateTime ---------------------------------------------------------------------------
def test_an_aware_datetime_is_converted_to_the_gateway_clock() -> None:
    assert format_push_at(datetime(2026, 3, 4, 3, 30, tzinfo=timezone.utc)) == "03/04/2026 07:30:00"
    paris = datetime(2026, 7, 1, 23, 15, 9, tzinfo=ZoneInfo("Europe/Paris"))  # UTC+2 in summer
    assert format_push_at(paris) == "07/02/2026 01:15:09"


def test_a_naive_datetime_is_taken_as_the_gateway_clock() -> None:
    assert format_push_at(datetime(2018, 3, 4, 7, 30, 0, 999)) == "03/04/2018 07:30:00"


def test_a_string_is_sent_as_it_is_and_checked() -> None:
    assert format_push_at("03/04/2018 07:30:00") == "03/04/2018 07:30:00"
    checked = check("96899123456", "Hi", header="H", push_at="2018-03-04 07:30")
    assert checked.code is ReturnCode.INVALID_DATETIME


def test_another_gateway_timezone_by_name_or_tzinfo() -> None:
    when = datetime(2026, 1, 1, 0, 0, tzinfo=timezone.utc)
    assert format_push_at(when, resolve_timezone("UTC")) == "01/01/2026 00:00:00"
    assert format_push_at(when, resolve_timezone("Asia/Dubai")) == "01/01/2026 04:00:00"
    assert format_push_at(when, timezone(timedelta(hours=-5))) == "12/31/2025 19:00:00"
    checked = check("96899123456", "Hi", header="H", push_at=when, timezone="Asia/Kolkata")
    assert checked.push_datetime == "01/01/2026 05:30:00"


def test_muscat_needs_no_timezone_database_and_agrees_with_it() -> None:
    assert resolve_timezone("Asia/Muscat") is MUSCAT
    for month in range(1, 13):  # no daylight saving: +4 all year
        when = datetime(2026, month, 15, 12, tzinfo=timezone.utc)
        assert (
            when.astimezone(MUSCAT).utcoffset()
            == when.astimezone(ZoneInfo("Asia/Muscat")).utcoffset()
        )


def test_an_unknown_timezone_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        resolve_timezone("Mars/Olympus")
