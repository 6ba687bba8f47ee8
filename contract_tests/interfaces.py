"""The kit's client for each interface: how a request (the form reading the oracle judges) goes
out on it, and how its answer is read back to a code, held to the interface's answer shape.

* ``form``: the run's URL (the documented ``SMSDynamicRefIntlAPI.aspx``), a form POST; the
  answer is HTTP 200 and the bare code (``text/plain`` from an emulator).
* ``legacy``: ``SMSDynamicAPI.aspx`` on the same host, a form POST, the same answer shape.
* ``rest``: ``POST /RestApi/api/SMS/PostSMS`` with a JSON body (``UserID``, ``Password``,
  ``Message``, ``Language``, ``MobileNo`` as an array, ``RecipientType`` 1); the answer is
  HTTP 201 and a JSON object whose ``Code`` is a JSON number and ``Message`` a string, for
  every code (A-WEB-SERVICE-ANSWER).
* ``soap``: ``PushMessage`` built by zeep from the WSDL the target serves
  (``/iBulkSMS/webservice/IBulkSMS.asmx?WSDL``), SOAP 1.1; the answer is HTTP 200 and a
  ``PushMessageResult``, for every code: a refusal answered as a SOAP fault is a failure.
  zeep is optional for the kit (``pip install 'ismart-sms-kit[contract-soap]'``): without it
  the SOAP tests are skipped, saying so.

Every request still goes through the kit's :class:`~.transport.Sender` (cap, guard, pace,
recording); the guard judges what the interface carries of the request (REST and SOAP carry no
``Header``, so the late sentinel does not count there). The WSDL is fetched once, outside the
cap (it sends nothing); the SOAP request goes to the target's own address, never to the
address the WSDL names.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Final
from urllib.parse import urlsplit

from ismart_sms_kit.contract_tests.oracle import (
    FORM,
    LEGACY,
    REST,
    SOAP,
    WEB_SERVICE_INTERFACES,
    Request,
    split_numbers,
)
from ismart_sms_kit.contract_tests.transport import Exchange, Wire

PATHS: Final = {
    LEGACY: "/iBulkSMS/HttpWS/SMSDynamicAPI.aspx",
    REST: "/RestApi/api/SMS/PostSMS",
    SOAP: "/iBulkSMS/webservice/IBulkSMS.asmx",
}
"""Each interface's path on the target's host (``form`` is the run's URL)."""
TITLES: Final = {
    FORM: "form (SMSDynamicRefIntlAPI.aspx)",
    LEGACY: "legacy form (SMSDynamicAPI.aspx)",
    REST: "REST (PostSMS, JSON)",
    SOAP: "SOAP (IBulkSMS.asmx, PushMessage)",
}
REST_STATUS: Final = 201
SOAP_SCHEDULE: Final = "2017-01-22T10:00:00"
"""A past ``ScheddateTime`` (the element is required): sent now, as every client sends it."""
SOAP_MISSING = "zeep is not installed: pip install 'ismart-sms-kit[contract-soap]'"


@dataclass(frozen=True)
class Answer:
    """What an interface's answer says: the code (None: none could be read) and, if the
    answer's shape breaks the interface's contract, why."""

    code: int | None
    problem: str | None = None


def title(interface: str) -> str:
    return TITLES.get(interface, interface)


def carried(interface: str, request: Request) -> Request:
    """What ``interface`` carries of ``request`` (REST and SOAP: no Header, no FLashSMS, no
    referenceIds, no PushDateTime); the guard judges this."""
    if interface not in WEB_SERVICE_INTERFACES:
        return request
    drop = {"header", "flashsms", "referenceids", "pushdatetime"}
    return Request(tuple((k, v) for k, v in request.params if k.lower() not in drop), "POST")


def numbers_of(request: Request) -> list[str]:
    raw = request.get("MobileNo")
    if raw is None or raw.strip(" ") == "":
        return []
    return split_numbers(raw)


def rest_body(request: Request) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for field, name in (("UserId", "UserID"), ("Password", "Password"), ("Message", "Message")):
        value = request.get(field)
        if value is not None:
            body[name] = value
    lang = request.get("Lang")
    if lang is not None:
        body["Language"] = lang
    body["MobileNo"] = numbers_of(request)
    body["RecipientType"] = "1"
    return body


class Channels:
    """The kit's clients of the target's interfaces (one per run)."""

    def __init__(self, form_url: str, timeout: float) -> None:
        self.form_url = form_url
        parts = urlsplit(form_url)
        self.base_url = f"{parts.scheme}://{parts.netloc}"
        self.timeout = timeout
        self._soap: Any = None
        self._soap_problem: str | None = None

    def url(self, interface: str) -> str:
        return self.form_url if interface == FORM else self.base_url + PATHS[interface]

    def soap_client(self) -> Any:
        """zeep's client from the WSDL the target serves (None: why in :meth:`soap_problem`)."""
        if self._soap is None and self._soap_problem is None:
            try:
                zeep: Any = importlib.import_module("zeep")
                importlib.import_module("zeep.transports")
            except ImportError:
                self._soap_problem = SOAP_MISSING
                return None
            try:
                transport = zeep.transports.Transport(timeout=self.timeout)
                self._soap = zeep.Client(self.url(SOAP) + "?WSDL", transport=transport)
            except Exception as exc:  # any failure to read the WSDL: the interface is not served
                self._soap_problem = f"no WSDL at {self.url(SOAP)}?WSDL ({type(exc).__name__})"
        return self._soap

    @property
    def soap_problem(self) -> str | None:
        self.soap_client()
        return self._soap_problem

    def wire(self, interface: str, request: Request) -> Wire | None:
        """How ``request`` goes out on ``interface`` (None: the run's form URL, as always)."""
        if interface == FORM:
            return None
        if interface == LEGACY:
            return Wire(LEGACY, self.url(LEGACY), list(request.params))
        if interface == REST:
            body = json.dumps(rest_body(request), ensure_ascii=False).encode("utf-8")
            headers = {"Content-Type": "application/json; charset=utf-8"}
            return Wire(REST, self.url(REST), body, headers)
        client = self.soap_client()
        assert client is not None, self._soap_problem
        etree: Any = importlib.import_module("lxml.etree")
        lang = request.get("Lang")
        envelope, headers = client.service._binding._create(
            "PushMessage",
            (),
            {
                "UserID": request.get("UserId"),
                "Password": request.get("Password"),
                "Message": request.get("Message"),
                "Language": int(lang) if lang is not None else None,
                "ScheddateTime": SOAP_SCHEDULE,
                "Recipients": {"string": numbers_of(request)},
                "RecipientType": 1,
            },
            client=client,
        )
        body = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
        return Wire(SOAP, self.url(SOAP), body, dict(headers))

    def read(self, interface: str, exchange: Exchange, *, strict_type: bool) -> Answer:
        """The code ``exchange`` answers on ``interface``, and any breach of its answer shape
        (``strict_type``: from an emulator, which promises its media types)."""
        if exchange.status is None:
            return Answer(None, f"no answer ({exchange.error})")
        if interface in (FORM, LEGACY):
            return read_form(exchange, strict_type=strict_type)
        if interface == REST:
            return read_rest(exchange)
        return self.read_soap(exchange)

    def read_soap(self, exchange: Exchange) -> Answer:
        fault_type: Any = importlib.import_module("zeep.exceptions").Fault
        client = self.soap_client()
        binding = client.service._binding
        response = SimpleNamespace(
            status_code=exchange.status,
            content=exchange.content,
            headers={"Content-Type": exchange.content_type or "text/xml"},
            encoding="utf-8",
        )
        try:
            result = binding.process_reply(client, binding.get("PushMessage"), response)
        except fault_type as fault:
            return Answer(
                None,
                f"a SOAP fault (HTTP {exchange.status}, {fault.code}: {str(fault.message)[:120]!r})"
                ", not a PushMessageResult",
            )
        except Exception as exc:
            return Answer(None, f"no PushMessageResult ({type(exc).__name__}: {exc})"[:300])
        if exchange.status != 200:
            return Answer(None, f"HTTP {exchange.status}, not 200")
        if not isinstance(result, int) or isinstance(result, bool):
            return Answer(None, f"PushMessageResult {result!r}, not an integer")
        return Answer(result)


def read_form(exchange: Exchange, *, strict_type: bool) -> Answer:
    body = exchange.body or ""
    if exchange.status != 200 or not body.isdecimal() or not body.isascii():
        return Answer(None, f"{exchange.code_text}, not HTTP 200 and a bare code")
    if strict_type and not exchange.plain_text:
        return Answer(
            int(body),
            f"{exchange.code_text} as {exchange.content_type!r}; the emulator promises "
            "text/plain (the bare code)",
        )
    return Answer(int(body))


def read_rest(exchange: Exchange) -> Answer:
    try:
        answer = json.loads(exchange.body or "")
    except ValueError:
        return Answer(None, f"HTTP {exchange.status} {exchange.body!r:.80}, not JSON")
    if not isinstance(answer, dict) or "Code" not in answer:
        return Answer(None, f"HTTP {exchange.status} {answer!r:.80}, not an object with Code")
    code = answer["Code"]
    if not isinstance(code, int) or isinstance(code, bool):
        return Answer(None, f"Code {code!r} ({type(code).__name__}), not a JSON number")
    if not isinstance(answer.get("Message"), str):
        return Answer(code, f"Message {answer.get('Message')!r}, not a string")
    if exchange.status != REST_STATUS:
        return Answer(code, f"HTTP {exchange.status} with Code {code}, not {REST_STATUS}")
    return Answer(code)
