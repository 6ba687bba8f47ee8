"""The exception hierarchy: every code has a family, and each error carries its code."""

from __future__ import annotations

import pytest

from ismart_sms_kit.client.errors import (
    AuthError,
    CreditError,
    GatewayError,
    InvalidRequestError,
    IsmartError,
    OptedOutError,
    TransportError,
    error_class,
    error_for,
    raise_for_code,
)
from ismart_sms_kit.protocol.spec import ReturnCode

FAMILIES = {
    AuthError: {2, 3, 7, 12, 13, 17, 18, 20, 21, 25, 31},
    CreditError: {4, 14},
    InvalidRequestError: {5, 6, 8, 9, 10, 15, 16, 19, 22, 24, 32, 33},
    OptedOutError: {23},
    GatewayError: {11},
}


def test_the_issue_s_families_for_the_documented_codes() -> None:
    assert {c for c in range(2, 21) if error_class(c) is AuthError} == {2, 3, 7, 12, 13, 17, 18, 20}
    assert {c for c in range(2, 21) if error_class(c) is CreditError} == {4, 14}
    assert {c for c in range(2, 21) if error_class(c) is InvalidRequestError} == {
        5, 6, 8, 9, 10, 15, 16, 19,
    }  # fmt: skip
    assert {c for c in range(2, 21) if error_class(c) is GatewayError} == {11}


@pytest.mark.parametrize("code", [c for c in ReturnCode if c is not ReturnCode.PUSHED])
def test_every_return_code_has_a_family(code: ReturnCode) -> None:
    expected = next(cls for cls, codes in FAMILIES.items() if code in codes)
    assert error_class(code) is expected
    with pytest.raises(expected) as raised:
        raise_for_code(code)
    assert raised.value.code is code
    assert raised.value.description == code.description
    assert str(raised.value).startswith(f"{int(code)} {code.description}")


def test_opted_out_is_an_invalid_request_too() -> None:
    assert issubclass(OptedOutError, InvalidRequestError)
    with pytest.raises(InvalidRequestError):
        raise_for_code(23)


@pytest.mark.parametrize("code", [0, 26, 99, 1000])
def test_an_undocumented_code_is_a_gateway_error_that_keeps_the_number(code: int) -> None:
    error = error_for(code)
    assert type(error) is GatewayError
    assert error.code == code
    assert str(error) == f"{code} Undocumented return code {code}."


def test_code_1_raises_nothing_and_none_is_a_gateway_error() -> None:
    raise_for_code(1)
    raise_for_code(ReturnCode.PUSHED)
    with pytest.raises(GatewayError, match="No answer"):
        raise_for_code(None)


def test_all_errors_share_one_base_and_carry_reason_and_locality() -> None:
    error = error_for(9, reason="MobileNo '1' has 1 digits, not 11", local=True)
    assert isinstance(error, IsmartError)
    assert error.local
    assert "MobileNo '1'" in str(error)
    assert "nothing was sent" in str(error)
    transport = TransportError("No answer", may_have_sent=True, attempts=2, reason="ReadTimeout")
    assert isinstance(transport, GatewayError)
    assert (transport.code, transport.may_have_sent, transport.attempts) == (None, True, 2)
    assert str(transport) == "No answer (ReadTimeout)"
