"""The service description (the WSDL) and the help page ASMX shows a browser, written from
the one description of the operation (:data:`.operation.PUSH_MESSAGE`).

The WSDL is the one the gateway publishes (saved by Visual Studio in arshad-ashraf-a/Takamul's
service reference): document/literal, wrapped, namespace ``http://tempuri.org/``, a SOAP 1.1
and a SOAP 1.2 binding on the same address.
"""

from __future__ import annotations

from typing import Final

from ismart_sms_kit.mock_server.endpoints.interfaces.soap.operation import (
    ARRAY_ITEM,
    PUSH_MESSAGE,
    XS,
    XSI,
    Operation,
    Part,
    SoapVersion,
)
from ismart_sms_kit.mock_server.endpoints.interfaces.soap.xsd import escape


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

    from xml.sax.saxutils import quoteattr  # here: it imports urllib.request (start-up)

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
