"""The send endpoints (``SMSDynamicRefIntlAPI.aspx``, ``SMSDynamicAPI.aspx``): read, answer,
write. And the fast path: :class:`EmulatorApp` sends their requests straight to them."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.config import EndpointConfig
from ismart_sms_kit.mock_server.endpoints.faults import write
from ismart_sms_kit.mock_server.endpoints.request import (
    checked_scope,
    client_ip,
    head,
    read_scope_params,
    refusal,
)
from ismart_sms_kit.mock_server.endpoints.respond import answer_now, send_answer
from ismart_sms_kit.mock_server.gateway.request import SendRequest
from ismart_sms_kit.mock_server.gateway.steps import refused_method
from ismart_sms_kit.mock_server.params import Params

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class GatewayEndpoint:
    """One send endpoint as a raw ASGI app: read the parameters as ASP.NET would, let the
    backend answer (:meth:`Backend.answer`), write ``200 text/plain`` with the bare code (or
    carry out a fault rule's action).

    It is the endpoint of its Starlette ``Route`` and, for speed, :class:`EmulatorApp` also
    calls it directly (no Request, routing or middleware per request): it needs only the
    scope's method, path, query string, three headers and the client address."""

    def __init__(self, backend: Backend, endpoint: EndpointConfig) -> None:
        self.backend = backend
        self.endpoint = endpoint
        self.name = endpoint.name
        self.max_body_bytes: int = backend.config.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = await self.read(scope, receive)
        if request is None:  # gone before its request was whole: nothing to answer
            return
        answer = await self.backend.answer(request)
        code = answer.decision.code
        if answer.action is None and code is not None and answer_now(scope, code):
            return  # the usual answer, written at once
        await write(answer, scope, receive, send, send_answer)

    async def read(self, scope: Scope, receive: Receive) -> SendRequest | None:
        """The request as the gateway reads it (None: the client went away meanwhile)."""
        method: str = scope["method"]
        content_type, declared, mock_scope = head(scope)
        params, refused = Params(), None
        if method not in ("GET", "HEAD", "POST"):
            refused = refused_method(method)
        else:
            try:
                params = await read_scope_params(
                    scope, receive, content_type, declared, self.max_body_bytes
                )
            except Exception as exc:
                refused = refusal(exc, self.name)
                if refused is None:
                    self.backend.client_gone(self.name)
                    return None
        mock_scope, refused = checked_scope(mock_scope, refused)
        now = self.backend.clock()
        ip = client_ip(scope)
        return SendRequest(self.endpoint, method, ip, params, now, mock_scope, refused=refused)


class EmulatorApp(Starlette):
    """The emulator's Starlette app, with a fast path: a request to a send endpoint (any
    casing of its path, any method: the endpoint answers 15 to those it does not read) goes
    straight to its :class:`GatewayEndpoint`, skipping middleware and routing, which cost more
    than the gateway's own work. Everything else goes through Starlette as before."""

    gateway: Mapping[str, ASGIApp]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            endpoint = self.gateway.get(path) or self.gateway.get(path.lower())
            if endpoint is not None:
                scope["app"] = self
                await endpoint(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
