"""The JSON admin API under ``/_mock/api/``: what was sent, the journal, accounts, reset.

Errors are JSON too: ``{"error": "...", "field": "..."}`` with a 4xx status.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mock_server.accounts import AccountError
from mock_server.backend import Backend
from mock_server.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from mock_server.store import Message

API = "/_mock/api"


def _backend(request: Request) -> Backend:
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


def _parse_since(raw: str) -> datetime:
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadFilter("since", f"since={raw!r} is not an ISO 8601 date-time") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _parse_limit(raw: str | None, default: int = 100) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BadFilter("limit", f"limit={raw!r} is not a whole number >= 1")
    return int(raw)


FILTERS = frozenset({"to", "user", "header", "contains", "since", "limit"})


def filter_messages(messages: list[Message], query: dict[str, str]) -> list[Message]:
    """Newest first, filtered by the query's ``to``, ``user``, ``header``, ``contains``,
    ``since`` and cut to ``limit``."""
    unknown = set(query) - FILTERS
    if unknown:
        name = sorted(unknown)[0]
        raise BadFilter(name, f"unknown filter {name!r} (known: {', '.join(sorted(FILTERS))})")
    limit = _parse_limit(query.get("limit"))
    since = _parse_since(query["since"]) if "since" in query else None
    to, user, header = query.get("to"), query.get("user"), query.get("header")
    contains = query.get("contains")
    out: list[Message] = []
    for m in reversed(messages):
        if to is not None and m.number != to:
            continue
        if user is not None and m.user_id != user:
            continue
        if header is not None and m.header != header:
            continue
        if contains is not None and contains not in m.text:
            continue
        if since is not None and m.received_at < since:
            continue
        out.append(m)
        if len(out) >= limit:
            break
    return out


async def list_messages(request: Request) -> Response:
    backend = _backend(request)
    try:
        found = filter_messages(backend.storage.messages(), dict(request.query_params))
    except BadFilter as exc:
        return error(400, str(exc), exc.field)
    now = backend.clock()
    return JSONResponse([m.to_json(now) for m in found])


async def latest_message(request: Request) -> Response:
    backend = _backend(request)
    to = request.query_params.get("to")
    if not to:
        return error(400, "to= (the number) is required", "to")
    found = filter_messages(backend.storage.messages(), {"to": to, "limit": "1"})
    if not found:
        return error(404, f"no message to {to}")
    return JSONResponse(found[0].to_json(backend.clock()))


async def delete_messages(request: Request) -> Response:
    _backend(request).storage.clear_messages()
    return Response(status_code=204)


async def list_requests(request: Request) -> Response:
    try:
        limit = _parse_limit(request.query_params.get("limit"))
    except BadFilter as exc:
        return error(400, str(exc), exc.field)
    entries = _backend(request).storage.journal_entries()
    return JSONResponse([e.to_json() for e in reversed(entries[-limit:])])


async def list_accounts(request: Request) -> Response:
    return JSONResponse([a.to_json() for a in _backend(request).storage.accounts()])


async def get_account(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    account = _backend(request).storage.account(user_id)
    if account is None:
        return error(404, f"no account {user_id!r}")
    return JSONResponse(account.to_json())


async def patch_account(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    try:
        patch = await request.json()
    except ValueError:
        return error(400, "the body must be a JSON object")
    if not isinstance(patch, dict):
        return error(400, "the body must be a JSON object")
    try:
        account = _backend(request).storage.patch_account(user_id, patch)
    except AccountError as exc:
        return error(422, str(exc), exc.field)
    if account is None:
        return error(404, f"no account {user_id!r}")
    return JSONResponse(account.to_json())


async def reset(request: Request) -> Response:
    _backend(request).reset()
    return JSONResponse({"reset": True})


async def health(request: Request) -> Response:
    backend = _backend(request)
    return JSONResponse(
        {
            "status": "ok",
            "seed": backend.seed,
            "messages": len(backend.storage.messages()),
            "requests": len(backend.storage.journal_entries()),
            "rules": len(backend.rules.all()),
            "rules_errors": dict(backend.watcher.errors),
        }
    )


async def metrics(request: Request) -> Response:
    backend = _backend(request)
    storage = backend.storage
    text = backend.metrics.render(
        messages_stored=len(storage.messages()),
        dropped={
            "messages": getattr(storage, "dropped_messages", 0),
            "journal": getattr(storage, "dropped_journal", 0),
        },
        rules_active=len(backend.rules.all()),
    )
    return Response(text, media_type=METRICS_CONTENT_TYPE)


def routes() -> list[BaseRoute]:
    return [
        Route(f"{API}/health", health, methods=["GET"]),
        Route(f"{API}/messages", list_messages, methods=["GET"]),
        Route(f"{API}/messages", delete_messages, methods=["DELETE"]),
        Route(f"{API}/messages/latest", latest_message, methods=["GET"]),
        Route(f"{API}/requests", list_requests, methods=["GET"]),
        Route(f"{API}/accounts", list_accounts, methods=["GET"]),
        Route(f"{API}/accounts/{{user_id}}", get_account, methods=["GET"]),
        Route(f"{API}/accounts/{{user_id}}", patch_account, methods=["PATCH"]),
        Route(f"{API}/reset", reset, methods=["POST"]),
        Route(f"{API}/metrics", metrics, methods=["GET"]),
    ]
