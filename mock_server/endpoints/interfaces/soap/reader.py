"""Reading a request, as ASMX's ``XmlSerializer`` reads it.

Elements in any order, unknown elements ignored, a missing element is its type's default (0 for
an int, null otherwise), an ``xs:int`` or ``xs:dateTime`` that does not parse is a fault, so is
a body element other than ``PushMessage`` in ``http://tempuri.org/``. XML is parsed with
:mod:`defusedxml`, and a DTD is refused outright, as .NET's SOAP reader refuses it: no external
entity is ever fetched and no entity is ever expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final
from urllib.parse import unquote_plus
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ismart_sms_kit.mock_server.endpoints.interfaces.soap.answers import SoapFault
from ismart_sms_kit.mock_server.endpoints.interfaces.soap.operation import (
    ARRAY_ITEM,
    PUSH_MESSAGE,
    XSI,
    Operation,
    SoapVersion,
    version_of,
)
from ismart_sms_kit.mock_server.endpoints.interfaces.soap.xsd import xs_datetime, xs_int

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


def _media_parameter(content_type: str, name: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, sep, value = part.strip().partition("=")
        if sep and key.strip().lower() == name:
            return value.strip().strip('"')
    return None


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


_ENCODING: Final = re.compile(r"""<\?xml[^>]*?\bencoding\s*=\s*(["'])(.*?)\1""")


def _unsupported_encoding(version: SoapVersion, text: str) -> SoapFault:
    """The fault for an XML declaration's encoding that cannot be read as text (unknown, or a
    codec such as rot13 or base64), as .NET's ``XmlReader`` words it: a client fault."""
    found = _ENCODING.search(text)
    name, at = (found.group(2), found.start(2)) if found else ("", 0)
    line, column = _position(text, at)
    return _unreadable(
        version,
        f"System.Xml.XmlException: System does not support '{name}' encoding. "
        f"Line {line}, position {column}.",
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
    root = _parse(version, body, text)
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
    call, call_at = _check_call(version, call, operation, text)
    return _read_call(version, call, operation, text, call_at)


def _parse(version: SoapVersion, body: bytes, text: str) -> Element:
    """The document's root, or the fault ASMX answers to XML it cannot read."""
    try:
        return SafeET.fromstring(body, forbid_dtd=True)
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
    except (LookupError, UnicodeError, ValueError):  # an encoding Python cannot read as text
        raise _unsupported_encoding(version, text) from None


def _check_call(
    version: SoapVersion, call: Element | None, operation: Operation, text: str
) -> tuple[Element, int]:
    """The Body's element and where it is in ``text``, once it is the ``operation``'s call;
    else the fault ASMX answers (none, or another element)."""
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
    return call, call_at


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
                request.values[name] = xs_int(raw)
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
