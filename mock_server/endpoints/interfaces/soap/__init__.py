"""The SOAP interface: the ASMX service ``IBulkSMS`` and its one operation, ``PushMessage``.

:data:`PUSH_MESSAGE` describes the operation once (its elements, their XML Schema types and
occurrences, its result, its action); :func:`wsdl` writes the service description from it,
:func:`read_request` reads a request with it, :func:`result_envelope` and
:func:`fault_envelope` write the answers. The WSDL is the one the gateway publishes (saved by
Visual Studio in arshad-ashraf-a/Takamul's service reference): document/literal, wrapped,
namespace ``http://tempuri.org/``, a SOAP 1.1 and a SOAP 1.2 binding on the same address.

Requests are read as ASMX's ``XmlSerializer`` reads them: elements in any order, unknown
elements ignored, a missing element is its type's default (0 for an int, null otherwise), an
``xs:int`` or ``xs:dateTime`` that does not parse is a fault, so is a body element other than
``PushMessage`` in ``http://tempuri.org/``. XML is parsed with :mod:`defusedxml`, and a DTD is
refused outright, as .NET's SOAP reader refuses it: no external entity is ever fetched and no
entity is ever expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from typing import Final, Literal
from urllib.parse import unquote_plus
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

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


def _media_parameter(content_type: str, name: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, sep, value = part.strip().partition("=")
        if sep and key.strip().lower() == name:
            return value.strip().strip('"')
    return None


# --- the WSDL -------------------------------------------------------------------------------


def wsdl(location: str, operation: Operation = PUSH_MESSAGE) -> bytes:
    """The service description, with both ports at ``location`` (as ASMX writes the address
    the request came to)."""
    op = operation
    s, tns = "s", "tns"

    def element(part: Part) -> str:
        xsd = f"{tns}:{part.type}" if part.type == "ArrayOfString" else f"{s}:{part.type}"
        return (
            f'<{s}:element minOccurs="{part.min_occurs}" maxOccurs="1" '
            f'name="{part.name}" type="{xsd}" />'
        )

    inputs = "\n            ".join(element(p) for p in op.inputs)
    array = ""
    if any(p.type == "ArrayOfString" for p in op.inputs):
        array = f"""
      <{s}:complexType name="ArrayOfString">
        <{s}:sequence>
          <{s}:element minOccurs="0" maxOccurs="unbounded" name="{ARRAY_ITEM}" nillable="true" \
type="{s}:string" />
        </{s}:sequence>
      </{s}:complexType>"""

    def binding(prefix: str, name: str) -> str:
        return f"""
  <wsdl:binding name="{name}" type="tns:{op.service}Soap">
    <{prefix}:binding transport="http://schemas.xmlsoap.org/soap/http" />
    <wsdl:operation name="{op.name}">
      <{prefix}:operation soapAction="{op.action}" style="document" />
      <wsdl:input>
        <{prefix}:body use="literal" />
      </wsdl:input>
      <wsdl:output>
        <{prefix}:body use="literal" />
      </wsdl:output>
    </wsdl:operation>
  </wsdl:binding>"""

    address = quoteattr(location)
    text = f"""<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" \
xmlns:mime="http://schemas.xmlsoap.org/wsdl/mime/" xmlns:tns="{op.namespace}" \
xmlns:s="{XS}" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" \
xmlns:tm="http://microsoft.com/wsdl/mime/textMatching/" \
xmlns:http="http://schemas.xmlsoap.org/wsdl/http/" \
xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" targetNamespace="{op.namespace}" \
xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">
  <wsdl:types>
    <{s}:schema elementFormDefault="qualified" targetNamespace="{op.namespace}">
      <{s}:element name="{op.name}">
        <{s}:complexType>
          <{s}:sequence>
            {inputs}
          </{s}:sequence>
        </{s}:complexType>
      </{s}:element>{array}
      <{s}:element name="{op.response}">
        <{s}:complexType>
          <{s}:sequence>
            {element(op.result)}
          </{s}:sequence>
        </{s}:complexType>
      </{s}:element>
    </{s}:schema>
  </wsdl:types>
  <wsdl:message name="{op.name}SoapIn">
    <wsdl:part name="parameters" element="tns:{op.name}" />
  </wsdl:message>
  <wsdl:message name="{op.name}SoapOut">
    <wsdl:part name="parameters" element="tns:{op.response}" />
  </wsdl:message>
  <wsdl:portType name="{op.service}Soap">
    <wsdl:operation name="{op.name}">
      <wsdl:input message="tns:{op.name}SoapIn" />
      <wsdl:output message="tns:{op.name}SoapOut" />
    </wsdl:operation>
  </wsdl:portType>{binding("soap", f"{op.service}Soap")}{binding("soap12", f"{op.service}Soap12")}
  <wsdl:service name="{op.service}">
    <wsdl:port name="{op.service}Soap" binding="tns:{op.service}Soap">
      <soap:address location={address} />
    </wsdl:port>
    <wsdl:port name="{op.service}Soap12" binding="tns:{op.service}Soap12">
      <soap12:address location={address} />
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>"""
    return text.encode()


_SAMPLE_VALUES: Final = {
    "string": "string",
    "int": "int",
    "dateTime": "dateTime",
    "ArrayOfString": f"<{ARRAY_ITEM}>string</{ARRAY_ITEM}><{ARRAY_ITEM}>string</{ARRAY_ITEM}>",
}


def sample_request(version: SoapVersion, operation: Operation = PUSH_MESSAGE) -> str:
    """A request with a placeholder for each value, as ASMX's help page shows it."""
    fields = "".join(
        f"\n      <{p.name}>{_SAMPLE_VALUES[p.type]}</{p.name}>" for p in operation.inputs
    )
    body = f'<{operation.name} xmlns="{operation.namespace}">{fields}\n    </{operation.name}>'
    return _sample(version, body)


def sample_response(version: SoapVersion, operation: Operation = PUSH_MESSAGE) -> str:
    result = operation.result
    body = (
        f'<{operation.response} xmlns="{operation.namespace}">\n'
        f"      <{result.name}>{_SAMPLE_VALUES[result.type]}</{result.name}>\n"
        f"    </{operation.response}>"
    )
    return _sample(version, body)


def _sample(version: SoapVersion, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<soap:Envelope xmlns:xsi="{XSI}" xmlns:xsd="{XS}" xmlns:soap="{version.envelope}">\n'
        f"  <soap:Body>\n    {body}\n  </soap:Body>\n</soap:Envelope>"
    )


def help_page(operation: Operation = PUSH_MESSAGE, op: str | None = None) -> str:
    """What ASMX shows a browser at the service address: the operations, and for ``?op=``
    one operation's sample SOAP 1.1 and 1.2 requests and responses."""
    svc, name = escape(operation.service), escape(operation.name)
    head = f"<!DOCTYPE html><html><head><title>{svc} Web Service</title></head><body><h1>{svc}</h1>"
    foot = "<p>The iSmart SMS emulator's copy of the service (ismart-sms-kit).</p></body></html>"
    if op != operation.name:
        return (
            f"{head}<p>The following operations are supported. For a formal definition, please "
            'review the <a href="?WSDL">Service Description</a>.</p>'
            f'<ul><li><a href="?op={name}">{name}</a></li></ul>{foot}'
        )
    parts = [f'{head}<p><a href="?">Click here</a> for a complete list of operations.</p>']
    parts.append(f"<h2>{name}</h2>")
    for version in SoapVersion:
        parts.append(f"<h3>SOAP {version.value}</h3>")
        action = (
            f'SOAPAction: "{operation.action}"'
            if version is SoapVersion.V11
            else f'(Content-Type: {version.content_type}; action="{operation.action}")'
        )
        parts.append(
            f"<p>{escape(action)}</p><pre>{escape(sample_request(version, operation))}</pre>"
            f"<pre>{escape(sample_response(version, operation))}</pre>"
        )
    parts.append(foot)
    return "".join(parts)


# --- the answers ----------------------------------------------------------------------------

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


def fault_envelope(fault: SoapFault) -> bytes:
    """The fault as ASMX writes it for a remote client (``customErrors`` on: the message, no
    stack trace)."""
    text = escape(fault.text)
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


# --- reading a request ----------------------------------------------------------------------

UNREADABLE: Final = "Server was unable to read request."
NO_ACTION: Final = (
    "Unable to handle request without a valid action parameter. Please supply a valid soap action."
)
DTD_PROHIBITED: Final = (
    "For security reasons DTD is prohibited in this XML document. To enable DTD processing set "
    "the DtdProcessing property on XmlReaderSettings to Parse and pass the settings into "
    "XmlReader.Create method."
)


@dataclass
class SoapRequest:
    """A readable ``PushMessage`` request: each element's value as its type reads (a missing
    element: None; ASMX would give 0 for an int, see :meth:`number`)."""

    version: SoapVersion
    values: dict[str, str | int | datetime | list[str] | None] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    """Elements ``XmlSerializer`` would skip (unknown names, the wrong namespace)."""
    recipients_text: str | None = None
    """Text directly inside ``Recipients`` (PHP's SoapClient given a comma-joined string);
    ``XmlSerializer`` ignores it."""

    raw: dict[str, str] = field(default_factory=dict)
    """Each element's text as sent (for the journal)."""

    def text_of(self, name: str) -> str | None:
        """An element's text as sent, whatever its type (None: absent or nil)."""
        return self.raw.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def number(self, name: str) -> int:
        value = self.values.get(name)
        return value if isinstance(value, int) else 0

    def when(self, name: str) -> datetime | None:
        value = self.values.get(name)
        return value if isinstance(value, datetime) else None

    def strings(self, name: str) -> list[str] | None:
        value = self.values.get(name)
        return value if isinstance(value, list) else None


def _position(text: str, index: int) -> tuple[int, int]:
    """(line, column), 1-based, of ``index`` in ``text``, as .NET's XML errors count."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _unreadable(
    version: SoapVersion, inner: str, where: tuple[int, int] | None = None
) -> SoapFault:
    if where is None:
        return SoapFault(version, version.client_code, f"{UNREADABLE} ---> {inner}")
    line, column = where
    return SoapFault(
        version,
        version.client_code,
        f"{UNREADABLE} ---> System.InvalidOperationException: There is an error in XML document "
        f"({line}, {column}). ---> {inner}",
    )


def _route11(version: SoapVersion, soap_action: str | None, op: Operation) -> None:
    """SOAP 1.1 routes by the ``SOAPAction`` header alone (ASMX's
    ``Soap11ServerProtocolHelper.RouteRequest``): none, or one naming no operation, is a
    fault before the body is read."""
    if soap_action is None:
        raise SoapFault(version, version.client_code, NO_ACTION)
    action = soap_action.strip()
    if len(action) >= 2 and action[0] == action[-1] == '"':
        action = action[1:-1]
    action = unquote_plus(action)
    if action != op.action:
        raise SoapFault(
            version,
            version.client_code,
            f"Server did not recognize the value of HTTP Header SOAPAction: {action}.",
        )


def _route12(version: SoapVersion, content_type: str, element: str, op: Operation) -> None:
    """SOAP 1.2 routes by the ``action`` parameter of the media type and, when that names no
    operation, by the body's first element (``Soap12ServerProtocolHelper.RouteRequest``): a
    fault only when neither reaches ``op``."""
    action = unquote_plus(_media_parameter(content_type, "action") or "")
    if action == op.action or element == f"{{{op.namespace}}}{op.name}":
        return
    if not action:
        raise SoapFault(version, version.client_code, NO_ACTION)
    raise SoapFault(
        version,
        version.client_code,
        f"Unable to handle request. The action '{action}' was not recognized.",
    )


_TAG: Final = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


def _locate(text: str, local_name: str, start: int = 0) -> int:
    """Where the start tag of the first element named ``local_name`` is, from ``start``."""
    for match in _TAG.finditer(text, start):
        if match.group(1) == local_name:
            return match.start()
    return start


def read_request(
    body: bytes,
    content_type: str,
    soap_action: str | None,
    *,
    operation: Operation = PUSH_MESSAGE,
) -> SoapRequest:
    """Read a SOAP request to ``operation``; raises :class:`SoapFault` as ASMX would answer
    (the caller checked that ``content_type`` is a SOAP media type)."""
    version = version_of(content_type)
    if version is None:
        raise ValueError(f"not a SOAP media type: {content_type!r}")
    if version is SoapVersion.V11:
        _route11(version, soap_action, operation)
    text = body.decode("utf-8", "replace")
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        where = _position(text, max(text.find("<!DOCTYPE"), 0))
        raise _unreadable(
            version,
            f"System.Xml.XmlException: {DTD_PROHIBITED} Line {where[0]}, position {where[1]}.",
        ) from None
    except ParseError as exc:
        line, column = exc.position
        raise _unreadable(
            version,
            f"System.Xml.XmlException: The XML is not well-formed ({_reason(exc)}). "
            f"Line {line}, position {column + 1}.",
        ) from None
    envelope_ns, _, local = _split(root.tag)
    if local != "Envelope" or envelope_ns not in (v.envelope for v in SoapVersion):
        raise _unreadable(
            version,
            f"System.InvalidOperationException: <{local} xmlns='{envelope_ns}'> was not expected.",
            _position(text, _locate(text, local)),
        )
    if envelope_ns != version.envelope:
        raise SoapFault(
            version,
            "VersionMismatch",
            f"Possible SOAP version mismatch: Envelope namespace {envelope_ns} was unexpected. "
            f"Expecting {version.envelope}.",
        )
    body_element = root.find(f"{{{version.envelope}}}Body")
    if body_element is None:
        raise _unreadable(version, "System.Xml.XmlException: The SOAP Body element is missing.")
    call = next(iter(body_element), None)
    if version is SoapVersion.V12:
        _route12(version, content_type, call.tag if call is not None else "", operation)
    body_at = _locate(text, "Body")
    if call is None:
        raise _unreadable(
            version,
            f"System.InvalidOperationException: <{operation.name} "
            f"xmlns='{operation.namespace}'> was expected.",
            _position(text, body_at),
        )
    call_ns, _, call_name = _split(call.tag)
    call_at = _locate(text, call_name, body_at + 1)
    if (call_ns, call_name) != (operation.namespace, operation.name):
        raise _unreadable(
            version,
            f"System.InvalidOperationException: <{call_name} xmlns='{call_ns}'> was not expected.",
            _position(text, call_at),
        )
    return _read_call(version, call, operation, text, call_at)


def _reason(exc: ParseError) -> str:
    message = str(exc)
    return message.split(":", 1)[0] if ":" in message else message


def _split(tag: str) -> tuple[str, str, str]:
    """(namespace, '', local name) of an ElementTree tag."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, "", local
    return "", "", tag


def _is_nil(element: Element) -> bool:
    return element.get(f"{{{XSI}}}nil", "").strip() in ("true", "1")


def _read_call(
    version: SoapVersion, call: Element, op: Operation, text: str, call_at: int
) -> SoapRequest:
    request = SoapRequest(version)
    for child in call:
        namespace, _, name = _split(child.tag)
        part = op.input(name) if namespace == op.namespace else None
        if part is None:
            request.ignored.append(f"{{{namespace}}}{name}" if namespace else name)
            continue
        if _is_nil(child):
            request.values[name] = None
            continue
        raw = child.text or ""
        request.raw[name] = raw
        try:
            if part.type == "string":
                request.values[name] = raw
            elif part.type == "int":
                request.values[name] = _xs_int(raw)
            elif part.type == "dateTime":
                request.values[name] = xs_datetime(raw)
            else:
                request.values[name] = [
                    "" if _is_nil(item) else (item.text or "")
                    for item in child
                    if _split(item.tag)[0] == op.namespace and _split(item.tag)[2] == ARRAY_ITEM
                ]
                if raw.strip():
                    request.recipients_text = raw
        except ValueError as exc:
            where = _position(text, _locate(text, name, call_at))
            raise _unreadable(version, str(exc), where) from None
    return request


_INT: Final = re.compile(r"[ \t\r\n]*([+-]?[0-9]+)[ \t\r\n]*\Z")


def _xs_int(raw: str) -> int:
    """``XmlConvert.ToInt32``: optional sign, digits, surrounding XML white space."""
    match = _INT.match(raw)
    value = int(match.group(1)) if match is not None else None
    if value is None:
        raise ValueError("System.FormatException: Input string was not in a correct format.")
    if not -(2**31) <= value < 2**31:
        raise ValueError(
            "System.OverflowException: Value was either too large or too small for an Int32."
        )
    return value


_DATETIME: Final = re.compile(
    r"(?P<y>-?[0-9]{4,})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:T(?P<H>[0-9]{2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})(?P<f>\.[0-9]+)?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)
_TIME: Final = re.compile(
    r"(?P<H>[0-9]{2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})(?P<f>\.[0-9]+)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)


def xs_datetime(raw: str) -> datetime:
    """An ``xs:dateTime`` (or ``xs:date``, ``xs:time``), as ``XmlSerializer`` reads a
    ``DateTime`` (``XmlConvert.ToDateTime``, any XSD date/time form): naive when it has no
    offset (the server's local time), aware otherwise. A time alone is dated 1 January 0001
    here (a past time, so the message is sent now, as for any past time)."""
    value = raw.strip(" \t\r\n")
    match = _DATETIME.match(value)
    try:
        if match is not None:
            day = date(int(match["y"]), int(match["m"]), int(match["d"]))
            clock = _clock(match["H"], match["M"], match["S"], match["f"])
        else:
            match = _TIME.match(value)
            if match is None:
                raise ValueError
            day = date(1, 1, 1)
            clock = _clock(match["H"], match["M"], match["S"], match["f"])
        when = datetime.combine(day, clock)
        tz = match["tz"]
        if tz:
            offset = timedelta(0) if tz == "Z" else _offset(tz)
            when = when.replace(tzinfo=timezone(offset))
    except (ValueError, OverflowError):
        raise ValueError(
            f"System.FormatException: The string '{value}' is not a valid AllXsd value."
        ) from None
    return when


def _clock(hour: str | None, minute: str | None, second: str | None, fraction: str | None) -> time:
    micro = int((fraction or ".0")[1:7].ljust(6, "0"))
    return time(int(hour or 0), int(minute or 0), int(second or 0), micro)


def _offset(tz: str) -> timedelta:
    sign = -1 if tz[0] == "-" else 1
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    if hours > 14 or minutes > 59:
        raise ValueError(tz)
    return sign * timedelta(hours=hours, minutes=minutes)
