"""The SOAP interface: the ASMX service ``IBulkSMS`` and its one operation, ``PushMessage``.

:data:`PUSH_MESSAGE` describes the operation once (its elements, their XML Schema types and
occurrences, its result, its action); everything else is written from it, one concern a module:

* :mod:`.operation`: ``PUSH_MESSAGE`` (:class:`Operation`, :class:`Part`), the SOAP versions
  (:class:`SoapVersion`, :func:`version_of`);
* :mod:`.document`: the service description (:func:`wsdl`) and ASMX's help page;
* :mod:`.reader`: :func:`read_request`, as ASMX's ``XmlSerializer`` reads a request, with
  :mod:`defusedxml` (a DTD is refused outright);
* :mod:`.xsd`: ``xs:int`` and ``xs:dateTime`` values as .NET reads them;
* :mod:`.answers`: :func:`result_envelope`, :class:`SoapFault` and :func:`fault_envelope`.

This package re-exports their public names: ``from ...interfaces import soap`` then
``soap.read_request(...)``.
"""

from __future__ import annotations

from ismart_sms_kit.mock_server.endpoints.interfaces.soap.answers import (
    SoapFault,
    fault_envelope,
    result_envelope,
)
from ismart_sms_kit.mock_server.endpoints.interfaces.soap.document import (
    help_page,
    sample_request,
    sample_response,
    wsdl,
)
from ismart_sms_kit.mock_server.endpoints.interfaces.soap.operation import (
    ARRAY_ITEM,
    PATH,
    PUSH_MESSAGE,
    XS,
    XSI,
    Operation,
    Part,
    SoapVersion,
    XsdType,
    version_of,
)
from ismart_sms_kit.mock_server.endpoints.interfaces.soap.reader import (
    DTD_PROHIBITED,
    NO_ACTION,
    UNREADABLE,
    SoapRequest,
    read_request,
)
from ismart_sms_kit.mock_server.endpoints.interfaces.soap.xsd import xs_datetime

__all__ = [
    "ARRAY_ITEM",
    "DTD_PROHIBITED",
    "NO_ACTION",
    "PATH",
    "PUSH_MESSAGE",
    "UNREADABLE",
    "XS",
    "XSI",
    "Operation",
    "Part",
    "SoapFault",
    "SoapRequest",
    "SoapVersion",
    "XsdType",
    "fault_envelope",
    "help_page",
    "read_request",
    "result_envelope",
    "sample_request",
    "sample_response",
    "version_of",
    "wsdl",
    "xs_datetime",
]
