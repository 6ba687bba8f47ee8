"""The JSON admin API under ``/_mock/api/``: what was sent, the journal, accounts, reset.

Errors are JSON too: ``{"error": "...", "field": "..."}`` with a 4xx status.

Scopes: a call carrying ``X-Mock-Scope: NAME`` (or ``?scope=NAME``) sees and resets only that
scope's messages, journal and run-time rules; without one it sees everything, as before scopes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from ismart_sms_kit import __version__
from ismart_sms_kit.mock_server.admin.bodies import read_json
from ismart_sms_kit.mock_server.admin.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from ismart_sms_kit.mock_server.admin.metrics import render
from ismart_sms_kit.mock_server.admin.streamed import json_pages
from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.params import scope_problem
from ismart_sms_kit.mock_server.state.model import (
    FIXED_DELIVERY_STATES,
    SCOPE_HEADER,
    JournalEntry,
    Message,
    MessageQuery,
    RequestQuery,
)

API: Final = "/_mock/api"
SERVICE: Final = "ismart-mock"
"""What ``/_mock/api/health`` names itself: the contract kit checks it before it treats a URL
as an emulator (``--ismart-emulator``)."""
MAX_LIMIT: Final = 10_000
MUSCAT_OFFSET_MINUTES: Final = 240


def backend_of(request: Request) -> Backend:
    """The app's one ``Backend`` (every admin route reaches the state through it)."""
    backend: Backend = request.app.state.backend
    return backend


def error(status: int, message: str, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status)


class BadFilter(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def request_scope(request: Request) -> str | None:
    """The scope an admin call is limited to (None: every scope). One over
    ``MAX_SCOPE_CHARS`` raises :class:`OverLongScope` (a 400, see ``app.py``)."""
    scope = request.headers.get(SCOPE_HEADER)
    if scope is None:
        scope = request.query_params.get("scope")
    problem = scope_problem(scope)
    if problem is not None:
        raise OverLongScope(problem)
    return scope if scope else None


class OverLongScope(ValueError):
    """An admin call's scope is over ``MAX_SCOPE_CHARS``."""


async def over_long_scope(request: Request, exc: Exception) -> Response:
    return error(400, str(exc), "X-Mock-Scope")


def _parse_since(raw: str) -> datetime:
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadFilter("since", f"since={raw!r} is not an ISO 8601 date-time") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def parse_whole(raw: str | None, name: str, default: int, minimum: int, maximum: int) -> int:
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not minimum <= int(raw) <= maximum:
        raise BadFilter(name, f"{name}={raw!r} is not a whole number from {minimum} to {maximum}")
    return int(raw)


FILTERS: Final = frozenset({"to", "user", "header", "contains", "since", "after", "limit", "scope"})


def message_query(query: dict[str, str], scope: str | None, **extra: Any) -> MessageQuery:
    """A :class:`MessageQuery` from URL query parameters; :class:`BadFilter` names a bad one."""
    unknown = set(query) - FILTERS
    if unknown:
        name = sorted(unknown)[0]
        raise BadFilter(name, f"unknown filter {name!r} (known: {', '.join(sorted(FILTERS))})")
    values: dict[str, Any] = {
        "to": query.get("to"),
        "user": query.get("user"),
        "header": query.get("header"),
        "contains": query.get("contains"),
        "scope": scope,
        "limit": parse_whole(query.get("limit"), "limit", 100, 1, MAX_LIMIT),
        "after": parse_whole(query.get("after"), "after", 0, 0, 2**62),
    }
    if "since" in query:
        values["since"] = _parse_since(query["since"])
    values.update(extra)
    return MessageQuery(**values)


def message_json(backend: Backend, message: Message) -> dict[str, Any]:
    return message.to_json(backend.clock(), backend.delivery_delay)


async def list_messages(request: Request) -> Response:
    backend = backend_of(request)
    try:
        query = message_query(dict(request.query_params), request_scope(request))
    except BadFilter as exc:
        return error(400, str(exc), exc.field)

    def fetch(before: int, count: int) -> list[Message]:
        return backend.storage.find_messages(replace(query, before=before, limit=count))

    return json_pages(fetch, query.limit, lambda m: message_json(backend, m))


async def latest_message(request: Request) -> Response:
    backend = backend_of(request)
    to = request.query_params.get("to")
    if not to:
        return error(400, "to= (the number) is required", "to")
    found = backend.storage.find_messages(
        MessageQuery(to=to, limit=1, scope=request_scope(request))
    )
    if not found:
        return error(404, f"no message to {to}")
    return JSONResponse(message_json(backend, found[0]))


def _message_id(request: Request) -> int | None:
    raw: int = request.path_params["message_id"]
    return raw if 0 < raw < 2**62 else None


def _find_message(request: Request) -> Message | None:
    """The message the path names, if the call's scope (if any) has it."""
    message_id = _message_id(request)
    if not message_id:
        return None
    found = backend_of(request).storage.find_messages(
        MessageQuery(after=message_id - 1, limit=1, oldest_first=True, scope=request_scope(request))
    )
    return found[0] if found and found[0].id == message_id else None


async def get_message(request: Request) -> Response:
    message = _find_message(request)
    if message is None:
        return error(404, f"no message {request.path_params['message_id']}")
    return JSONResponse(message_json(backend_of(request), message))


async def patch_message(request: Request) -> Response:
    """Set a message's delivery state: ``{"status": "delivered"|"failed"}``."""
    backend = backend_of(request)
    try:
        body = await read_json(request)
    except ValueError:
        return error(400, "the body must be a JSON object")
    if not isinstance(body, dict) or set(body) != {"status"}:
        return error(422, 'the body must be {"status": "delivered" or "failed"}', "status")
    status = body["status"]
    if status not in FIXED_DELIVERY_STATES:
        return error(422, f"status must be one of {', '.join(FIXED_DELIVERY_STATES)}", "status")
    found = _find_message(request)  # in the call's scope, if it has one
    message = backend.storage.set_delivery(found.id, status, backend.clock()) if found else None
    if message is None:
        return error(404, f"no message {request.path_params['message_id']}")
    return JSONResponse(message_json(backend, message))


async def delete_message(request: Request) -> Response:
    """Forget one message (in the call's scope, if it has one); 204, or 404."""
    found = _find_message(request)
    if found is None or backend_of(request).storage.delete_message(found.id) is None:
        return error(404, f"no message {request.path_params['message_id']}")
    return Response(status_code=204)


async def delete_messages(request: Request) -> Response:
    backend_of(request).storage.clear_messages(request_scope(request))
    return Response(status_code=204)


async def list_requests(request: Request) -> Response:
    query = dict(request.query_params)
    unknown = sorted(set(query) - {"limit", "after", "rejected", "scope"})
    if unknown:
        return error(
            400, f"unknown filter {unknown[0]!r} (known: limit, after, rejected)", unknown[0]
        )
    rejected = query.get("rejected", "false").lower()
    if rejected not in ("true", "false", "1", "0"):
        return error(400, f"rejected={rejected!r} is neither true nor false", "rejected")
    try:
        wanted = RequestQuery(
            scope=request_scope(request),
            limit=parse_whole(query.get("limit"), "limit", 100, 1, MAX_LIMIT),
            after=parse_whole(query.get("after"), "after", 0, 0, 2**62),
            rejected=rejected in ("true", "1"),
        )
    except BadFilter as exc:
        return error(400, str(exc), exc.field)
    storage = backend_of(request).storage

    def fetch(before: int, count: int) -> list[JournalEntry]:
        return storage.find_requests(replace(wanted, before=before, limit=count))

    return json_pages(fetch, wanted.limit, JournalEntry.to_json)


async def reset(request: Request) -> Response:
    scope = request_scope(request)
    backend_of(request).reset(scope)
    return JSONResponse({"reset": True, "scope": scope})


def gateway_clock(backend: Backend) -> dict[str, Any]:
    """The gateway's clock, on which PushDateTime is read: its offset and a label for it."""
    offset = int(backend.config.settings.utc_offset_minutes)
    hours, minutes = divmod(abs(offset), 60)
    label = f"UTC{'+' if offset >= 0 else '-'}{hours}" + (f":{minutes:02d}" if minutes else "")
    if offset == MUSCAT_OFFSET_MINUTES:
        label = f"Asia/Muscat, {label}"
    return {"utc_offset_minutes": offset, "label": label}


async def health(request: Request) -> Response:
    """``status`` is ``ok``, or ``degraded`` while a rules file failed to reload (the last
    good rules of that file stay in force; ``rules_errors`` says which and why). HTTP 200 both
    ways: the emulator answers either way; a check that must fail on it reads ``status``."""
    backend = backend_of(request)
    scope = request_scope(request)
    messages, requests = backend.storage.sizes(scope)
    rules_errors = dict(backend.watcher.errors)
    return JSONResponse(
        {
            "service": SERVICE,
            "version": __version__,
            "status": "degraded" if rules_errors else "ok",
            "seed": backend.seed,
            "state": backend.config.state,
            "messages": messages,
            "requests": requests,
            "rules": len(backend.rules.all(scope)),
            "rules_errors": rules_errors,
            "warnings": backend.warnings,
            "gateway_clock": gateway_clock(backend),
        }
    )


async def metrics(request: Request) -> Response:
    backend = backend_of(request)
    text = render(
        backend.storage.counters(),
        messages_stored=backend.storage.sizes()[0],
        rules_active=len(backend.rules.all()),
    )
    return Response(text, media_type=METRICS_CONTENT_TYPE)


Endpoint = Callable[[Request], Awaitable[Response]]


def by_method(path: str, **endpoints: Endpoint) -> Route:
    """One route per path, whatever its methods, so that a 405 lists them all in ``Allow``."""

    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await endpoints[method](request)

    return Route(path, dispatch, methods=list(endpoints))


async def not_found(request: Request, exc: Exception) -> Response:
    """404 and 405 as JSON under the admin API (the OpenAPI document says so), plain text
    elsewhere, as Starlette would."""
    status = getattr(exc, "status_code", 404)
    headers = getattr(exc, "headers", None)
    if request.url.path.startswith(API):
        text = "no such admin route" if status == 404 else f"{request.method} is not allowed here"
        return JSONResponse({"error": text}, status_code=status, headers=headers)
    return PlainTextResponse(
        "Not Found" if status == 404 else "Method Not Allowed", status, headers
    )


def routes() -> list[BaseRoute]:
    return [
        by_method(f"{API}/health", GET=health),
        by_method(f"{API}/messages", GET=list_messages, DELETE=delete_messages),
        by_method(f"{API}/messages/latest", GET=latest_message),
        by_method(
            f"{API}/messages/{{message_id:int}}",
            GET=get_message,
            PATCH=patch_message,
            DELETE=delete_message,
        ),
        by_method(f"{API}/requests", GET=list_requests),
        by_method(f"{API}/reset", POST=reset),
        by_method(f"{API}/metrics", GET=metrics),
    ]
