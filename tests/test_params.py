"""Parameter reading as ASP.NET's Request[...] does it."""

from __future__ import annotations

from ismart_sms_kit.mock_server.params import parse_urlencoded


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
