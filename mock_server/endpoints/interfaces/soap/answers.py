"""The answers: the operation's result and SOAP faults, in the envelope of the request's
SOAP version, as ASMX writes them."""

from __future__ import annotations

import re
from typing import Final

from ismart_sms_kit.mock_server.endpoints.interfaces.soap.operation import (
    PUSH_MESSAGE,
    XS,
    XSI,
    Operation,
    SoapVersion,
)
from ismart_sms_kit.mock_server.endpoints.interfaces.soap.xsd import escape

_ENVELOPE: Final = (
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{env}" '
    f'xmlns:xsi="{XSI}" xmlns:xsd="{XS}"><soap:Body>{{body}}</soap:Body></soap:Envelope>'
)


def result_envelope(
    version: SoapVersion, result: int, operation: Operation = PUSH_MESSAGE
) -> bytes:
    """``<PushMessageResponse><PushMessageResult>n</...>``, as ASMX writes it (HTTP 200)."""
    body = (
        f'<{operation.response} xmlns="{operation.namespace}">'
        f"<{operation.result.name}>{int(result)}</{operation.result.name}>"
        f"</{operation.response}>"
    )
    return _ENVELOPE.format(env=version.envelope, body=body).encode()


class SoapFault(Exception):
    """A SOAP fault, answered with HTTP 500: ``code`` is ``Client``/``Sender``, ``Server`` or
    ``VersionMismatch`` (written with the ``soap:`` prefix), ``text`` the fault string."""

    def __init__(self, version: SoapVersion, code: str, text: str) -> None:
        super().__init__(version, code, text)
        self.version = version
        self.code = code
        self.text = text

    def __str__(self) -> str:
        return f"soap:{self.code}: {self.text}"


_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""The characters XML 1.0 cannot hold (control characters, surrogates, U+FFFE, U+FFFF)."""


def fault_envelope(fault: SoapFault) -> bytes:
    """The fault as ASMX writes it for a remote client (``customErrors`` on: the message, no
    stack trace)."""
    text = _NOT_XML.sub("\ufffd", escape(fault.text))  # it may echo a header's control bytes
    if fault.version is SoapVersion.V11:
        body = (
            f"<soap:Fault><faultcode>soap:{fault.code}</faultcode>"
            f"<faultstring>{text}</faultstring><detail /></soap:Fault>"
        )
    else:
        body = (
            f"<soap:Fault><soap:Code><soap:Value>soap:{fault.code}</soap:Value></soap:Code>"
            f'<soap:Reason><soap:Text xml:lang="en">{text}</soap:Text></soap:Reason>'
            "<soap:Detail /></soap:Fault>"
        )
    return _ENVELOPE.format(env=fault.version.envelope, body=body).encode()
