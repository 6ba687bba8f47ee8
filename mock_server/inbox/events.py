"""``GET /_mock/api/events``: the inbox's live feed, as server-sent events.

Each new message is one ``event: message`` and each new journal entry one ``event: request``,
their ``data:`` the same JSON as ``/_mock/api/messages`` and ``/_mock/api/requests``. Also
``event: health`` (``{"rules_errors": {...}}``) at the start and whenever a rules file breaks
or is mended, and ``event: cleared`` (``{"messages": bool, "requests": bool}``) when a reset
or a delete emptied what the client had been sent.

Every event carries ``id: M-R``: the last message and the last journal entry sent. A browser's
EventSource sends it back as ``Last-Event-ID`` when it reconnects and the stream resumes right
after them; ``?after=M-R`` does the same for a first connection (the inbox passes the newest
ids it fetched, so nothing falls between its fetch and its stream). With neither, the stream
starts with what arrives from now on.

Resuming goes by position, not by comparing ids: a journal entry's id is its request id, given
when the request starts, so a request that a rule delayed is journaled after later ones. The
stream finds the last item it sent and sends what follows it; when that item is gone (a reset,
a delete, a restarted server) the client is told to clear, then gets everything there is.

The stream wakes at once when this process stores a message or journals a request
(``backend.listeners``) and also looks every ``POLL_S`` seconds, which covers another worker
process writing the shared state. A comment every ``HEARTBEAT_S`` seconds keeps an idle stream
open through proxies. It ends when the client goes (Starlette's ``StreamingResponse`` sees the
disconnect and cancels it) and when the server shuts down, if the HTTP protocol puts a shutdown
event in the request's extensions (``SHUTDOWN_EXTENSION``); otherwise uvicorn ends it after its
graceful-shutdown timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from mock_server.backend import Backend
from mock_server.store import JournalEntry, Message

EVENTS_PATH = "/_mock/api/events"
POLL_S = 0.25
HEARTBEAT_S = 15.0
RETRY_MS = 1000
SHUTDOWN_EXTENSION = "ismart.shutdown"
"""Key of an :class:`asyncio.Event` in ``scope["extensions"]`` that the HTTP protocol sets when
the server begins a graceful shutdown."""


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=_HasId)


def read_state(backend: Backend) -> tuple[list[Message], list[JournalEntry]]:
    """Every message and journal entry, oldest first: the one place the stream reads the state.

    Only the items after the last ones sent are used (see :func:`after`), so a storage that can
    answer "the items stored after the one with this id, and whether it still exists" may
    return just those.
    """
    return backend.storage.messages(), backend.storage.journal_entries()


def after(items: Sequence[T], last_sent: int) -> tuple[list[T], bool]:
    """The items stored after the one whose id is ``last_sent`` (0: none was sent), oldest
    first, and whether that one is gone, in which case every item is new."""
    if last_sent == 0:
        return list(items), False
    for index in range(len(items) - 1, -1, -1):
        if items[index].id == last_sent:
            return list(items[index + 1 :]), False
    return list(items), True


@dataclass
class Cursor:
    """What one stream has sent: the ids of the last message and the last journal entry."""

    message: int = 0
    request: int = 0
    rules_errors: dict[str, str] | None = field(default=None, compare=False)

    @property
    def event_id(self) -> str:
        return f"{self.message}-{self.request}"

    @classmethod
    def parse(cls, raw: str) -> Cursor:
        message, sep, request = raw.strip().partition("-")
        if not sep or not message.isdigit() or not request.isdigit():
            raise ValueError(f"{raw!r} is not an event id (MESSAGE_ID-REQUEST_ID, e.g. 12-40)")
        return cls(int(message), int(request))

    @classmethod
    def at_end(cls, messages: Sequence[Message], entries: Sequence[JournalEntry]) -> Cursor:
        """A cursor after everything stored now: only what arrives later is sent."""
        return cls(messages[-1].id if messages else 0, entries[-1].id if entries else 0)


def sse(event: str, data: Any, event_id: str) -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\nid: {event_id}\ndata: {payload}\n\n"


def advance(cursor: Cursor, backend: Backend) -> list[str]:
    """The events for what changed since ``cursor`` (which moves past them)."""
    messages, entries = read_state(backend)
    new_messages, messages_gone = after(messages, cursor.message)
    new_entries, entries_gone = after(entries, cursor.request)
    out: list[str] = []
    if messages_gone or entries_gone:
        cursor.message = 0 if messages_gone else cursor.message
        cursor.request = 0 if entries_gone else cursor.request
        cleared = {"messages": messages_gone, "requests": entries_gone}
        out.append(sse("cleared", cleared, cursor.event_id))
    now = backend.clock()
    for message in new_messages:
        cursor.message = message.id
        out.append(sse("message", message.to_json(now), cursor.event_id))
    for entry in new_entries:
        cursor.request = entry.id
        out.append(sse("request", entry.to_json(), cursor.event_id))
    errors = dict(backend.watcher.errors)
    if errors != cursor.rules_errors:
        cursor.rules_errors = errors
        out.append(sse("health", {"rules_errors": errors}, cursor.event_id))
    return out


async def stream(
    backend: Backend, cursor: Cursor, shutdown: asyncio.Event | None
) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    backend.listeners.add(woken)
    try:
        yield f"retry: {RETRY_MS}\n\n"
        quiet_since = loop.time()
        while shutdown is None or not shutdown.is_set():
            woken.clear()
            events = advance(cursor, backend)
            if events:
                yield "".join(events)
                quiet_since = loop.time()
            elif loop.time() - quiet_since >= HEARTBEAT_S:
                yield ": keep-alive\n\n"
                quiet_since = loop.time()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(woken.wait(), POLL_S)
    finally:
        backend.listeners.discard(woken)


async def events(request: Request) -> Response:
    backend: Backend = request.app.state.backend
    raw = request.headers.get("last-event-id") or request.query_params.get("after")
    if raw:
        try:
            cursor = Cursor.parse(raw)
        except ValueError as exc:
            return JSONResponse({"error": str(exc), "field": "after"}, status_code=400)
    else:
        cursor = Cursor.at_end(*read_state(backend))
    shutdown = request.scope.get("extensions", {}).get(SHUTDOWN_EXTENSION)
    return StreamingResponse(
        stream(backend, cursor, shutdown if isinstance(shutdown, asyncio.Event) else None),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def routes() -> list[BaseRoute]:
    return [Route(EVENTS_PATH, events, methods=["GET"], name="inbox-events")]
