"""One exception hierarchy for every way a send can fail, each carrying the gateway's code.

Apps usually care about the family, not the code: fix the configuration (:class:`AuthError`),
buy credit (:class:`CreditError`), fix the request (:class:`InvalidRequestError`), or try again
later (:class:`GatewayError`). ``except IsmartError`` catches them all. ``code`` is the
gateway's code (a :class:`ReturnCode` when it is a known one, a plain ``int`` for an
undocumented one such as 99, None when the gateway gave no code at all).

Classification of the codes (README, "The client"):

=======================  ===============================================================
AuthError                2 3 7 12 13 17 18 20, and from the field 21 (IP outside Oman),
                         25 (SMS API expired), 31 (delivery reports not enabled)
CreditError              4 14
InvalidRequestError      5 6 8 9 10 15 16 19, and 22 (wrong flash), 24 (too many numbers),
                         32 (reference id blank), 33 (no record found)
OptedOutError            23 (a number opted out) -- an InvalidRequestError of its own, because
                         the fix is to drop that recipient, not to change the request's shape
GatewayError             11, any undocumented code, an HTTP error, an unreadable answer
TransportError           no HTTP answer at all (a GatewayError): see ``may_have_sent``
=======================  ===============================================================

No message of these errors ever contains the password (the client redacts what it quotes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ismart_sms_kit.protocol.spec import ReturnCode, describe

if TYPE_CHECKING:
    from ismart_sms_kit.client.results import SendResult


class IsmartError(Exception):
    """A send that did not end in code 1 (or that was refused before it was sent)."""

    def __init__(
        self,
        code: int | None,
        description: str | None = None,
        *,
        reason: str | None = None,
        local: bool = False,
        result: SendResult | None = None,
    ) -> None:
        self.code = as_return_code(code)
        self.description = description if description is not None else _describe(code)
        self.reason = reason
        self.local = local
        """True when the client's pre-checks refused the request: nothing was sent."""
        self.result = result
        """The whole :class:`SendResult` (every chunk's answer) when the error came from one."""
        super().__init__(self._text())

    def _text(self) -> str:
        head = f"{int(self.code)} {self.description}" if self.code is not None else self.description
        if self.reason and self.reason != self.description:
            head += f" ({self.reason})"
        if self.local:
            head += " [refused by the client's pre-checks; nothing was sent]"
        return head


class AuthError(IsmartError):
    """The account cannot send: credentials, company, status, expiry, permissions, IP."""


class CreditError(IsmartError):
    """Not enough credit, or the credit expired."""


class InvalidRequestError(IsmartError):
    """The request itself is wrong: numbers, message, language, date-time, header, ids."""


class OptedOutError(InvalidRequestError):
    """A recipient opted out (23): remove that number and send again."""


class GatewayError(IsmartError):
    """The gateway failed or gave no usable answer: code 11, an undocumented code, an HTTP
    error status, an answer that is not a code, or (:class:`TransportError`) no answer."""

    def __init__(
        self,
        code: int | None,
        description: str | None = None,
        *,
        reason: str | None = None,
        http_status: int | None = None,
        local: bool = False,
        result: SendResult | None = None,
    ) -> None:
        self.http_status = http_status
        super().__init__(code, description, reason=reason, local=local, result=result)


class TransportError(GatewayError):
    """No HTTP answer arrived: the connection failed, was dropped, or timed out.

    ``may_have_sent`` is False only when the connection could not be made, so the request
    never left; after a timeout or a dropped connection the gateway may have accepted the
    request (and will deliver it), so sending again may deliver twice.
    """

    def __init__(
        self,
        description: str,
        *,
        may_have_sent: bool,
        attempts: int = 1,
        reason: str | None = None,
        result: SendResult | None = None,
    ) -> None:
        self.may_have_sent = may_have_sent
        self.attempts = attempts
        super().__init__(None, description, reason=reason, result=result)


_FAMILIES: Final[dict[type[IsmartError], frozenset[int]]] = {
    AuthError: frozenset({2, 3, 7, 12, 13, 17, 18, 20, 21, 25, 31}),
    CreditError: frozenset({4, 14}),
    InvalidRequestError: frozenset({5, 6, 8, 9, 10, 15, 16, 19, 22, 24, 32, 33}),
    OptedOutError: frozenset({23}),
    GatewayError: frozenset({11}),
}
_CLASS_OF: Final[dict[int, type[IsmartError]]] = {
    code: cls for cls, codes in _FAMILIES.items() for code in codes
}


def as_return_code(code: int | None) -> int | None:
    """``code`` as a :class:`ReturnCode` when it is one, else unchanged."""
    if code is None:
        return None
    try:
        return ReturnCode(code)
    except ValueError:
        return code


def _describe(code: int | None) -> str:
    return describe(code) if code is not None else "No answer from the gateway."


def error_class(code: int | None) -> type[IsmartError]:
    """The exception class for a code; :class:`GatewayError` for None or any unknown code."""
    if code is None:
        return GatewayError
    return _CLASS_OF.get(int(code), GatewayError)


def error_for(
    code: int | None,
    description: str | None = None,
    *,
    reason: str | None = None,
    local: bool = False,
    result: SendResult | None = None,
) -> IsmartError:
    """The exception for a code other than 1, ready to raise."""
    cls = error_class(code)
    return cls(code, description, reason=reason, local=local, result=result)


def raise_for_code(code: int | None, *, reason: str | None = None) -> None:
    """Raise the error of ``code`` unless it is 1 (Message Pushed successfully)."""
    if code is not None and int(code) == ReturnCode.PUSHED:
        return
    raise error_for(code, reason=reason)
