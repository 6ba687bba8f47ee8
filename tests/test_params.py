"""Parameter reading as ASP.NET's Request[...] does it."""

from __future__ import annotations

import pytest

from ismart_sms_kit.mock_server.masking import MASK, is_secret_name
from ismart_sms_kit.mock_server.params import Params, from_pairs, parse_urlencoded


def test_names_are_case_insensitive() -> None:
    p = parse_urlencoded(b"userid=a&PASSWORD=b")
    assert p.get("UserId") == "a"
    assert p.get("Password") == "b"
    assert list(p.items()) == [("userid", "a"), ("PASSWORD", "b")]


def test_repeated_name_reads_as_values_joined_with_a_comma() -> None:
    p = parse_urlencoded("MobileNo=96899123456&mobileno=96899123457")
    assert p.get("MobileNo") == "96899123456,96899123457"


def test_bare_key_is_missing_and_empty_value_is_present() -> None:
    p = parse_urlencoded("Header&Lang=")
    assert p.get("Header") is None
    assert p.get("Lang") == ""
    assert "Lang" in p and "Header" not in p


def test_plus_is_space_and_escapes_are_utf8() -> None:
    p = parse_urlencoded("Message=Hello+World%21&Arabic=%D9%85%D8%B1%D8%AD%D8%A8%D8%A7&n=+968")
    assert p.get("Message") == "Hello World!"
    assert p.get("Arabic") == "مرحبا"
    assert p.get("n") == " 968"


def test_broken_escapes_and_bytes_do_not_raise() -> None:
    p = parse_urlencoded(b"Message=100%zz&Bad=%FF%FE&Raw=\xff\x00")
    assert p.get("Message") == "100%zz"
    assert p.get("Bad") == "\ufffd\ufffd"
    assert p.get("Raw") == "\ufffd\x00"


def test_query_string_wins_over_the_form() -> None:
    query = parse_urlencoded("Message=from-query")
    query.update_missing(parse_urlencoded("Message=from-body&Lang=0"))
    assert query.get("Message") == "from-query"
    assert query.get("Lang") == "0"


def _journal_copy_by_hand(params: Params) -> dict[str, str]:
    """The journal's copy computed the long way: every name asked of the masking rule."""
    return {name: MASK if is_secret_name(name) else value for name, value in params.items()}


def _chars_by_hand(params: Params) -> int:
    return sum(len(k) + len(v) for k, v in params.by_key.items())


JOURNAL_CASES = [
    b"UserId=u&Password=secret&Message=hi&MobileNo=968",
    b"Password=a&password=b&PASSWORD=c&UserId=u&UserId=v",
    b"pass%77ord=x&Pass%2577ord=y&api_token=t&Header=H&Header=I&x=1&x=2",
    b"%EF%BC%B0assword=fw&Message=a+b%20c&Lang=0&FLashSMS=N&referenceIds=1,2",
    b"client_secret=s&client_secret=t&Mobile%4eo=9&=empty&bare",
]


@pytest.mark.parametrize("body", JOURNAL_CASES)
def test_the_journal_copy_read_with_the_form_equals_masking_each_name(body: bytes) -> None:
    params = parse_urlencoded(body)
    copy = params.masked()
    assert copy == _journal_copy_by_hand(params)
    assert list(copy) == list(_journal_copy_by_hand(params))  # the order sent, too
    assert params._chars == _chars_by_hand(params)
    built = from_pairs(iter(params.items()))
    assert built.masked() == copy
    assert built._chars == params._chars


def test_the_journal_copy_of_query_and_form_together() -> None:
    query = parse_urlencoded(b"UserId=q&Token=t")
    query.update_missing(parse_urlencoded(b"userid=f&Password=p&Message=m&Message=n"))
    assert query.masked() == {
        "UserId": "q",
        "Token": MASK,
        "Password": MASK,
        "Message": "m,n",
    }
    assert query.masked() == _journal_copy_by_hand(query)
    assert query._chars == _chars_by_hand(query)
