"""``create_app(config)``: the Starlette app with the gateway routes, the admin API and inbox.

The gateway routes only parse and render: read the parameters as ASP.NET would, hand a
:class:`GatewayCall` to the backend, answer ``200 text/plain`` with the bare code. Whatever
goes wrong inside answers 11 (Un Known Error), never a 500 or a traceback.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable
from http import HTTPStatus
from types import EllipsisType
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ismart_sms_kit.mock_server.admin import api as admin
from ismart_sms_kit.mock_server.admin import inbox, openapi, waiting
from ismart_sms_kit.mock_server.admin import rules as rules_api
from ismart_sms_kit.mock_server.admin.auth import AdminTokenMiddleware
from ismart_sms_kit.mock_server.backend import Backend, Clock, system_clock
from ismart_sms_kit.mock_server.config import Config, EndpointConfig
from ismart_sms_kit.mock_server.endpoints import delivery
from ismart_sms_kit.mock_server.gateway.decision import Decision, GatewayCall, GatewayFailure
from ismart_sms_kit.mock_server.params import Params, from_pairs, parse_urlencoded
from ismart_sms_kit.mock_server.rules.actions import Action
from ismart_sms_kit.mock_server.rules.matchers import RuleContext
from ismart_sms_kit.mock_server.rules.rule import Rule
from ismart_sms_kit.mock_server.rules.ruleset import NO_OUTCOME, Outcome
from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.mock_server.state.base import Storage
from ismart_sms_kit.mock_server.transport import ABORT_EXTENSION, SHUTDOWN_EXTENSION
from ismart_sms_kit.protocol.spec import DELIVERY_REPORT_PATH, ReturnCode

log = logging.getLogger("mock_server")

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_ALL_METHODS = frozenset(ALL_METHODS)
_ANSWERS = {code: str(code).encode() for code in range(0, 100)}
_TEXT_PLAIN = b"text/plain; charset=utf-8"
_ANSWER_HEADERS = {
    code: ((b"content-length", str(len(body)).encode()), (b"content-type", _TEXT_PLAIN))
    for code, body in _ANSWERS.items()
}
_FORM = "application/x-www-form-urlencoded"


class MalformedRequest(Exception):
    """A request the gateway cannot read at all (too large, broken multipart): code 15."""


class CaseInsensitivePaths:
    """IIS matches paths case-insensitively: map any casing of a known path to its canonical
    spelling before routing (a dict lookup per request)."""

    def __init__(self, app: ASGIApp, paths: list[str]) -> None:
        self.app = app
        self.canonical = {p.lower(): p for p in paths}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            canonical = self.canonical.get(path.lower())
            if canonical is not None and canonical != path:
                scope = dict(scope, path=canonical, raw_path=canonical.encode())
        await self.app(scope, receive, send)


def answer(code: int) -> Response:
    body = _ANSWERS.get(code) or str(code).encode()
    return Response(body, media_type="text/plain")


async def send_answer(send: Send, code: int) -> None:
    """What ``answer(code)`` sends, without building a Response: 200, ``text/plain``, the
    bare digits."""
    body = _ANSWERS.get(code)
    if body is None:
        body = str(code).encode()
        fixed = ((b"content-length", str(len(body)).encode()), (b"content-type", _TEXT_PLAIN))
    else:
        fixed = _ANSWER_HEADERS[code]
    await send({"type": "http.response.start", "status": 200, "headers": list(fixed)})
    await send({"type": "http.response.body", "body": body})


async def _receive_body(receive: Receive, declared: str | None, limit: int) -> bytes:
    """The whole body, refusing more than ``limit`` bytes (by Content-Length before reading
    anything, else while reading); a disconnect mid-body raises ``ClientDisconnect``."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise MalformedRequest(f"body of {declared} bytes is over max_body_bytes ({limit})")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.request":
            chunk: bytes = message.get("body", b"")
            more: bool = message.get("more_body", False)
            if not more and not chunks and len(chunk) <= limit:
                return chunk  # the usual case: the body in one piece
            if chunk:
                size += len(chunk)
                if size > limit:
                    raise MalformedRequest(f"body is over max_body_bytes ({limit})")
                chunks.append(chunk)
            if not more:
                return b"".join(chunks)
        elif kind == "http.disconnect":
            raise ClientDisconnect()


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"


def _head(scope: Scope) -> tuple[str, str | None, str]:
    """(Content-Type, Content-Length, X-Mock-Scope) of a request, each its first occurrence
    as Starlette's ``Headers.get`` finds it, in one pass over the raw headers."""
    content_type: str | None = None
    length: str | None = None
    mock_scope: str | None = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            if content_type is None:
                content_type = value.decode("latin-1")
        elif name == b"content-length":
            if length is None:
                length = value.decode("latin-1")
        elif name == SCOPE_HEADER_BYTES and mock_scope is None:
            mock_scope = value.decode("latin-1")
    return content_type or "", length, mock_scope or ""


async def _read_params(
    scope: Scope,
    receive: Receive,
    content_type: str,
    declared: str | None,
    limit: int,
) -> Params:
    query = scope.get("query_string", b"")
    if len(query) > limit:
        raise MalformedRequest(f"query string is over max_body_bytes ({limit})")
    params = parse_urlencoded(query)
    if scope["method"] in ("GET", "HEAD"):
        return params
    media = content_type.split(";", 1)[0].strip().lower()
    if media == _FORM:
        body = await _receive_body(receive, declared, limit)
        charset = _charset(content_type)
        if charset != "utf-8":
            try:
                codecs.lookup(charset)
            except (LookupError, ValueError):
                charset = "utf-8"  # an unknown charset: read as UTF-8, as the default
        if params:
            params.update_missing(parse_urlencoded(body, charset))
        else:
            params = parse_urlencoded(body, charset)
    elif media == "multipart/form-data":
        if declared is None or not declared.isdigit() or int(declared) > limit:
            raise MalformedRequest("multipart body without a Content-Length within the cap")
        try:
            async with Request(scope, receive).form(max_files=0, max_fields=1000) as form:
                fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        except Exception as exc:  # python-multipart's and Starlette's parse errors
            raise MalformedRequest(f"unreadable multipart body: {exc}") from None
        params.update_missing(from_pairs(iter(fields)))
    return params


async def read_params(request: Request, limit: int) -> Params:
    """Query string first, then the form body, as ``HttpRequest[name]`` reads them."""
    content_type, declared, _ = _head(request.scope)
    return await _read_params(request.scope, request.receive, content_type, declared, limit)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


SCOPE_HEADER = "x-mock-scope"
SCOPE_HEADER_BYTES = SCOPE_HEADER.encode()


class GatewayEndpoint:
    """One send endpoint as a raw ASGI app: read the parameters as ASP.NET would, let the
    rules and the backend decide, commit, answer ``200 text/plain`` with the bare code.

    It is the endpoint of its Starlette ``Route`` and, for speed, :class:`EmulatorApp` also
    calls it directly (no Request, routing or middleware per request): it needs only the
    scope's method, path, query string, three headers and the client address."""

    def __init__(self, backend: Backend, endpoint: EndpointConfig) -> None:
        self.backend = backend
        self.endpoint = endpoint
        self.name = endpoint.name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        backend = self.backend
        endpoint = self.endpoint
        method: str = scope["method"]
        client = scope.get("client")
        client_ip: str = client[0] if client else "unknown"
        content_type, declared, scope_name = _head(scope)
        params = Params()
        response: Response | None = None
        http_status = 200
        decision: Decision
        redecide: Callable[[Account | None], Decision] | None = None
        basis: Any = None
        scope_from_account = False
        try:
            if method not in ("GET", "HEAD", "POST"):
                decision = Decision(
                    int(ReturnCode.INVALID_REQUEST), f"HTTP method {method} not supported", "method"
                )
            else:
                try:
                    params = await _read_params(
                        scope,
                        receive,
                        content_type,
                        declared,
                        backend.config.setting("max_body_bytes"),
                    )
                except MalformedRequest as exc:
                    decision = Decision(int(ReturnCode.INVALID_REQUEST), str(exc), "request")
                else:
                    user_id = params.get("UserId")
                    account, basis = backend.account(user_id) if user_id else (None, None)
                    # The rules below see the account's scope as this process last saw it. It
                    # may be older only when another worker changed it, and then it does not
                    # matter to them: with more than one worker every rule comes from a file,
                    # and file rules apply in every scope. The commit puts the request's
                    # journal entry and messages in the account's scope as it is then.
                    scope_from_account = not scope_name
                    scope_name = scope_name or (account.scope if account is not None else "")
                    now = backend.clock()
                    outcome = NO_OUTCOME
                    if backend.rules:
                        ctx = RuleContext(
                            params,
                            method=method,
                            endpoint=endpoint.name,
                            client_ip=client_ip,
                            now=now,
                            gateway_tz=backend.options.gateway_tz,
                            scope=scope_name,
                        )
                        outcome = backend.rules.evaluate(ctx, backend.random)
                        if outcome.delay_ms:
                            await asyncio.sleep(outcome.delay_ms / 1000)
                            now = backend.clock()
                    if outcome.action is not None and outcome.rule is not None:
                        decision, response = act(outcome.action, outcome.rule)
                        decision.rules_fired = outcome.fired
                        if response is not None:
                            silent = isinstance(response, Hung | Dropped)
                            http_status = 0 if silent else response.status_code
                    else:
                        call = GatewayCall(
                            endpoint=endpoint,
                            method="GET" if method == "HEAD" else method,
                            client_ip=client_ip,
                            params=params,
                            now=now,
                            scope=scope_name,
                            delivery=outcome.delivery,
                        )
                        # the account as read above, unless a delay rule made it old
                        known = ... if outcome.delay_ms else account
                        if outcome.delay_ms:
                            basis = None  # decided again in its commit
                        decision = _decide(backend, call, outcome, known)
                        if backend.group_commit:
                            redecide = functools.partial(_decide, backend, call, outcome)
        except Exception as exc:  # the gateway answers 11 for its own failures, never a 500
            decision = internal_failure(endpoint.name, exc)
            redecide = None
            response = None
            http_status = 200
        try:
            if backend.group_commit:  # SQLite: the requests of a write turn commit together
                committed = await backend.commit_together(
                    decision,
                    redecide=redecide,
                    basis=basis,
                    scope_from_account=scope_from_account,
                    method=method,
                    endpoint=endpoint.name,
                    client_ip=client_ip,
                    params=params,
                    http_status=http_status,
                    scope=scope_name,
                )
            else:
                committed = decision
                backend.commit(
                    committed,
                    method=method,
                    endpoint=endpoint.name,
                    client_ip=client_ip,
                    params=params,
                    http_status=http_status,
                    scope=scope_name,
                )
        except Exception as exc:  # e.g. the state file is unwritable: still never a 500
            internal_failure(endpoint.name, exc)
            await send_answer(send, int(ReturnCode.UNKNOWN_ERROR))
            return
        if response is not None:
            await response(scope, receive, send)
        elif committed.code is None:
            await Dropped()(scope, receive, send)
        else:
            await send_answer(send, committed.code)


def _decide(
    backend: Backend,
    call: GatewayCall,
    outcome: Outcome,
    account: Account | EllipsisType | None = ...,
) -> Decision:
    """The gateway's decision on ``call`` after the rules' ``outcome``; 11 on a failure.
    ``account``: the request's account as just read (by default it is read again)."""
    try:
        decision = backend.decide(call, account=account)
        if outcome.delayed_by:
            fired = ", ".join(outcome.delayed_by)
            decision.reason += (
                f" (delayed by rule {fired}, {outcome.delay_ms} ms)"
                if outcome.delay_ms
                else f" (rule {fired} fired)"
            )
        decision.rules_fired = outcome.fired
        return decision
    except Exception as exc:  # the gateway answers 11 for its own failures, never a 500
        return internal_failure(call.endpoint.name, exc)


class EmulatorApp(Starlette):
    """The emulator's Starlette app, with a fast path: a request to a send endpoint (any
    casing of its path, a method Starlette's route would accept) goes straight to its
    :class:`GatewayEndpoint`, skipping middleware and routing, which cost more than the
    gateway's own work. Everything else, the send paths' other methods included, goes
    through Starlette as before."""

    gateway: dict[str, GatewayEndpoint]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _ALL_METHODS:
            endpoint = self.gateway.get(scope["path"].lower())
            if endpoint is not None:
                scope["app"] = self
                await endpoint(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def internal_failure(where: str, exc: Exception) -> Decision:
    """Log a failure inside the emulator; the decision to answer 11 (Un Known Error)."""
    expected = isinstance(exc, GatewayFailure)
    log.error("internal failure on %s: %s", where, exc, exc_info=not expected)
    return Decision(int(ReturnCode.UNKNOWN_ERROR), f"internal failure: {exc}", "error")


class Dropped(Response):
    """A non-answer: the connection was (or is now) closed without an HTTP response."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        abort = scope.get("extensions", {}).get(ABORT_EXTENSION)
        if abort is not None:
            abort()
            return
        # Another ASGI server: start a response that promises a body and never send it.
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}
        )
        raise ConnectionAbortedError("dropped by a fault rule")


class Hung(Response):
    """No answer for ``hang_ms``, or until the client gives up or the server stops; then the
    connection is dropped. The request is journaled when the hang starts, not when it ends, so
    it never shows up in a later test's journal."""

    def __init__(self, hang_ms: int) -> None:
        super().__init__(status_code=200)
        self.hang_ms = hang_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        shutdown = scope.get("extensions", {}).get(SHUTDOWN_EXTENSION)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.hang_ms / 1000
        while (left := deadline - loop.time()) > 0 and not (shutdown and shutdown.is_set()):
            try:
                message = await asyncio.wait_for(receive(), timeout=min(left, 0.5))
            except asyncio.TimeoutError:
                continue
            if message["type"] == "http.disconnect":
                break
        await Dropped()(scope, receive, send)


def _reason_phrase(status: int) -> str:
    """The default body of an ``http_status`` rule: the status's reason phrase, as IIS answers
    (``Service Unavailable``); none for a status that has none."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def act(action: Action, rule: Rule) -> tuple[Decision, Response | None]:
    """A rule's final action: the decision for the journal, and the response to send (None:
    answer the decision's code)."""
    by = f"rule:{rule.label}"
    if action.code is not None:
        return Decision(action.code, f"answered {action.code} by rule {rule.label}", by), None
    if action.http_status is not None:
        body = action.body if action.body is not None else _reason_phrase(action.http_status)
        response = Response(
            body, status_code=action.http_status, media_type=action.content_type or "text/html"
        )
        return Decision(None, f"HTTP {action.http_status} by rule {rule.label}", by), response
    if action.body is not None:
        response = Response(action.body, media_type=action.content_type or "text/plain")
        return Decision(None, f"raw body by rule {rule.label}", by), response
    if action.hang:
        reason = f"hangs up to {action.hang_ms} ms, then drops, by rule {rule.label}"
        return Decision(None, reason, by), Hung(action.hang_ms)
    return Decision(None, f"connection dropped by rule {rule.label}", by), Dropped()


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """Background work of a running emulator: the rules-file watcher (hot reload)."""
    backend: Backend = app.state.backend
    interval = backend.config.setting("rules_reload_ms")
    task = None
    if backend.config.rule_files and interval > 0:
        task = asyncio.create_task(backend.watcher.run(interval))
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        backend.close()


async def delivery_report_route(request: Request) -> Response:
    """``SMSDeliveryReportAPI.aspx``: records joined by ``|``, or a code (11 on a failure)."""
    backend: Backend = request.app.state.backend
    client_ip = _client_ip(request)
    params = Params()
    try:
        params = await read_params(request, backend.config.setting("max_body_bytes"))
        decision, body = delivery.report(backend, params, client_ip, request.method)
    except MalformedRequest as exc:
        decision = Decision(int(ReturnCode.INVALID_REQUEST), str(exc), "request")
        body = str(decision.code)
    except Exception as exc:
        decision = internal_failure(delivery.NAME, exc)
        body = str(decision.code)
    try:
        scope = request.headers.get(SCOPE_HEADER, "")
        user_id = params.get("UserId")
        if not scope and user_id:  # as for a send: the account's scope, if it has one
            account = backend.storage.account(user_id)
            scope = account.scope if account is not None else ""
        backend.commit(
            decision,
            method=request.method,
            endpoint=delivery.NAME,
            client_ip=client_ip,
            params=params.items(),
            scope=scope,
        )
    except Exception as exc:
        internal_failure(delivery.NAME, exc)
        body = str(int(ReturnCode.UNKNOWN_ERROR))
    if decision.code is not None and str(decision.code) != body:
        body = str(decision.code)  # the commit turned a 3 into a 12
    return Response(body, media_type="text/plain")


def create_app(
    config: Config | None = None,
    *,
    storage: Storage | None = None,
    clock: Clock = system_clock,
) -> Starlette:
    """A new emulator; each call has its own state, so tests can make as many as they need."""
    config = config if config is not None else Config()
    backend = Backend(config, storage=storage, clock=clock)
    gateway = {
        ep.path.lower(): GatewayEndpoint(backend, ep)
        for ep in config.endpoints.values()
        if ep.enabled
    }
    routes: list[BaseRoute] = [
        Route(handler.endpoint.path, handler, methods=ALL_METHODS, name=f"gateway-{handler.name}")
        for handler in gateway.values()
    ]
    routes.append(
        Route(DELIVERY_REPORT_PATH, delivery_report_route, methods=["GET", "POST"], name="dlr")
    )
    routes.append(Route("/", lambda request: RedirectResponse("/_mock/"), name="root"))
    routes.append(admin.by_method(f"{admin.API}/openapi.json", GET=openapi.route))
    routes.append(admin.by_method(f"{admin.API}/messages/wait", GET=waiting.wait_for_message))
    routes.extend(admin.routes())
    routes.extend(rules_api.routes())
    routes.extend(inbox.routes())
    app = EmulatorApp(
        routes=routes,
        lifespan=_lifespan,
        exception_handlers={404: admin.not_found, 405: admin.not_found},
    )
    app.gateway = gateway
    app.state.backend = backend
    token = config.setting("admin_token")
    if token:
        app.add_middleware(AdminTokenMiddleware, token=token)
    gateway_paths = [ep.path for ep in config.endpoints.values() if ep.enabled]
    app.add_middleware(CaseInsensitivePaths, paths=[*gateway_paths, DELIVERY_REPORT_PATH])
    return app
