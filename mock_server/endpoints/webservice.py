"""The REST and SOAP endpoints (``PostSMS``, ``IBulkSMS.asmx``): read, answer, write.

Each reads its request with :mod:`.interfaces` (``rest`` or ``soap``), turns it into the form
API's parameters (:func:`.interfaces.send.to_params`) and lets :meth:`Backend.answer` decide
exactly as for the form API (rules first, else the gateway's decision with the same accounts,
credit, steps, magic numbers, scopes, store and delivery simulation, then the commit), with the
request's own fields in the journal (the password masked) and how it was read in the reason.
It writes the answer in its own shape: a JSON ``{"Code", "Message"}`` or a
``PushMessageResult``. A fault rule's ``code`` is answered in that shape too; its other actions
(an HTTP status, a raw body, a hang, a drop) are the same on every interface.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Final
from urllib.parse import parse_qsl

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.config import EndpointConfig
from ismart_sms_kit.mock_server.endpoints.faults import write
from ismart_sms_kit.mock_server.endpoints.interfaces import rest, soap
from ismart_sms_kit.mock_server.endpoints.interfaces.send import WebServiceSend, to_params
from ismart_sms_kit.mock_server.endpoints.request import (
    SCOPE_HEADER_BYTES,
    MalformedRequest,
    checked_scope,
    client_ip,
    receive_body,
    refusal,
)
from ismart_sms_kit.mock_server.gateway.decision import Decision
from ismart_sms_kit.mock_server.gateway.request import SendRequest
from ismart_sms_kit.mock_server.gateway.steps import unreadable
from ismart_sms_kit.mock_server.params import Params
from ismart_sms_kit.protocol.interfaces import REST, SOAP
from ismart_sms_kit.protocol.spec import SOAP_PATH

LIVE_HOST: Final = "ismartsms.net"
Read = tuple[WebServiceSend, soap.SoapVersion, list[tuple[str, str]]]
CodeWriter = Callable[[Scope, Send, int], Awaitable[None]]


async def _no_receive() -> Message:
    """An answer to a code reads nothing more of the request."""
    return {"type": "http.disconnect"}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _journal_fields(
    send: WebServiceSend, numbers_name: str, schedule: str | None
) -> list[tuple[str, str]]:
    """The request's fields under the interface's own names, for the journal (masked there)."""
    pairs = [
        ("UserID", send.user_id),
        ("Password", send.password),
        ("Message", send.message),
        ("Language", send.language),
        (numbers_name, ",".join(send.numbers)),
        ("RecipientType", send.recipient_type),
        ("ScheddateTime", schedule),
    ]
    return [(name, value) for name, value in pairs if value is not None]


def _own_host(scope: Scope) -> str:
    """The host the WSDL's address names: the request's ``Host``, as ASMX writes it, unless
    that names the live gateway (a client that sets ``Host: ismartsms.net`` itself): then the
    emulator's own address, so that a client built from the WSDL never calls production."""
    host = _header(scope, b"host") or ""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if not host or name.lower().rstrip(".").endswith(LIVE_HOST):
        server = scope.get("server") or ("127.0.0.1", 80)
        address, port = server[0], server[1]
        return f"[{address}]:{port}" if ":" in str(address) else f"{address}:{port}"
    return host


class Refusal(Exception):
    """A request the endpoint answers itself (a SOAP fault, Web API's 405 or 415): the
    journal's decision and the response."""

    def __init__(self, decision: Decision, response: Response) -> None:
        super().__init__(decision.reason)
        self.decision = decision
        self.response = response


def _fault(fault: soap.SoapFault) -> Refusal:
    response = Response(soap.fault_envelope(fault), 500, media_type=fault.version.content_type)
    return Refusal(Decision(None, f"SOAP fault {fault}", "request"), response)


class WebServiceEndpoint:
    """One REST or SOAP endpoint as a raw ASGI app (see the module's docstring); like
    :class:`~.gateway.GatewayEndpoint`, :class:`~.gateway.EmulatorApp` calls it directly."""

    def __init__(self, backend: Backend, endpoint: EndpointConfig) -> None:
        self.backend = backend
        self.endpoint = endpoint
        self.name = endpoint.name
        self.interface = endpoint.interface
        self.rest_options = rest.RestOptions(
            lenient_json=endpoint.lenient_json,
            form_body=endpoint.form_body,
            schedule_strict=endpoint.schedule_strict,
            error_status=endpoint.error_status,
        )
        self.status_of: Callable[[int], int] | None = (
            functools.partial(rest.status, options=self.rest_options)
            if self.interface == REST
            else None  # SOAP: 200, a fault apart
        )
        """The HTTP status of the answer to a code, for the journal: once per endpoint."""
        self.limit: int = backend.config.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.interface == SOAP and scope["method"] in ("GET", "HEAD"):
            await self._describe(scope, receive, send)
            return
        read = await self.read(scope, receive)
        if read is None:  # gone before its request was whole: nothing to answer
            return
        request, version, own = read
        answer = await self.backend.answer(request)
        writer = self._as_json if self.interface == REST else self._soap_writer(version)
        await write(answer, scope, receive, send, writer, own)

    async def read(
        self, scope: Scope, receive: Receive
    ) -> tuple[SendRequest, soap.SoapVersion, Response | None] | None:
        """The request in the form API's terms, the SOAP version to answer in, and the
        endpoint's own answer if it refused the request (None: the client went away)."""
        method: str = scope["method"]
        content_type = _header(scope, b"content-type") or ""
        version = soap.version_of(content_type) or soap.SoapVersion.V11
        params, journal, note = Params(), None, ""
        refused: Decision | None = None
        own: Response | None = None
        try:
            declared = _header(scope, b"content-length")
            body = await receive_body(scope, receive, declared, self.limit)
            soap_action = _header(scope, b"soapaction")
            sent, version, journal = self._read(method, body, content_type, soap_action)
            params, note = self._params(sent), "; ".join(sent.notes)
        except Exception as exc:
            refused, own = self._refusal(exc, version)
            if refused is None:
                return None
        mock_scope, refused = checked_scope(_header(scope, SCOPE_HEADER_BYTES) or "", refused)
        request = SendRequest(
            self.endpoint,
            method,
            client_ip(scope),
            params,
            self.backend.clock(),
            mock_scope,
            refused=refused,
            journal=journal,
            note=note,
            status_of=self.status_of,
            refused_status=own.status_code if own is not None else 200,
        )
        return request, version, own

    def _refusal(
        self, exc: Exception, version: soap.SoapVersion
    ) -> tuple[Decision | None, Response | None]:
        """The decision on a request this endpoint could not read, and its own answer to it
        (a SOAP fault, Web API's 405 or 415); beyond its own refusals, every endpoint's
        (:func:`.request.refusal`)."""
        if isinstance(exc, Refusal):
            return exc.decision, exc.response
        if isinstance(exc, rest.Unreadable):
            return unreadable(f"unreadable body: {exc}"), None
        if isinstance(exc, MalformedRequest) and self.interface == SOAP:
            text = f"{soap.UNREADABLE} ---> {exc}"
            too_large = _fault(soap.SoapFault(version, version.client_code, text))
            return too_large.decision, too_large.response
        return refusal(exc, self.name), None

    async def _as_json(self, scope: Scope, send: Send, code: int) -> None:
        status, body = rest.answer(code, self.rest_options)
        response = Response(body, status, media_type="application/json; charset=utf-8")
        await response(scope, _no_receive, send)

    def _soap_writer(self, version: soap.SoapVersion) -> CodeWriter:
        async def as_soap(scope: Scope, send: Send, code: int) -> None:
            envelope = soap.result_envelope(version, code)
            response = Response(envelope, 200, media_type=version.content_type)
            await response(scope, _no_receive, send)

        return as_soap

    def _params(self, sent: WebServiceSend) -> Params:
        """The form API's parameters of ``sent``, without a Header: neither interface has a
        sender field, so the message goes out under the account's default sender, as a form
        request without a Header does (issue 17), and is marked defaulted."""
        backend = self.backend
        return to_params(sent, None, backend.clock(), backend.options.gateway_tz)

    def _read(self, method: str, body: bytes, content_type: str, soap_action: str | None) -> Read:
        if self.interface == REST:
            return self._read_rest(method, body, content_type)
        version = soap.version_of(content_type)
        if method != "POST" or version is None:
            shown = content_type or "no Content-Type"
            fault = soap.SoapFault(
                soap.SoapVersion.V11, "Client", f"Request format is invalid: {shown}."
            )
            raise _fault(fault)
        try:
            request = soap.read_request(body, content_type, soap_action)
        except soap.SoapFault as fault:
            raise _fault(fault) from None
        sent = WebServiceSend(
            user_id=request.text("UserID"),
            password=request.text("Password"),
            message=request.text("Message"),
            language=str(request.number("Language")),
            numbers=[n.strip() for n in request.strings("Recipients") or [] if n.strip()],
            recipient_type=str(request.number("RecipientType")),
            schedule=request.when("ScheddateTime"),
            schedule_text=request.text_of("ScheddateTime"),
        )
        if request.recipients_text is not None:
            if self.endpoint.recipients_text:
                text = request.recipients_text
                sent.numbers.extend(n.strip() for n in text.split(",") if n.strip())
                sent.notes.append("Recipients read from its text")
            else:
                sent.notes.append("text inside Recipients ignored, as ASMX ignores it")
        if request.ignored:
            sent.notes.append(f"ignored elements: {', '.join(request.ignored)}")
        sent.notes.append(f"SOAP {version.value}")
        return sent, version, _journal_fields(sent, "Recipients", sent.schedule_text)

    def _read_rest(self, method: str, body: bytes, content_type: str) -> Read:
        try:
            rest.check_method(method)
            sent = rest.read(body, content_type, self.rest_options)
        except rest.WebApiRefusal as refusal:
            decision = Decision(None, f"refused by Web API: {refusal.message}", "request")
            response = Response(refusal.body(), refusal.status, media_type="application/json")
            raise Refusal(decision, response) from None
        return sent, soap.SoapVersion.V11, _journal_fields(sent, "MobileNo", sent.schedule_text)

    async def _describe(self, scope: Scope, receive: Receive, send: Send) -> None:
        """GET: the WSDL for ``?WSDL`` (any casing), else the service's help page (``?op=``:
        one operation's samples)."""
        query = scope.get("query_string", b"").decode("latin-1")
        if query.lower().split("&", 1)[0] == "wsdl":
            location = f"{scope.get('scheme', 'http')}://{_own_host(scope)}{SOAP_PATH}"
            response = Response(soap.wsdl(location), media_type="text/xml; charset=utf-8")
        else:
            op = next((v for k, v in parse_qsl(query) if k.lower() == "op"), None)
            response = Response(soap.help_page(op=op), media_type="text/html; charset=utf-8")
        await response(scope, receive, send)
