"""``create_app(config)``: the emulator's Starlette app, assembled: the gateway endpoints
(:mod:`.endpoints`), the admin API, rules API, OpenAPI, wait and inbox (:mod:`.admin`), one
:class:`~ismart_sms_kit.mock_server.backend.Backend` behind them all.

Whatever goes wrong inside a gateway endpoint answers 11 (Un Known Error), never a 500 or a
traceback. ``docs/architecture.md`` walks a request through the layers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ismart_sms_kit.mock_server.admin import accounts as accounts_api
from ismart_sms_kit.mock_server.admin import api as admin
from ismart_sms_kit.mock_server.admin import inbox, openapi, waiting
from ismart_sms_kit.mock_server.admin import rules as rules_api
from ismart_sms_kit.mock_server.admin.auth import AdminTokenMiddleware, DriveByGuard
from ismart_sms_kit.mock_server.admin.bodies import BadBody, bad_body
from ismart_sms_kit.mock_server.backend import Backend, Clock, system_clock
from ismart_sms_kit.mock_server.config import Config, EndpointConfig
from ismart_sms_kit.mock_server.endpoints.delivery import DeliveryReportEndpoint
from ismart_sms_kit.mock_server.endpoints.gateway import ALL_METHODS, EmulatorApp, GatewayEndpoint
from ismart_sms_kit.mock_server.endpoints.request import CaseInsensitivePaths
from ismart_sms_kit.mock_server.state.base import Storage
from ismart_sms_kit.mock_server.transport import HTTP_SETTINGS, HttpSettings
from ismart_sms_kit.protocol.interfaces import FORM
from ismart_sms_kit.protocol.spec import DELIVERY_REPORT_PATH


def http_settings(config: Config) -> HttpSettings:
    """The connection settings of :mod:`transport`'s protocol, from the config."""
    return HttpSettings(
        header_timeout_s=config.settings.header_timeout_ms / 1000,
        body_timeout_s=config.settings.body_timeout_ms / 1000,
        idle_timeout_s=config.settings.idle_timeout_ms / 1000,
        write_timeout_s=config.settings.write_timeout_ms / 1000,
        max_connections=config.settings.max_connections,
        gateway_paths=frozenset(
            ep.path.lower().encode() for ep in config.endpoints.values() if ep.enabled
        ),
    )


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
    """Background work of a running emulator: the rules-file watcher (hot reload). Its
    state (which uvicorn hands to each connection's protocol) carries the connection
    settings (``transport.HTTP_SETTINGS``)."""
    backend: Backend = app.state.backend
    interval = backend.config.settings.rules_reload_ms
    task = None
    if backend.config.rule_files and interval > 0:
        task = asyncio.create_task(backend.watcher.run(interval))
    try:
        yield {HTTP_SETTINGS: http_settings(backend.config)}
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        backend.close()


class WebServiceOnFirstRequest:
    """A REST or SOAP endpoint (:class:`~.endpoints.webservice.WebServiceEndpoint`), made on
    its first request: start-up imports neither interface's readers (JSON5, XML), which
    cost a tenth of it."""

    def __init__(self, backend: Backend, endpoint: EndpointConfig) -> None:
        self.backend = backend
        self.endpoint = endpoint
        self.name = endpoint.name
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            from ismart_sms_kit.mock_server.endpoints.webservice import WebServiceEndpoint

            self.app = WebServiceEndpoint(self.backend, self.endpoint)
        await self.app(scope, receive, send)


def create_app(
    config: Config | None = None,
    *,
    storage: Storage | None = None,
    clock: Clock = system_clock,
) -> Starlette:
    """A new emulator; each call has its own state, so tests can make as many as they need."""
    config = config if config is not None else Config()
    backend = Backend(config, storage=storage, clock=clock)
    gateway: dict[str, GatewayEndpoint | WebServiceOnFirstRequest] = {
        ep.path.lower(): (
            GatewayEndpoint(backend, ep)
            if ep.interface == FORM
            else WebServiceOnFirstRequest(backend, ep)
        )
        for ep in config.endpoints.values()
        if ep.enabled
    }
    routes: list[BaseRoute] = [
        Route(handler.endpoint.path, handler, methods=ALL_METHODS, name=f"gateway-{handler.name}")
        for handler in gateway.values()
    ]
    routes.append(
        Route(
            DELIVERY_REPORT_PATH,
            DeliveryReportEndpoint(backend),
            methods=ALL_METHODS,  # another method answers 15, as on the send endpoints
            name="dlr",
        )
    )
    routes.append(Route("/", lambda request: RedirectResponse("/_mock/"), name="root"))
    routes.append(admin.by_method(f"{admin.API}/openapi.json", GET=openapi.route))
    routes.append(admin.by_method(f"{admin.API}/messages/wait", GET=waiting.wait_for_message))
    routes.extend(admin.routes())
    routes.extend(accounts_api.routes())
    routes.extend(rules_api.routes())
    routes.extend(inbox.routes())
    app = EmulatorApp(
        routes=routes,
        lifespan=_lifespan,
        exception_handlers={
            404: admin.not_found,
            405: admin.not_found,
            admin.OverLongScope: admin.over_long_scope,
            BadBody: bad_body,
        },
    )
    # each endpoint by its path as documented and by its lower-cased path (any other casing)
    app.gateway = {**gateway, **{h.endpoint.path: h for h in gateway.values()}}
    app.state.backend = backend
    token = config.settings.admin_token
    if token:
        app.add_middleware(AdminTokenMiddleware, token=token)
    app.add_middleware(DriveByGuard, allowed_hosts=config.settings.allowed_hosts)
    gateway_paths = [ep.path for ep in config.endpoints.values() if ep.enabled]
    app.add_middleware(CaseInsensitivePaths, paths=[*gateway_paths, DELIVERY_REPORT_PATH])
    return app
