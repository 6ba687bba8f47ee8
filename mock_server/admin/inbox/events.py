"""``GET /_mock/api/events``: the inbox's live feed, as server-sent events.

Each new message is one ``event: message`` and each new journal entry one ``event: request``,
their ``data:`` the same JSON as ``/_mock/api/messages`` and ``/_mock/api/requests``. Also
``event: health`` (``{"rules_errors": {...}}``) at the start and whenever a rules file breaks
or is mended, and ``event: cleared`` (``{"messages": bool, "requests": bool}``) when a reset
or a delete emptied what the client had been sent. With ``X-Mock-Scope`` or ``?scope=``, only
that scope's messages and journal entries.

Every event carries ``id: M-R``: the last message and the last journal entry sent. A browser's
EventSource sends it back as ``Last-Event-ID`` when it reconnects and the stream resumes right
after them; ``?after=M-R`` does the same for a first connection (the inbox passes the newest
ids it fetched, so nothing falls between its fetch and its stream). With neither, the stream
starts with what arrives from now on.

Ids grow in the order things are stored, across resets too, so resuming is "send what has an
id above the last one sent". When the last one sent is gone (a reset, a delete, a restarted
server with memory state) the client is told to clear, then gets everything there is. A reset
or a delete that leaves the last one sent but removes others (another scope's reset, seen by an
unscoped stream) is seen by ``Storage.removals``: the client is told to clear what it lost
(messages, requests or both), then gets the newest ``BATCH`` of what is left.

The stream wakes at once when this process stores a message or journals a request (in the
stream's scope, if it has one: ``Backend.listen``) and also looks every ``POLL_S`` seconds,
which covers another worker process writing the shared state. A look costs next to nothing
when nothing changed (``Storage.version`` and the rules' errors are compared first), and
otherwise reads only what was stored since the last look: an idle stream never
rescans the store, however many there are and however much another scope stores. (Its start
looks once through the store for its scope's newest ids.) A comment every ``HEARTBEAT_S``
seconds keeps an idle stream open through proxies. It ends when the client goes (Starlette's
``StreamingResponse`` sees the
disconnect and cancels it) and when the server shuts down, if the HTTP protocol puts a shutdown
event in the request's extensions (``SHUTDOWN_EXTENSION``); otherwise uvicorn ends it after its
graceful-shutdown timeout.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from ismart_sms_kit.mock_server.admin.api import backend_of, request_scope
from ismart_sms_kit.mock_server.admin.waiting import woken_or_after
from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.state.model import JournalEntry, Message, MessageQuery, RequestQuery
from ismart_sms_kit.mock_server.transport import SHUTDOWN_EXTENSION

EVENTS_PATH = "/_mock/api/events"
POLL_S = 0.25
HEARTBEAT_S = 15.0
RETRY_MS = 1000


PIECE_CHARS = 64 * 1024
BATCH = 1000
"""At most this many of the newest messages and journal entries after a reset or a delete."""
ROUND = 250
"""At most this many messages and journal entries per round (what one stream holds at a time);
the rest follow in the next rounds, at once."""


def _gone(found: Sequence[Message] | Sequence[JournalEntry], last_sent: int) -> bool:
    return last_sent > 0 and (not found or found[0].id != last_sent)


def read_newer(backend: Backend, cursor: Cursor) -> tuple[list[Message], list[JournalEntry]]:
    """What was stored since the cursor's last look, oldest first (at most ``ROUND`` of
    each): the items above both the last one sent and everything the last look read."""
    storage = backend.storage
    scope = cursor.scope
    messages = storage.find_messages(
        MessageQuery(
            after=max(cursor.message, cursor.scanned[0]),
            limit=ROUND,
            oldest_first=True,
            scope=scope,
        )
    )
    entries = storage.find_requests(
        RequestQuery(
            after=max(cursor.request, cursor.scanned[1]),
            limit=ROUND,
            oldest_first=True,
            scope=scope,
        )
    )
    return messages, entries


def read_after(
    backend: Backend, cursor: Cursor
) -> tuple[list[Message], bool, list[JournalEntry], bool]:
    """The messages and journal entries stored after the cursor's, oldest first, and whether
    the last one sent is gone (a reset or a delete), in which case everything is new.

    Ids grow in the order things are stored (also across resets), so "after" is "id above";
    the query starts at the last id sent to see whether it is still there.
    """
    storage = backend.storage
    scope = cursor.scope
    messages = storage.find_messages(
        MessageQuery(
            after=max(cursor.message - 1, 0), limit=ROUND + 1, oldest_first=True, scope=scope
        )
    )
    entries = storage.find_requests(
        RequestQuery(
            after=max(cursor.request - 1, 0), limit=ROUND + 1, oldest_first=True, scope=scope
        )
    )
    messages_gone, entries_gone = _gone(messages, cursor.message), _gone(entries, cursor.request)
    if messages_gone:
        messages = storage.find_messages(MessageQuery(limit=ROUND, oldest_first=True, scope=scope))
    elif cursor.message:
        messages = messages[1:]
    if entries_gone:
        entries = storage.find_requests(RequestQuery(limit=ROUND, oldest_first=True, scope=scope))
    elif cursor.request:
        entries = entries[1:]
    return messages[:ROUND], messages_gone, entries[:ROUND], entries_gone


@dataclass
class Cursor:
    """What one stream has sent: the ids of the last message and the last journal entry (of
    ``scope`` only, when the stream has one)."""

    message: int = 0
    request: int = 0
    rules_errors: dict[str, str] | None = field(default=None, compare=False)
    scope: str | None = field(default=None, compare=False)
    removals: tuple[int, int] | None = field(default=None, compare=False)
    """``Storage.removals`` at the last look (None: not looked yet)."""
    latest: tuple[int, int] | None = field(default=None, compare=False)
    """``Storage.latest_ids`` at the last look (None: not looked yet)."""
    version: tuple[int, int] | None = field(default=None, compare=False)
    """``Storage.version`` at the last look: while it stays, nothing is read."""
    scanned: tuple[int, int] = field(default=(0, 0), compare=False)
    """Every message and journal entry up to these ids has been read (and sent if it is the
    stream's): the next look reads above them."""

    @property
    def event_id(self) -> str:
        return f"{self.message}-{self.request}"

    @classmethod
    def parse(cls, raw: str, scope: str | None = None) -> Cursor:
        message, sep, request = raw.strip().partition("-")
        if not sep or not message.isdigit() or not request.isdigit():
            raise ValueError(f"{raw!r} is not an event id (MESSAGE_ID-REQUEST_ID, e.g. 12-40)")
        return cls(int(message), int(request), scope=scope)

    @classmethod
    def at_end(cls, backend: Backend, scope: str | None = None) -> Cursor:
        """A cursor after everything stored now: only what arrives later is sent."""
        storage = backend.storage
        newest_message = storage.find_messages(MessageQuery(limit=1, scope=scope))
        newest_entry = storage.find_requests(RequestQuery(limit=1, scope=scope))
        return cls(
            newest_message[0].id if newest_message else 0,
            newest_entry[0].id if newest_entry else 0,
            scope=scope,
        )


def sse(event: str, data: Any, event_id: str) -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\nid: {event_id}\ndata: {payload}\n\n"


def newest(
    backend: Backend, scope: str | None, messages: bool, entries: bool
) -> tuple[list[Message], list[JournalEntry]]:
    """The newest ``BATCH`` messages and/or journal entries (of ``scope``), oldest first: what
    a client that starts again gets, rather than the whole capped state."""
    storage = backend.storage
    found = storage.find_messages(MessageQuery(limit=BATCH, scope=scope)) if messages else []
    logged = storage.find_requests(RequestQuery(limit=BATCH, scope=scope)) if entries else []
    return found[::-1], logged[::-1]


def advance(cursor: Cursor, backend: Backend) -> list[str]:
    """The events for what changed since ``cursor`` (which moves past them).

    A reset or a delete since the last look (``Storage.removals``, shared by the workers) may
    have removed anything the client shows, not only the last thing it was sent (a scope's
    reset seen from an unscoped stream, say): the client is told to clear, and gets the newest
    ``BATCH`` of what is left."""
    out: list[str] = []
    storage = backend.storage
    version = storage.version(cursor.scope)
    if (
        cursor.latest is not None
        and version == cursor.version
        and backend.watcher.errors == cursor.rules_errors
    ):
        return out  # nothing stored, removed or broken since the last look
    cursor.version = version
    removals = storage.removals(cursor.scope)
    latest = storage.latest_ids()
    if cursor.latest is None:  # the first look: is the last thing the client got still there?
        new_messages, messages_gone, new_entries, entries_gone = read_after(backend, cursor)
    else:
        new_messages, new_entries = read_newer(backend, cursor)
        messages_gone = entries_gone = False
    cursor.latest = latest
    cursor.scanned = (
        latest[0] if len(new_messages) < ROUND else new_messages[-1].id,
        latest[1] if len(new_entries) < ROUND else new_entries[-1].id,
    )
    if len(new_messages) >= ROUND or len(new_entries) >= ROUND:
        cursor.version = None  # more is waiting: the next look reads on, changed or not
    if cursor.removals is not None and removals != cursor.removals:
        messages_removed = removals[0] != cursor.removals[0]
        entries_removed = removals[1] != cursor.removals[1]
        fresh_messages, fresh_entries = newest(
            backend, cursor.scope, messages_removed, entries_removed
        )
        if messages_removed:
            new_messages, messages_gone = fresh_messages, True
        if entries_removed:
            new_entries, entries_gone = fresh_entries, True
    cursor.removals = removals
    if messages_gone or entries_gone:
        cursor.message = 0 if messages_gone else cursor.message
        cursor.request = 0 if entries_gone else cursor.request
        cleared = {"messages": messages_gone, "requests": entries_gone}
        out.append(sse("cleared", cleared, cursor.event_id))
    now = backend.clock()
    for message in new_messages:
        cursor.message = message.id
        out.append(sse("message", message.to_json(now, backend.delivery_delay), cursor.event_id))
    for entry in new_entries:
        cursor.request = entry.id
        out.append(sse("request", entry.to_json(), cursor.event_id))
    errors = dict(backend.watcher.errors)
    if errors != cursor.rules_errors:
        cursor.rules_errors = errors
        out.append(sse("health", {"rules_errors": errors}, cursor.event_id))
    return out


def pieces(events: list[str]) -> Iterator[str]:
    """``events`` joined into pieces of about ``PIECE_CHARS``: each written only once the
    client has read the one before (a stalled reader holds one piece in the transport)."""
    held: list[str] = []
    size = 0
    for event in events:
        held.append(event)
        size += len(event)
        if size >= PIECE_CHARS:
            yield "".join(held)
            held, size = [], 0
    if held:
        yield "".join(held)


async def stream(
    backend: Backend, cursor: Cursor, shutdown: asyncio.Event | None
) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    backend.listen(woken, cursor.scope)
    poll_s = POLL_S * (0.9 + 0.2 * random.random())  # streams opened together look apart
    try:
        yield f"retry: {RETRY_MS}\n\n"
        quiet_since = loop.time()
        while shutdown is None or not shutdown.is_set():
            woken.clear()
            events = advance(cursor, backend)
            if events:
                for piece in pieces(events):
                    yield piece
                    # a gone client's send returns at once: let Starlette see it and end this
                    await asyncio.sleep(0)
                del events
                quiet_since = loop.time()
                if cursor.version is None:  # a round cut short: the next one at once
                    continue
            elif loop.time() - quiet_since >= HEARTBEAT_S:
                yield ": keep-alive\n\n"
                quiet_since = loop.time()
            await woken_or_after(woken, poll_s)
    finally:
        backend.unlisten(woken, cursor.scope)


async def events(request: Request) -> Response:
    backend = backend_of(request)
    scope = request_scope(request)  # X-Mock-Scope or ?scope= (an EventSource sets no header)
    raw = request.headers.get("last-event-id") or request.query_params.get("after")
    if raw:
        try:
            cursor = Cursor.parse(raw, scope)
        except ValueError as exc:
            return JSONResponse({"error": str(exc), "field": "after"}, status_code=400)
    else:
        cursor = Cursor.at_end(backend, scope)
    cursor.removals = backend.storage.removals(scope)
    shutdown = request.scope.get("extensions", {}).get(SHUTDOWN_EXTENSION)
    return StreamingResponse(
        stream(backend, cursor, shutdown if isinstance(shutdown, asyncio.Event) else None),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def routes() -> list[BaseRoute]:
    return [Route(EVENTS_PATH, events, methods=["GET"], name="inbox-events")]
