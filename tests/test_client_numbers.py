"""Numbers as people write them, turned into what the gateway takes (client convenience)."""

from __future__ import annotations

import pytest

from ismart_sms_kit.client.numbers import check_country_code, normalize_number, normalize_numbers


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+968 9123 4567", None, "96891234567"),
        ("0096891234567", None, "96891234567"),
        ("91234567", "968", "96891234567"),
        ("96891234567", "968", "96891234567"),  # already international
        ("+968 (9123) 45-67", "968", "96891234567"),
        ("968.9123.4567", None, "96891234567"),
        ("\u00a0+968\t91234567 ", None, "96891234567"),  # no-break space, tab
        ("91234567", None, "91234567"),  # no default country: left for the check (9)
        ("96891234", "968", "96891234"),  # a cut international number, not a local one
        ("+919812345678", "968", "919812345678"),  # explicit prefix wins over the default
        ("9198XXXXXX", "968", "9198XXXXXX"),  # letters: left for the check
        ("968+91234567", None, "968+91234567"),
        ("", "968", ""),
    ],
)
def test_normalize_number(raw: str, country: str | None, expected: str) -> None:
    assert normalize_number(raw, country) == expected


def test_normalize_numbers_takes_a_string_or_a_list_and_keeps_the_order() -> None:
    assert normalize_numbers("+968 9123 4567, 0096899123456") == ["96891234567", "96899123456"]
    assert normalize_numbers(["91234567", "+96899123456,99123456"], "968") == [
        "96891234567",
        "96899123456",
        "96899123456",
    ]


def test_normalize_numbers_empty_input_is_no_numbers_but_empty_items_stay() -> None:
    assert normalize_numbers("") == []
    assert normalize_numbers("  ") == []
    assert normalize_numbers([]) == []
    assert normalize_numbers("96899123456,,96891234567") == ["96899123456", "", "96891234567"]


@pytest.mark.parametrize(("raw", "expected"), [("968", "968"), ("+968", "968"), ("00968", "968")])
def test_country_code_accepts_the_usual_spellings(raw: str, expected: str) -> None:
    assert check_country_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "oman", "9680", "+"])
def test_country_code_refuses_anything_else(raw: str) -> None:
    with pytest.raises(ValueError, match="country calling code"):
        check_country_code(raw)
