"""The ``PushMessage`` operation described once, and the SOAP versions.

:data:`PUSH_MESSAGE` holds the operation as the gateway's WSDL declares it: its elements, their
XML Schema types and occurrences, its result, its action. The WSDL (:mod:`.document`), the
request reader (:mod:`.reader`) and the answers (:mod:`.answers`) are all written from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final, Literal

from ismart_sms_kit.protocol.spec import SOAP_PATH

PATH: Final = SOAP_PATH
XS: Final = "http://www.w3.org/2001/XMLSchema"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"

XsdType = Literal["string", "int", "dateTime", "ArrayOfString"]


@dataclass(frozen=True)
class Part:
    """One element of the operation's request or response."""

    name: str
    type: XsdType
    min_occurs: int


@dataclass(frozen=True)
class Operation:
    """A document/literal wrapped operation of an ASMX service."""

    service: str
    name: str
    namespace: str
    inputs: tuple[Part, ...]
    result: Part

    @property
    def action(self) -> str:
        return f"{self.namespace}{self.name}"

    @property
    def response(self) -> str:
        return f"{self.name}Response"

    def input(self, name: str) -> Part | None:
        return next((p for p in self.inputs if p.name == name), None)


PUSH_MESSAGE: Final = Operation(
    service="IBulkSMS",
    name="PushMessage",
    namespace="http://tempuri.org/",
    inputs=(
        Part("UserID", "string", 0),
        Part("Password", "string", 0),
        Part("Message", "string", 0),
        Part("Language", "int", 1),
        Part("ScheddateTime", "dateTime", 1),
        Part("Recipients", "ArrayOfString", 0),
        Part("RecipientType", "int", 1),
    ),
    result=Part("PushMessageResult", "int", 1),
)
"""The operation, as the gateway's WSDL declares it (the elements in its order)."""

ARRAY_ITEM: Final = "string"
"""The element name of an ``ArrayOfString`` item."""


class SoapVersion(Enum):
    V11 = "1.1"
    V12 = "1.2"

    @property
    def envelope(self) -> str:
        if self is SoapVersion.V11:
            return "http://schemas.xmlsoap.org/soap/envelope/"
        return "http://www.w3.org/2003/05/soap-envelope"

    @property
    def media_type(self) -> str:
        return "text/xml" if self is SoapVersion.V11 else "application/soap+xml"

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"

    @property
    def client_code(self) -> str:
        """The fault code for a request the server cannot take (ASMX: ``soap:Client`` in SOAP
        1.1, ``soap:Sender`` in SOAP 1.2)."""
        return "Client" if self is SoapVersion.V11 else "Sender"


def version_of(content_type: str) -> SoapVersion | None:
    """The SOAP version a request's media type stands for, None for neither."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "text/xml":
        return SoapVersion.V11
    if media == "application/soap+xml":
        return SoapVersion.V12
    return None
